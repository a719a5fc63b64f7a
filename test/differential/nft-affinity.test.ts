/**
 * Session affinity in kube-proxy's nftables mode against the kernel: the generator's table for a ClientIP
 * service is loaded into a namespace of this test's own (`nfh25k-aff-…`), real SYNs from two clients fill the
 * `affinity-…` sets, and `nft list ruleset` gives elements with `expires` as the kernel prints them. nfwalk's
 * sticky clients must be exactly those elements, pinned to the endpoint conntrack says each client was DNATed
 * to. Then the table is changed as kube-proxy's next sync changes it when one endpoint goes (service chain
 * rewritten, the endpoint's chain flushed) except that the endpoint's affinity set stays: nfwalk must report
 * the client pinned to the gone endpoint, and say where its next connection goes, which a new SYN from it must
 * confirm in conntrack.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeServices } from '../../src/analyses/services/index';
import { type KubeProxyNftLayout, type NftServicePort, service, writeRuleset } from '../generators/kube-proxy-nft';
import { kernelTest, run } from '../helpers/kernel';
import { nodesOfText } from '../helpers/sections';

const NFT = '/usr/sbin/nft';
const SENDER = fileURLToPath(new URL('../helpers/send-probes.mjs', import.meta.url));
const CLIENTS = ['192.168.0.100', '192.168.0.101'] as const;
const CLUSTER_IP = '172.30.0.45';

const affinityService = (endpoints: readonly string[], layout: KubeProxyNftLayout): NftServicePort =>
  service(
    {
      namespace: 'ns5',
      service: 'svc5',
      portName: 'p80',
      protocol: 'tcp',
      clusterIP: CLUSTER_IP,
      port: 80,
      nodePort: null,
      externalIPs: [],
      loadBalancerIPs: [],
      sourceRanges: [],
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      affinitySeconds: 10800,
      endpoints: endpoints.map((ip) => ({ ip, port: 80, local: true })),
    },
    layout,
    false,
  );

/** The rules of one chain of a listing. */
const chainRules = (listing: string, chain: string) => {
  const start = listing.indexOf(`\tchain ${chain} {\n`);
  const end = listing.indexOf('\n\t}', start);
  return listing
    .slice(start, end)
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean);
};

/** Each affinity set's elements in a kernel listing: set name → clients. */
function affinityElements(listing: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of listing.matchAll(/\tset (affinity-\S+) \{\n([\s\S]*?)\n\t\}/g)) {
    const elements = /elements = \{([^}]*)\}/.exec(m[2]!)?.[1] ?? '';
    out.set(
      m[1]!,
      [...elements.matchAll(/(\d+\.\d+\.\d+\.\d+) expires \S+?,?(?=\s|$)/g)].map((e) => e[1]!),
    );
  }
  return out;
}

/** conntrack's DNAT target per client for the cluster IP: the reply direction's source. */
function dnatTargets(exec: (cmd: string, args: readonly string[]) => string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of exec('conntrack', ['-L', '-p', 'tcp', '-d', CLUSTER_IP]).split('\n')) {
    const src = /\bsrc=(\S+)/.exec(line)?.[1];
    const replySrc = [...line.matchAll(/\bsrc=(\S+)/g)][1]?.[1];
    if (!src || !replySrc) continue;
    out.set(src, (out.get(src) ?? new Set()).add(replySrc));
  }
  return out;
}

for (const layout of ['v1.34', '2026'] as const satisfies readonly KubeProxyNftLayout[]) {
  kernelTest(
    `nft affinity (${layout}): the kernel's affinity elements are the sticky clients, and one pinned to a gone endpoint is reported`,
    (t) => {
      const node = `nfh25k-aff-n${process.pid}`;
      const client = `nfh25k-aff-c${process.pid}`;
      const pods = `nfh25k-aff-p${process.pid}`;
      const dir = mkdtempSync(join(tmpdir(), 'nfh25k-aff-'));
      const sh = (ns: string, cmd: string, args: readonly string[], input?: string) => {
        const r = run('ip', ['netns', 'exec', ns, cmd, ...args], input);
        if (r.status !== 0) throw new Error(`${ns}: ${cmd} ${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      const send = (sport: number) => {
        const file = join(dir, `probes-${sport}.json`);
        writeFileSync(
          file,
          JSON.stringify(
            CLIENTS.map((src, i) => ({ proto: 'tcp', src, dst: CLUSTER_IP, sport: sport + i, dport: 80, gapMs: 20 })),
          ),
        );
        sh(client, process.execPath, [SENDER, file]);
      };
      const nodeText = () =>
        `# ip -o addr\n${sh(node, 'ip', ['-o', 'addr'])}# ip route\n${sh(node, 'ip', ['route'])}# nft list ruleset\n${sh(node, NFT, ['list', 'ruleset'])}`;
      try {
        for (const ns of [node, client, pods]) t.is(run('ip', ['netns', 'add', ns]).status, 0, `ip netns add ${ns}`);
        run('ip', ['link', 'add', 'h25c', 'netns', client, 'type', 'veth', 'peer', 'name', 'h25n', 'netns', node]);
        sh(client, 'ip', ['addr', 'add', `${CLIENTS[0]}/24`, 'dev', 'h25c']);
        sh(client, 'ip', ['addr', 'add', `${CLIENTS[1]}/24`, 'dev', 'h25c']);
        sh(client, 'ip', ['link', 'set', 'h25c', 'up']);
        sh(client, 'ip', ['route', 'add', 'default', 'via', '192.168.0.2']);
        sh(node, 'ip', ['addr', 'add', '192.168.0.2/24', 'dev', 'h25n']);
        sh(node, 'ip', ['link', 'set', 'h25n', 'up']);
        // The pods' side: DNATed SYNs are routed there and go unanswered.
        run('ip', ['link', 'add', 'h25p', 'netns', node, 'type', 'veth', 'peer', 'name', 'h25q', 'netns', pods]);
        sh(node, 'ip', ['addr', 'add', '10.180.255.254/16', 'dev', 'h25p']);
        sh(node, 'ip', ['link', 'set', 'h25p', 'up']);
        sh(pods, 'ip', ['link', 'set', 'h25q', 'up']);
        sh(node, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);

        const before = affinityService(['10.180.0.3', '10.180.0.4'], layout);
        sh(node, NFT, ['-f', '-'], writeRuleset([before], { layout }).text);
        send(41000);
        const listing = sh(node, NFT, ['list', 'ruleset']);
        const sets = affinityElements(listing);
        const pinned = [...sets].flatMap(([set, clients]) => clients.map((c) => `${c} ${set}`));
        t.is(pinned.length, CLIENTS.length, `the kernel filled the affinity sets:\n${listing}`);
        const conntrack = dnatTargets((cmd, args) => sh(node, cmd, args));

        const a = analyzeServices(nodesOfText(nodeText()));
        const view = a.services.find((v) => v.service.name === 'ns5/svc5:p80')!;
        const sticky = view.nodes[0]!.stickyClients;
        t.deepEqual(sticky.map((s) => `${s.client} ${s.set}`).sort(), pinned.sort());
        for (const s of sticky) {
          t.deepEqual([...(conntrack.get(s.client) ?? [])], [s.endpoint.ip], `${s.client}: conntrack's DNAT target`);
          t.true(s.expiresSeconds !== null && s.expiresSeconds > 10700 && s.expiresSeconds <= 10800);
          t.true(s.endpointLive);
        }
        t.deepEqual(
          a.findings.filter((f) => f.code === 'SVC_AFFINITY_ENDPOINT_GONE'),
          [],
        );

        // kube-proxy's next sync once the endpoint of the first client is gone, the affinity set left behind.
        const goneEp = sticky.find((s) => s.client === CLIENTS[0])!.endpoint.ip;
        const keptEp = goneEp === '10.180.0.3' ? '10.180.0.4' : '10.180.0.3';
        const after = affinityService([keptEp], layout);
        const afterText = writeRuleset([after], { layout, flushed: [before] }).text;
        const chain = after.chains.cluster!;
        const goneChain = before.chains.endpoints.find((e) => e.ip === goneEp)!.chain;
        const delta = [
          `flush chain ip kube-proxy ${chain}`,
          ...chainRules(afterText, chain).map((r) => `add rule ip kube-proxy ${chain} ${r}`),
          `flush chain ip kube-proxy ${goneChain}`,
        ].join('\n');
        sh(node, NFT, ['-f', '-'], `${delta}\n`);
        const b = analyzeServices(nodesOfText(nodeText()));
        // Both clients may have been pinned to the endpoint that goes.
        const onGone = sticky.filter((s) => s.endpoint.ip === goneEp).map((s) => s.client);
        const gone = b.findings.filter((f) => f.code === 'SVC_AFFINITY_ENDPOINT_GONE');
        t.is(gone.length, onGone.length, JSON.stringify(b.findings.map((f) => f.message)));
        const after2 = b.services.find((v) => v.service.name === 'ns5/svc5:p80')!.nodes[0]!.stickyClients;
        t.deepEqual(
          after2.filter((s) => !s.endpointLive).map((s) => s.client),
          onGone,
        );
        for (const stuck of after2.filter((s) => !s.endpointLive)) {
          t.is(stuck.endpoint.ip, goneEp);
          t.deepEqual(
            stuck.next?.endpoints.map((e) => `${e.ip}:${e.port} ${e.probability}`),
            [`${keptEp}:80 1`],
          );
        }
        t.true(gone[0]!.message.includes(`goes to ${keptEp}:80`), gone[0]!.message);
        // The kernel agrees: the client's next connection goes to the endpoint that is left.
        send(42000);
        const next = dnatTargets((cmd, args) => sh(node, cmd, args));
        t.true(next.get(CLIENTS[0])?.has(keptEp), `conntrack: ${JSON.stringify([...(next.get(CLIENTS[0]) ?? [])])}`);
      } finally {
        for (const ns of [node, client, pods]) run('ip', ['netns', 'del', ns]);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
