/**
 * The kube-proxy nftables generator against the kernel: each layout (v1.33, v1.34, 2026) and family, with the
 * nodeport-ips set and with `--nodeport-addresses` matching all, is loaded with `nft -f` into a namespace of this
 * test's own (`nfwr-kp-…`); the kernel's `nft list ruleset` must read without a diagnostic into the same model as
 * the generated text, up to line numbers and the order of named sets' elements (the kernel lists hash sets in
 * its own order). The same for the tables of the packet-flow tests' fake proxiers (terminating endpoints, no
 * local detector, several node addresses for NodePorts, a second sync with the first one's chains flushed), in
 * namespaces `nfh25k-kp-…`. Without the kernel, the generated text still has to read cleanly and hold what the
 * description of its services says.
 */
import test from 'ava';
import { parseNft } from '../../grammar/nft/index';
import type { NftBody, NftChain, NftRuleset, NftSet } from '../../src/model/nft';
import {
  type KubeProxyNftLayout,
  type NftEndpoint,
  kubeProxyNftRuleset,
  service,
  writeRuleset,
} from '../generators/kube-proxy-nft';
import { kernelTest, run } from '../helpers/kernel';

const NFT = '/usr/sbin/nft';
const LAYOUTS: readonly KubeProxyNftLayout[] = ['v1.33', 'v1.34', '2026'];
const FAMILIES = ['ipv4', 'ipv6'] as const;

/** The model without line numbers, named sets' elements in one order. */
function normalised(r: NftRuleset): unknown {
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => k !== 'line')
              .map(([k, x]) => [k, strip(x)]),
          )
        : v;
  const sortSet = (s: NftSet) => ({
    ...s,
    elements: s.elements && [...s.elements].sort((a, b) => cmp(JSON.stringify(a), JSON.stringify(b))),
  });
  return strip({ ...r, tables: r.tables.map((t) => ({ ...t, sets: t.sets.map(sortSet) })) });
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const problems = (b: NftBody) => b.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`);

const cases = LAYOUTS.flatMap((layout) =>
  FAMILIES.flatMap((family) =>
    (['nodeIPs', 'all'] as const).map((nodePortAddresses, i) => ({
      layout,
      family,
      nodePortAddresses,
      seed: 11 + i + (family === 'ipv6' ? 100 : 0),
    })),
  ),
);

test('the generated kube-proxy nft rulesets read cleanly and hold the chains and elements their description names', (t) => {
  for (const c of cases) {
    const g = kubeProxyNftRuleset({ services: 60, ...c, affinityClients: true });
    const body = parseNft(g.text);
    const label = `${c.layout} ${c.family} ${c.nodePortAddresses}`;
    t.deepEqual(problems(body), [], label);
    const table = body.ruleset.tables[0]!;
    t.is(`${table.family} ${table.name}`, `${c.family === 'ipv6' ? 'ip6' : 'ip'} kube-proxy`);
    const chains = new Map<string, NftChain>(table.chains.map((x) => [x.name, x]));
    const sets = new Map<string, NftSet>(table.sets.map((x) => [x.name, x]));
    t.is(chains.has('mark-for-masquerade'), c.layout !== '2026', `${label}: mark-for-masquerade`);
    t.is(chains.has('filter-output-post-dnat'), c.layout === 'v1.33', `${label}: post-dnat chain`);
    t.is(sets.has('nodeport-ips'), c.nodePortAddresses === 'nodeIPs', `${label}: nodeport-ips`);
    const serviceIps = sets.get('service-ips')!.elements ?? [];
    let written = 0;
    for (const s of g.services) {
      for (const name of [s.chains.cluster, s.chains.local, s.chains.external, s.chains.firewall])
        if (name !== undefined) t.true(chains.has(name), `${label}: ${s.name} chain ${name}`);
      for (const ep of s.chains.endpoints) {
        t.true(chains.has(ep.chain), `${label}: ${s.name} endpoint chain ${ep.chain}`);
        if (ep.affinitySet) t.true(sets.has(ep.affinitySet), `${label}: ${s.name} affinity set`);
      }
      // A ClusterIP is in service-ips exactly when internal traffic reaches endpoints.
      const clusterKey = serviceIps.some(
        (e) => e.key.kind === 'concat' && e.key.parts[0]?.kind === 'literal' && e.key.parts[0].text === s.clusterIP,
      );
      t.is(clusterKey, s.internal === 'endpoints', `${label}: ${s.name} ClusterIP in service-ips`);
      written += s.chains.endpoints.length;
    }
    t.is(
      table.chains.filter((x) => x.name.startsWith('endpoint-')).length,
      written,
      `${label}: one chain per written endpoint`,
    );
  }
});

test('the generator covers every kind of service it promises', (t) => {
  const { services } = kubeProxyNftRuleset({ services: 300, seed: 3 });
  const some = (p: (s: (typeof services)[number]) => boolean) => services.some(p);
  t.true(some((s) => s.nodePort !== null));
  t.true(some((s) => s.loadBalancerIPs.length > 0 && s.sourceRanges.length > 0));
  t.true(some((s) => s.externalIPs.length > 0));
  t.true(some((s) => s.externalTrafficPolicy === 'Local' && s.external === 'drop'));
  t.true(some((s) => s.externalTrafficPolicy === 'Local' && s.external === 'endpoints'));
  t.true(some((s) => s.internalTrafficPolicy === 'Local'));
  t.true(some((s) => s.affinitySeconds !== undefined));
  t.true(some((s) => s.internal === 'reject'));
  t.true(some((s) => s.protocol === 'udp') && some((s) => s.protocol === 'sctp'));
});

kernelTest('the kernel lists each generated kube-proxy nft ruleset as nfwalk reads the generated text', (t) => {
  for (const [i, c] of cases.entries()) {
    const g = kubeProxyNftRuleset({ services: 60, ...c });
    const ns = `nfwr-kp-${process.pid}-${i}`;
    run('ip', ['netns', 'del', ns]);
    t.is(run('ip', ['netns', 'add', ns]).status, 0, `ip netns add ${ns}`);
    try {
      const load = run('ip', ['netns', 'exec', ns, NFT, '-f', '-'], g.text);
      t.is(load.status, 0, `${c.layout} ${c.family}: nft -f: ${load.stderr}`);
      const listing = run('ip', ['netns', 'exec', ns, NFT, 'list', 'ruleset']).stdout;
      const kernel = parseNft(listing);
      const ours = parseNft(g.text);
      t.deepEqual(problems(kernel), [], `${c.layout} ${c.family}: kernel listing reads cleanly`);
      t.deepEqual(
        normalised(kernel.ruleset),
        normalised(ours.ruleset),
        `${c.layout} ${c.family} ${c.nodePortAddresses}`,
      );
    } finally {
      run('ip', ['netns', 'del', ns]);
    }
  }
});

/** The fake proxiers of kube-proxy's packet-flow tests the conformance test rebuilds: terminating endpoints, the
 * no-op local detector, several --nodeport-addresses, and the second sync after an EndpointSlice is deleted. */
function syncStates(layout: KubeProxyNftLayout, family: 'ipv4' | 'ipv6') {
  const v6 = family === 'ipv6';
  const a = (n: number) => (v6 ? `fd00:10:180::${n}` : `10.180.0.${n}`);
  const spec = (svc: string, etp: 'Cluster' | 'Local', endpoints: NftEndpoint[], affinity: boolean) =>
    service(
      {
        namespace: 'ns1',
        service: svc,
        portName: 'p80',
        protocol: 'tcp',
        clusterIP: v6 ? `fd00:10:96::${svc.length}` : `172.30.1.${svc.length}`,
        port: 80,
        nodePort: 30000 + svc.length,
        externalIPs: [],
        loadBalancerIPs: [v6 ? '2001:db8:ff::1' : '1.2.3.4'],
        sourceRanges: [],
        externalTrafficPolicy: etp,
        internalTrafficPolicy: 'Cluster',
        ...(affinity ? { affinitySeconds: 10800 } : {}),
        endpoints,
      },
      layout,
      v6,
    );
  const first = [
    spec(
      'svc1',
      'Local',
      [
        { ip: a(1), port: 80, local: true },
        { ip: a(2), port: 80, local: true, state: 'terminating' },
        { ip: a(3), port: 80, local: false, state: 'not-serving' },
        { ip: a(4), port: 80, local: false },
      ],
      true,
    ),
    spec(
      'svc22',
      'Cluster',
      [
        { ip: a(5), port: 80, local: true, state: 'terminating' },
        { ip: a(6), port: 80, local: false, state: 'terminating' },
      ],
      false,
    ),
  ];
  const second = [spec('svc1', 'Local', [], true), first[1]!];
  const nodePortIPs = v6 ? ['2001:db8::1', '2001:db8:1::2'] : ['192.168.0.2', '192.168.1.2'];
  return writeRuleset(second, { layout, family, localDetector: 'none', nodePortIPs, flushed: first });
}

kernelTest(
  "the kernel lists the generator's terminating, no-detector, several-nodeport-address and after-delete tables as nfwalk reads them",
  (t) => {
    for (const [i, [layout, family]] of LAYOUTS.flatMap((l) => FAMILIES.map((f) => [l, f] as const)).entries()) {
      const g = syncStates(layout, family);
      const label = `${layout} ${family}`;
      t.deepEqual(problems(parseNft(g.text)), [], `${label}: generated text reads cleanly`);
      const ns = `nfh25k-kp-${process.pid}-${i}`;
      t.is(run('ip', ['netns', 'add', ns]).status, 0, `ip netns add ${ns}`);
      try {
        const load = run('ip', ['netns', 'exec', ns, NFT, '-f', '-'], g.text);
        t.is(load.status, 0, `${label}: nft -f: ${load.stderr}`);
        const kernel = parseNft(run('ip', ['netns', 'exec', ns, NFT, 'list', 'ruleset']).stdout);
        t.deepEqual(problems(kernel), [], `${label}: kernel listing reads cleanly`);
        t.deepEqual(normalised(kernel.ruleset), normalised(parseNft(g.text).ruleset), label);
        // The first sync's chains are still listed, empty.
        const chains = kernel.ruleset.tables[0]!.chains;
        t.true(
          chains.some((c) => c.name.startsWith('endpoint-') && c.rules.length === 0),
          `${label}: a flushed chain`,
        );
      } finally {
        run('ip', ['netns', 'del', ns]);
      }
    }
  },
);
