/**
 * kubeServices, made in one pass without key strings and match arrays, gives the services the construction
 * before it gave (kube-services-reference.ts): over the sample kube nodes, ../shared's kube dumps, generated
 * kube-proxy dumps of several shapes (external IPs, load balancers with source ranges, Local policies, affinity,
 * services without endpoints, IPv6), and the same dumps mutated the ways hand edits and other generators break
 * kube-proxy's layout (comments dropped, chains renamed, detours, tables given twice, chains missing).
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { parseIptablesSave } from '../../grammar/iptables-save/index';
import { kubeServices } from '../../src/graph/kube-services';
import { serviceChainKind } from '../../src/graph/service-chains';
import { SERVICE_CHAIN } from '../../src/model/kube-proxy-chains';
import type { Family } from '../../src/model/values';
import { endpointsAt, kubeProxyDump, kubeProxyRuleset, serviceSpec } from '../generators/kube-proxy-dump';
import type { GeneratedService } from '../generators/kube-proxy-dump';
import { type Rng, prng } from '../generators/messy-paste';
import { readShared, repoRoot, sharedTest } from '../helpers/shared';
import { referenceKubeServices } from './kube-services-reference';

function sameServices(text: string, path: string, family?: Family): number {
  const { ruleset } = parseIptablesSave(text, path, family);
  const expected = referenceKubeServices(ruleset);
  const actual = kubeServices(ruleset);
  // JSON: the shared empty lists are frozen, the reference's are not; what a reader sees is the same.
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${path}: services differ`);
  return actual.length;
}

test('the sample kube nodes', (t) => {
  for (const [file, family] of [
    ['samples/kube-node.iptables-save', 'ipv4'],
    ['samples/kube-node.ip6tables-save', 'ipv6'],
    ['samples/incident-node/iptables-save.txt', 'ipv4'],
    ['samples/kube-proxy-trace-packet.iptables', 'ipv4'],
  ] as const)
    t.true(sameServices(readFileSync(`${repoRoot}/${file}`, 'utf8'), file, family) > 0, file);
});

sharedTest("../shared's kube dumps", (t) => {
  for (const [file, family] of [
    ['captures/iptables-legacy-save-kube.txt', 'ipv4'],
    ['captures/input-kube-v4.rules.txt', 'ipv4'],
    ['captures/input-kube-v6.rules.txt', 'ipv6'],
    ['captures/nft/iptables-nft-kube-proxy.iptables-nft-save.txt', 'ipv4'],
    ['captures/iptables-save.txt', 'ipv4'],
    ['captures/iptables-save-c.txt', 'ipv4'],
    ['realworld/azure-acn_aks-node_kube-proxy-iptables_npm_iptables-save-v1.8.4.txt', 'ipv4'],
    ['conformance/kube-proxy/trace-packet.iptables', 'ipv4'],
  ] as const)
    t.notThrows(() => sameServices(readShared(file), file, family), file);
});

/** A service of a random shape: what kube-proxy writes for its external IPs, load balancers and policies. */
function randomService(rng: Rng, i: number, v6: boolean): GeneratedService {
  const protocol = rng.pick(['tcp', 'tcp', 'udp', 'sctp'] as const);
  const ip = (n: number) =>
    v6 ? `fd00::${(n >> 8).toString(16)}:${(n & 255).toString(16)}` : `10.96.${n >> 8}.${n & 255}`;
  const pod = (n: number) => (v6 ? `fd01::${n.toString(16)}` : `10.244.${n >> 8}.${n & 255}`);
  const endpoints = endpointsAt(...Array.from({ length: rng.int(4) }, (_, k) => `${pod(i * 4 + k + 1)}:8080`)).map(
    (e) => ({ ...e, local: rng.chance(0.5) }),
  );
  const extra: Partial<GeneratedService> = {
    nodePort: rng.chance(0.5) ? 30000 + i : null,
    // Past eight entry points a service's are told apart by a Set instead of compared in place.
    ...(rng.chance(0.3)
      ? { externalIPs: Array.from({ length: rng.chance(0.2) ? 12 : 1 }, (_, k) => ip(40000 + i * 16 + k)) }
      : {}),
    ...(rng.chance(0.3) ? { loadBalancerIPs: [ip(50000 + i), ...(rng.chance(0.3) ? [ip(60000 + i)] : [])] } : {}),
    ...(rng.chance(0.2) ? { sourceRanges: [v6 ? 'fd02::/64' : '192.0.2.0/24'] } : {}),
    ...(rng.chance(0.3) ? { externalTrafficPolicy: 'Local' as const } : {}),
    ...(rng.chance(0.2) ? { internalTrafficPolicy: 'Local' as const } : {}),
    ...(rng.chance(0.2) ? { affinitySeconds: 10800 } : {}),
  };
  if (extra.externalTrafficPolicy === 'Local' && (extra.nodePort || extra.loadBalancerIPs) && rng.chance(0.5))
    Object.assign(extra, { healthCheckNodePort: 32000 + i });
  return serviceSpec(`ns${i % 5}/svc-${i}:p${i % 3}`, protocol, ip(i + 10), 80 + (i % 3), endpoints, extra);
}

function randomDump(seed: number): { text: string; family: Family } {
  const rng = prng(seed);
  const v6 = rng.chance(0.25);
  const services = Array.from({ length: 5 + rng.int(30) }, (_, i) => randomService(rng, i, v6));
  const text = kubeProxyRuleset(services, {
    clusterCidr: v6 ? 'fd01::/48' : '10.244.0.0/16',
    family: v6 ? 'ipv6' : 'ipv4',
  });
  return { text, family: v6 ? 'ipv6' : 'ipv4' };
}

/** Hand edits and other generators: what the model must group as before, whatever kube-proxy would write. */
function mutate(text: string, rng: Rng): string {
  let lines = text.split('\n');
  const chains = [...new Set(lines.filter((l) => l.startsWith(':KUBE-')).map((l) => l.slice(1, l.indexOf(' '))))];
  const renamed = new Map<string, string>();
  for (const c of chains) {
    if (!rng.chance(0.15)) continue;
    renamed.set(
      c,
      rng.pick([
        `MY-${c.slice(5)}`,
        `${c}x`,
        c.replace(/-([A-Z0-9]+)$/, (_, h: string) => `-${h.slice(1)}`),
        'KUBE-SVC-',
      ]),
    );
  }
  const rename = (l: string) => l.replace(/KUBE-[A-Z]+-[A-Za-z0-9]*/g, (c) => renamed.get(c) ?? c);
  // Entry rules given twice, or again with another kind in their comment: one entry point, or two.
  lines = lines.flatMap((l) =>
    /^-A KUBE-(SERVICES|NODEPORTS) /.test(l) && rng.chance(0.1)
      ? [l, rng.chance(0.5) ? l : l.replace(/ (cluster|external) IP"/, ' loadbalancer IP"')]
      : [l],
  );
  lines = lines.map((l) => {
    if (rng.chance(0.1)) l = l.replace(/ -m comment --comment "[^"]*"| -m comment --comment \S+/, '');
    if (rng.chance(0.05)) l = l.replace(/ cluster IP"/, ' external IP"');
    if (rng.chance(0.03)) l = l.replace(/-j KUBE-SVC-/, '-j KUBE-XLB-');
    return rename(l);
  });
  // A detour: an entry's jump sent through a chain of another name first.
  const entry = lines.findIndex((l) => /^-A KUBE-(SERVICES|NODEPORTS) .* -j KUBE-/.test(l));
  if (entry >= 0 && rng.chance(0.5)) {
    const to = lines[entry]!.slice(lines[entry]!.lastIndexOf('-j ') + 3);
    lines[entry] = `${lines[entry]!.slice(0, lines[entry]!.lastIndexOf('-j '))}-j DETOUR`;
    const nat = lines.indexOf('*nat');
    lines.splice(nat + 1, 0, ':DETOUR - [0:0]', `-A DETOUR -j KUBE-MARK-MASQ`, `-A DETOUR -j ${to}`);
  }
  // Chains declared but gone, or a table given twice.
  if (rng.chance(0.3)) lines = lines.filter((l) => !(l.startsWith(':KUBE-SVL-') && rng.chance(0.5)));
  if (rng.chance(0.2)) {
    const nat = lines.slice(lines.indexOf('*nat'));
    lines = [...lines, ...nat.slice(0, nat.indexOf('COMMIT') + 1).filter(() => rng.chance(0.8))];
  }
  return lines.join('\n');
}

test('generated kube-proxy dumps of several shapes, and the same dumps mutated', (t) => {
  let services = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const { text, family } = randomDump(seed);
    services += sameServices(text, `generated-${seed}`, family);
    for (let m = 0; m < 4; m++)
      services += sameServices(mutate(text, prng(seed * 10 + m)), `mutated-${seed}-${m}`, family);
  }
  services += sameServices(kubeProxyDump({ services: 500 }).text, 'kube-proxy-500');
  t.true(services > 5000);
});

test("a service chain's kind read by hand is SERVICE_CHAIN's", (t) => {
  const names = ['KUBE-SVC-AB12', 'KUBE-SVL-', 'KUBE-FW-X', 'KUBE-FWX-A', 'KUBE-EXT-ab', 'KUBE-XLB-Z9', 'KUBE-SEP-A'];
  const rng = prng(7);
  const alphabet = 'KUBESVCLXTFWP-Aa09z ';
  for (let i = 0; i < 20000; i++)
    names.push(`KUBE-${Array.from({ length: rng.int(12) }, () => rng.pick([...alphabet])).join('')}`);
  for (const name of names) t.is(serviceChainKind(name) as string | undefined, SERVICE_CHAIN.exec(name)?.[1], name);
});
