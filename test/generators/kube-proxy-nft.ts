/**
 * kube-proxy in nftables mode, as `nft list ruleset` (nft 1.0.6) prints its table after a full sync from a
 * fresh start: what pkg/proxy/nftables/proxier.go writes (setupNFTables, syncProxyRules,
 * writeServiceToEndpointRules) for N service ports, with the kernel's spelling of it
 * (shared/reference/nftables.md §1, captures/nft/kube-proxy-v1.34-*, kube-proxy-v1.31-1.33-layout.*).
 *
 * Layouts:
 * - `v1.33`: proxier.go @ b0f823e6 — filter-prerouting/input/forward/output at dstnat-10,
 *   filter-output-post-dnat at dstnat+10; the ClusterIP masquerade rule names the port (`tcp dport 80`).
 * - `v1.34`: PR #132456 — filter-prerouting-pre-dnat and filter-output-pre-dnat at -110, filter-input,
 *   filter-forward and filter-output at 0 (`filter`); the masquerade rule has no port (proxier_test 81810de6).
 * - `2026`: v1.34 plus PR #135800 (no mark-for-masquerade chain: `meta mark set meta mark | MARK` inline) and
 *   PRs #140362/#140723 (no per-endpoint chains: several endpoints DNAT through `dnat ip to numgen random mod N
 *   map { i : addr . port }` in the service chain, one endpoint through a plain `dnat to`). Services with
 *   ClientIP affinity keep their endpoint chains (the affinity set is updated per endpoint), and PR #136499: an
 *   endpoint reaching itself is masqueraded through the `hairpin-connections` set (`addr . addr . proto . port`
 *   per endpoint, looked up by `ct status dnat` in the masquerading chain, which unmarks and masquerades in one
 *   rule) instead of a rule per endpoint chain; the listing's form is that of a 2026 node's `nft list table`.
 *
 * Endpoints are ready, serving-terminating or not serving (NftEndpoint.state), sorted into the Cluster and Local
 * chains as proxy.CategorizeEndpoints does (ready first, else serving-terminating; no topology hints); the random
 * services have ready endpoints only. Health-check NodePorts write no rule in this mode. Creation
 * order (which the listing keeps) is setupNFTables' order, then services in the order given. Set elements are
 * written in insertion order: the kernel lists hash sets in its own order, so a kernel listing of this text
 * differs from it in element order only.
 */
import { chainHash } from './kube-proxy-dump';
import { type Random, seeded } from './trace-ruleset';

export type KubeProxyNftLayout = 'v1.33' | 'v1.34' | '2026';

export interface NftEndpoint {
  readonly ip: string;
  readonly port: number;
  /** On this node: what the Local traffic policies keep. */
  readonly local: boolean;
  /**
   * The EndpointSlice conditions: `ready` (the default), `terminating` (serving while terminating: used only
   * when no ready endpoint is left, proxy.CategorizeEndpoints), `not-serving` (never used).
   */
  readonly state?: 'ready' | 'terminating' | 'not-serving';
}

/** Where traffic to one of a service's addresses goes, as the ruleset decides before any endpoint is chosen. */
export type NftEntryVerdict = 'endpoints' | 'drop' | 'reject';

/** One service port as the API holds it, and what the generator wrote for it. */
export interface NftServicePort {
  readonly namespace: string;
  readonly service: string;
  readonly portName: string;
  /** `ns/svc:port`, the element comments' and kube-proxy's ServicePortName. */
  readonly name: string;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort: number | null;
  readonly externalIPs: readonly string[];
  readonly loadBalancerIPs: readonly string[];
  readonly sourceRanges: readonly string[];
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  readonly internalTrafficPolicy: 'Cluster' | 'Local';
  /** ClientIP affinity timeout in seconds; absent without affinity. */
  readonly affinitySeconds?: number;
  /** In kube-proxy's order (sorted by `ip:port`). */
  readonly endpoints: readonly NftEndpoint[];
  /** The endpoints of the Cluster and the Local policy chains (CategorizeEndpoints). */
  readonly clusterEndpoints: readonly NftEndpoint[];
  readonly localEndpoints: readonly NftEndpoint[];
  /** The chains written for this service port (absent: not written). */
  readonly chains: {
    readonly cluster?: string;
    readonly local?: string;
    readonly external?: string;
    readonly firewall?: string;
    /** Endpoint chain per endpoint of `endpoints` that has one, with its affinity set when affinity is on. */
    readonly endpoints: readonly {
      readonly ip: string;
      readonly port: number;
      readonly chain: string;
      readonly affinitySet?: string;
    }[];
  };
  /** Traffic to the ClusterIP. */
  readonly internal: NftEntryVerdict;
  /** Traffic from outside the node to NodePort, external and load-balancer IPs (after the firewall). */
  readonly external: NftEntryVerdict;
}

export interface KubeProxyNftOptions {
  readonly services: number;
  readonly seed?: number;
  readonly layout?: KubeProxyNftLayout;
  readonly family?: 'ipv4' | 'ipv6';
  /** `nodeIPs` (default): the nodeport-ips set holds the node IP; `all`: `fib daddr type local` instead. */
  readonly nodePortAddresses?: 'nodeIPs' | 'all';
  /** The node's addresses that `--nodeport-addresses` matches, for the nodeport-ips set (default: the node IP). */
  readonly nodePortIPs?: readonly string[];
  readonly masqueradeAll?: boolean;
  /** `podCIDR` (default): the local-traffic detector by cluster CIDR; `none`: the no-op detector, which writes
   * neither the ClusterIP masquerade rule (`ip saddr != CIDR`) nor the "short-circuit pod traffic" rule. */
  readonly localDetector?: 'podCIDR' | 'none';
  /** Service ports of an earlier sync: their chains this sync does not use are flushed and left empty until a
   * later sync deletes them (proxier.go staleChains); their affinity sets are deleted. */
  readonly flushed?: readonly NftServicePort[];
  /** Clients that recently used each affinity service (live `expires` elements of the affinity sets). */
  readonly affinityClients?: boolean;
}

export interface KubeProxyNftRuleset {
  readonly text: string;
  readonly services: readonly NftServicePort[];
  readonly layout: KubeProxyNftLayout;
  readonly family: 'ipv4' | 'ipv6';
  readonly nodeIP: string;
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  /** `meta mark` bit kube-proxy sets for masquerading (masqueradeBit 14). */
  readonly masqueradeMark: string;
}

/** The fake proxier's constants (captures/nft/kube-proxy-nft.generated-tests.cases.json "fakeProxier"). */
const NETWORKS = {
  ipv4: { nodeIP: '192.168.0.2', podCIDR: '10.0.0.0/8', serviceCIDR: '172.30.0.0/16' },
  ipv6: { nodeIP: '2001:db8::1', podCIDR: 'fd00:10::/64', serviceCIDR: 'fd00:10:96::/112' },
} as const;

/** First 8 base32 characters of sha256 and the name (hashAndTruncate; names stay under 240 characters here). */
const hashed = (name: string) => `${chainHash(name).slice(0, 8)}-${name}`;

/** Seeded service ports, every kind kube-proxy distinguishes: ClusterIP, NodePort, LoadBalancer with and without
 * source ranges, external IPs, Local traffic policies with and without local endpoints, affinity, no endpoints. */
export function kubeProxyNftServices(opts: KubeProxyNftOptions): NftServicePort[] {
  const r = seeded(opts.seed ?? 1);
  const v6 = opts.family === 'ipv6';
  const ip = addresses(v6);
  let pod = 0;
  // Every NodePort and LoadBalancer service gets its own NodePort, as the apiserver allocates them: from its
  // default range 30000-32767 (2,768 ports) while the services fit in it, else from 30000-39999, as a cluster
  // of this size runs with --service-node-port-range=30000-39999. Past the range's end a service gets none (a
  // LoadBalancer with allocateLoadBalancerNodePorts false: no NodePort rule), so no NodePort repeats.
  const [firstNodePort, lastNodePort] = opts.services <= 2768 ? [30000, 32767] : [30000, 39999];
  let nodePort = firstNodePort;
  return Array.from({ length: opts.services }, (_, i) => {
    const protocol: NftServicePort['protocol'] = i % 37 === 36 ? 'sctp' : i % 10 === 7 ? 'udp' : 'tcp';
    const port = protocol === 'udp' ? 53 : pick(r, [80, 443, 8080, 9090]);
    const kind = pick(r, ['ClusterIP', 'ClusterIP', 'ClusterIP', 'NodePort', 'LoadBalancer'] as const);
    const external = kind !== 'ClusterIP';
    const count = chance(r, 0.08) ? 0 : 1 + Math.floor(r() * 4);
    const endpoints = Array.from({ length: count }, () => ({
      ip: ip.pod(++pod),
      port: protocol === 'udp' ? 5353 : pick(r, [80, 8080, 8443]),
      local: chance(r, 0.5),
    })).sort((a, b) => (`${a.ip}:${a.port}` < `${b.ip}:${b.port}` ? -1 : 1));
    const lb = kind === 'LoadBalancer' ? [ip.loadBalancer(i)] : [];
    const sourceRanges = lb.length > 0 && chance(r, 0.4) ? pick(r, v6 ? SOURCE_RANGES_V6 : SOURCE_RANGES_V4) : [];
    const etpLocal = chance(r, 0.35);
    return service(
      {
        namespace: `ns${i % 17}`,
        service: `svc-${i}`,
        portName: protocol === 'udp' ? 'dns' : `p${port}`,
        protocol,
        clusterIP: ip.cluster(i),
        port,
        nodePort: external && nodePort <= lastNodePort ? nodePort++ : null,
        externalIPs: chance(r, 0.1) ? [ip.external(i)] : [],
        loadBalancerIPs: lb,
        sourceRanges,
        externalTrafficPolicy: external && etpLocal ? 'Local' : 'Cluster',
        // Both policies Local would leave the short-circuit rules pointing at a cluster chain nothing writes.
        internalTrafficPolicy: chance(r, 0.05) && !(external && etpLocal) ? 'Local' : 'Cluster',
        ...(chance(r, 0.1) ? { affinitySeconds: pick(r, [10800, 10800, 600, 86400]) } : {}),
        endpoints,
      },
      opts.layout ?? 'v1.34',
      v6,
    );
  });
}

// Ranges that neither touch nor overlap (nft would merge or refuse them in one anonymous set); the second of
// each family contains the node IP, so the load-balancer IPs are allowed too (allowFromNode).
const SOURCE_RANGES_V4: readonly (readonly string[])[] = [
  ['203.0.113.0/25'],
  ['192.168.0.0/24', '203.0.113.128/26'],
  ['198.51.100.0/24', '192.0.2.0/28'],
];
const SOURCE_RANGES_V6: readonly (readonly string[])[] = [
  ['2001:db8:100::/48'],
  ['2001:db8::/64', '2001:db8:200::/48'],
];

function addresses(v6: boolean) {
  if (v6)
    return {
      cluster: (i: number) => `fd00:10:96::${(i + 10).toString(16)}`,
      pod: (n: number) => `fd00:10::${n.toString(16)}`,
      loadBalancer: (i: number) => `2001:db8:ff::${(i + 1).toString(16)}`,
      external: (i: number) => `2001:db8:ee::${(i + 1).toString(16)}`,
    };
  const quad = (base: readonly [number, number], n: number) =>
    `${base[0]}.${base[1] + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
  // Skip .0 and .255 of each /24 so no address looks like a network or broadcast address.
  const host = (n: number) => Math.floor(n / 254) * 256 + (n % 254) + 1;
  return {
    cluster: (i: number) => quad([172, 30], host(i + 9)),
    pod: (n: number) => quad([10, 1], host(n)),
    loadBalancer: (i: number) => quad([198, 18], host(i)),
    external: (i: number) => quad([100, 64], host(i)),
  };
}

const pick = <T>(r: Random, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const chance = (r: Random, p: number) => r() < p;

type ServiceSpec = Omit<
  NftServicePort,
  'name' | 'chains' | 'internal' | 'external' | 'clusterEndpoints' | 'localEndpoints'
>;

const isReady = (e: NftEndpoint) => (e.state ?? 'ready') === 'ready';
const isTerminating = (e: NftEndpoint) => e.state === 'terminating';

/** A service port with the chains and verdicts proxier.go derives from it: proxy.CategorizeEndpoints (ready
 * endpoints, else serving-terminating ones, independently for each policy; no topology hints). */
export function service(s: ServiceSpec, layout: KubeProxyNftLayout, v6: boolean): NftServicePort {
  const base = `${s.namespace}/${s.service}/${s.protocol}/${s.portName}`;
  const externallyAccessible = s.nodePort !== null || s.externalIPs.length > 0 || s.loadBalancerIPs.length > 0;
  // ServicePortInfo.UsesClusterEndpoints/UsesLocalEndpoints: external traffic needs the cluster endpoints even
  // under externalTrafficPolicy Local (short-circuiting), and a service reached only inside keeps to its own policy.
  const usesCluster = s.internalTrafficPolicy === 'Cluster' || externallyAccessible;
  const usesLocal =
    s.internalTrafficPolicy === 'Local' || (externallyAccessible && s.externalTrafficPolicy === 'Local');
  const readyFirst = (eps: readonly NftEndpoint[]) => {
    const ready = eps.filter(isReady);
    return ready.length > 0 ? ready : eps.filter(isTerminating);
  };
  const clusterEps = usesCluster ? readyFirst(s.endpoints) : [];
  const localEps = usesLocal ? readyFirst(s.endpoints.filter((e) => e.local)) : [];
  const reachable = s.endpoints.filter((e) => clusterEps.includes(e) || localEps.includes(e));
  const has = clusterEps.length > 0 || (usesLocal && s.endpoints.some((e) => isReady(e) || isTerminating(e)));
  const hasInternal = has && (s.internalTrafficPolicy === 'Cluster' || localEps.length > 0);
  const hasExternal = has && (s.externalTrafficPolicy === 'Cluster' || localEps.length > 0);
  const ownChains = layout !== '2026' || s.affinitySeconds !== undefined;
  return {
    ...s,
    name: `${s.namespace}/${s.service}:${s.portName}`,
    clusterEndpoints: clusterEps,
    localEndpoints: localEps,
    chains: {
      ...(clusterEps.length > 0 ? { cluster: `service-${hashed(base)}` } : {}),
      ...(localEps.length > 0 ? { local: `local-${hashed(base)}` } : {}),
      ...(has && externallyAccessible ? { external: `external-${hashed(base)}` } : {}),
      ...(s.loadBalancerIPs.length > 0 && s.sourceRanges.length > 0 ? { firewall: `firewall-${hashed(base)}` } : {}),
      endpoints: ownChains
        ? reachable.map((e) => {
            const epBase = hashed(`${base}__${v6 ? e.ip.replaceAll(':', '.') : e.ip}/${e.port}`);
            return {
              ip: e.ip,
              port: e.port,
              chain: `endpoint-${epBase}`,
              ...(s.affinitySeconds !== undefined ? { affinitySet: `affinity-${epBase}` } : {}),
            };
          })
        : [],
    },
    internal: !has ? 'reject' : hasInternal ? 'endpoints' : 'drop',
    external: !has ? 'reject' : hasExternal ? 'endpoints' : 'drop',
  };
}

export function kubeProxyNftRuleset(opts: KubeProxyNftOptions): KubeProxyNftRuleset {
  const layout = opts.layout ?? 'v1.34';
  const family = opts.family ?? 'ipv4';
  return writeRuleset(kubeProxyNftServices({ ...opts, layout, family }), { ...opts, layout, family });
}

interface Block {
  readonly header: string[];
  readonly rules: string[];
}

/** The listing of `table ip|ip6 kube-proxy` for these service ports. */
export function writeRuleset(
  services: readonly NftServicePort[],
  opts: Omit<KubeProxyNftOptions, 'services' | 'seed'>,
): KubeProxyNftRuleset {
  const layout = opts.layout ?? 'v1.34';
  const family = opts.family ?? 'ipv4';
  const v6 = family === 'ipv6';
  const net = NETWORKS[family];
  const ipX = v6 ? 'ip6' : 'ip';
  const addrType = v6 ? 'ipv6_addr' : 'ipv4_addr';
  const noLocalhost = v6 ? 'ip6 daddr != ::1' : 'ip daddr != 127.0.0.0/8';
  const matchAll = opts.nodePortAddresses === 'all';
  const mark = '0x00004000';
  const markMasq = layout === '2026' ? `meta mark set meta mark | ${mark}` : 'jump mark-for-masquerade';

  const chains = new Map<string, Block>();
  const chain = (name: string, header: string[] = []) => {
    let c = chains.get(name);
    if (!c) chains.set(name, (c = { header, rules: [] }));
    return c;
  };
  const base = (name: string, type: string, hook: string, priority: string) =>
    chain(name, [`type ${type} hook ${hook} priority ${priority}; policy accept;`]);
  const rule = (name: string, text: string) => chain(name).rules.push(text);

  if (layout === 'v1.33') {
    base('filter-prerouting', 'filter', 'prerouting', 'dstnat - 10');
    base('filter-input', 'filter', 'input', '-110');
    base('filter-forward', 'filter', 'forward', '-110');
    base('filter-output', 'filter', 'output', '-110');
    base('filter-output-post-dnat', 'filter', 'output', '-90');
  } else {
    base('filter-prerouting-pre-dnat', 'filter', 'prerouting', 'dstnat - 10');
    base('filter-output-pre-dnat', 'filter', 'output', '-110');
    base('filter-input', 'filter', 'input', 'filter');
    base('filter-forward', 'filter', 'forward', 'filter');
    base('filter-output', 'filter', 'output', 'filter');
  }
  base('nat-prerouting', 'nat', 'prerouting', 'dstnat');
  base('nat-output', 'nat', 'output', '-100');
  base('nat-postrouting', 'nat', 'postrouting', 'srcnat');

  const jumps: readonly (readonly [string, string, string])[] =
    layout === 'v1.33'
      ? [
          ['nodeport-endpoints-check', 'filter-input', 'ct state new '],
          ['service-endpoints-check', 'filter-input', 'ct state new '],
          ['service-endpoints-check', 'filter-forward', 'ct state new '],
          ['service-endpoints-check', 'filter-output', 'ct state new '],
          ['firewall-check', 'filter-prerouting', 'ct state new '],
          ['firewall-check', 'filter-output', 'ct state new '],
          ['services', 'nat-output', ''],
          ['services', 'nat-prerouting', ''],
          ['masquerading', 'nat-postrouting', ''],
          ['cluster-ips-check', 'filter-forward', 'ct state new '],
          ['cluster-ips-check', 'filter-output-post-dnat', 'ct state new '],
        ]
      : [
          ['nodeport-endpoints-check', 'filter-input', 'ct state new '],
          ['service-endpoints-check', 'filter-input', 'ct state new '],
          ['service-endpoints-check', 'filter-forward', 'ct state new '],
          ['service-endpoints-check', 'filter-output', 'ct state new '],
          ['cluster-ips-check', 'filter-forward', 'ct state new '],
          ['cluster-ips-check', 'filter-output', 'ct state new '],
          ['firewall-check', 'filter-prerouting-pre-dnat', 'ct state new '],
          ['firewall-check', 'filter-output-pre-dnat', 'ct state new '],
          ['services', 'nat-output', ''],
          ['services', 'nat-prerouting', ''],
          ['masquerading', 'nat-postrouting', ''],
        ];
  for (const [to, from, extra] of jumps) {
    chain(to);
    rule(from, `${extra}jump ${to}`);
  }
  for (const name of ['services', 'cluster-ips-check', 'masquerading']) chain(name);
  if (layout !== '2026') {
    chain('mark-for-masquerade');
    rule('mark-for-masquerade', `meta mark set meta mark | ${mark}`);
  }
  const sets: NftSetBlock[] = [];
  const set = (s: NftSetBlock) => (sets.push(s), s.elements);
  const hairpins = layout === '2026' ? hairpinSet(set, addrType) : undefined;
  if (hairpins) {
    rule('masquerading', `meta mark & ${mark} != 0x00000000 meta mark set meta mark ^ ${mark} masquerade fully-random`);
    rule(
      'masquerading',
      `ct status dnat ${ipX} saddr . ${ipX} daddr . meta l4proto . th dport @hairpin-connections masquerade fully-random`,
    );
  } else {
    rule('masquerading', `meta mark & ${mark} == 0x00000000 return`);
    rule('masquerading', `meta mark set meta mark ^ ${mark}`);
    rule('masquerading', 'masquerade fully-random');
  }
  const clusterIPs = set({
    kind: 'set',
    name: 'cluster-ips',
    type: addrType,
    comment: 'Active ClusterIPs',
    elements: [],
  });
  rule('cluster-ips-check', `${ipX} daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"`);
  rule('cluster-ips-check', `${ipX} daddr ${net.serviceCIDR} drop comment "Drop traffic to unallocated ClusterIPs"`);
  if (!matchAll) {
    const nodePortIPs = set({
      kind: 'set',
      name: 'nodeport-ips',
      type: addrType,
      comment: 'IPs that accept NodePort traffic',
      elements: [],
    });
    nodePortIPs.push(...(opts.nodePortIPs ?? [net.nodeIP]));
  }
  const key3 = `${addrType} . inet_proto . inet_service : verdict`;
  const noEndpointServices = set({
    kind: 'map',
    name: 'no-endpoint-services',
    type: key3,
    comment: 'vmap to drop or reject packets to services with no endpoints',
    elements: [],
  });
  const noEndpointNodePorts = set({
    kind: 'map',
    name: 'no-endpoint-nodeports',
    type: 'inet_proto . inet_service : verdict',
    comment: 'vmap to drop or reject packets to service nodeports with no endpoints',
    elements: [],
  });
  chain('reject-chain', ['comment "helper for @no-endpoint-services / @no-endpoint-nodeports"']);
  rule('reject-chain', 'reject');
  rule('service-endpoints-check', `${ipX} daddr . meta l4proto . th dport vmap @no-endpoint-services`);
  rule(
    'nodeport-endpoints-check',
    matchAll
      ? `${noLocalhost} meta l4proto . th dport vmap @no-endpoint-nodeports`
      : `${ipX} daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports`,
  );
  const firewallIPs = set({
    kind: 'map',
    name: 'firewall-ips',
    type: key3,
    comment: 'destinations that are subject to LoadBalancerSourceRanges',
    elements: [],
  });
  chain('firewall-check');
  rule('firewall-check', `${ipX} daddr . meta l4proto . th dport vmap @firewall-ips`);
  const serviceIPs = set({
    kind: 'map',
    name: 'service-ips',
    type: key3,
    comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic',
    elements: [],
  });
  const serviceNodePorts = set({
    kind: 'map',
    name: 'service-nodeports',
    type: 'inet_proto . inet_service : verdict',
    comment: 'NodePort traffic',
    elements: [],
  });
  rule('services', `${ipX} daddr . meta l4proto . th dport vmap @service-ips`);
  rule(
    'services',
    matchAll
      ? `fib daddr type local ${noLocalhost} meta l4proto . th dport vmap @service-nodeports`
      : `${ipX} daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`,
  );

  const bracket = (a: string) => (v6 ? `[${a}]` : a);
  // Chains keep their place in the listing when a later sync flushes them.
  for (const s of opts.flushed ?? []) {
    const c = s.chains;
    for (const name of [...c.endpoints.map((e) => e.chain), c.cluster, c.local, c.external, c.firewall])
      if (name !== undefined) chain(name);
  }
  const detector = opts.localDetector !== 'none';
  for (const s of services) {
    const p = s.protocol;
    const c = s.chains;
    const verdict = (v: NftEntryVerdict, target: string) =>
      v === 'reject' ? 'goto reject-chain' : v === 'drop' ? 'drop' : `goto ${target}`;
    const internalChain = s.internalTrafficPolicy === 'Local' ? c.local : c.cluster;
    const externalPolicyChain = s.externalTrafficPolicy === 'Local' ? c.local : c.cluster;
    const comment = ` comment "${s.name}"`;

    for (const ep of c.endpoints) chain(ep.chain);
    if (c.cluster) chain(c.cluster);
    if (c.local) chain(c.local);
    if (c.external) chain(c.external);

    clusterIPs.push(s.clusterIP);
    if (s.internal === 'endpoints') serviceIPs.push(`${s.clusterIP} . ${p} . ${s.port} : goto ${internalChain}`);
    else noEndpointServices.push(`${s.clusterIP} . ${p} . ${s.port}${comment} : ${verdict(s.internal, '')}`);
    for (const e of s.externalIPs) {
      if (c.external) serviceIPs.push(`${e} . ${p} . ${s.port} : goto ${c.external}`);
      if (s.external !== 'endpoints')
        noEndpointServices.push(`${e} . ${p} . ${s.port}${comment} : ${verdict(s.external, '')}`);
    }
    if (c.firewall) chain(c.firewall);
    for (const lb of s.loadBalancerIPs) {
      if (c.external) serviceIPs.push(`${lb} . ${p} . ${s.port} : goto ${c.external}`);
      if (c.firewall) firewallIPs.push(`${lb} . ${p} . ${s.port} : goto ${c.firewall}`);
    }
    if (s.external !== 'endpoints')
      for (const lb of s.loadBalancerIPs)
        noEndpointServices.push(`${lb} . ${p} . ${s.port}${comment} : ${verdict(s.external, '')}`);
    if (s.nodePort !== null) {
      if (c.external) serviceNodePorts.push(`${p} . ${s.nodePort} : goto ${c.external}`);
      if (s.external !== 'endpoints')
        noEndpointNodePorts.push(`${p} . ${s.nodePort}${comment} : ${verdict(s.external, '')}`);
    }

    if (s.internal === 'endpoints' && internalChain) {
      const dport = layout === 'v1.33' ? ` ${p} dport ${s.port}` : '';
      if (opts.masqueradeAll) rule(internalChain, `${ipX} daddr ${s.clusterIP}${dport} ${markMasq}`);
      else if (detector)
        rule(internalChain, `${ipX} daddr ${s.clusterIP}${dport} ${ipX} saddr != ${net.podCIDR} ${markMasq}`);
    }
    if (c.external) {
      if (s.externalTrafficPolicy === 'Cluster') rule(c.external, markMasq);
      else {
        if (detector)
          rule(c.external, `${ipX} saddr ${net.podCIDR} goto ${c.cluster} comment "short-circuit pod traffic"`);
        rule(c.external, `fib saddr type local ${markMasq} comment "masquerade local traffic"`);
        rule(c.external, `fib saddr type local goto ${c.cluster} comment "short-circuit local traffic"`);
      }
      if (s.external === 'endpoints') rule(c.external, `goto ${externalPolicyChain}`);
    }
    if (c.firewall) {
      const nodeInRange = s.sourceRanges.some((range) => contains(range, net.nodeIP));
      const sources = [...s.sourceRanges, ...(nodeInRange ? s.loadBalancerIPs : [])];
      rule(c.firewall, `${ipX} saddr != ${anonymousSet(sources.map(hostless))} drop`);
    }
    if (s.affinitySeconds !== undefined)
      for (const ep of c.endpoints)
        sets.push({
          kind: 'set',
          name: ep.affinitySet!,
          type: addrType,
          props: ['size 65535', 'flags dynamic,timeout', `timeout ${duration(s.affinitySeconds)}`],
          elements:
            opts.affinityClients && ep === c.endpoints[0]
              ? [`${v6 ? '2001:db8:cc::1' : '192.168.0.100'} expires ${duration(s.affinitySeconds - 3)}`]
              : [],
        });
    const toEndpoints = (name: string, eps: readonly NftEndpoint[]) => {
      const written = c.endpoints.filter((e) => eps.some((x) => x.ip === e.ip && x.port === e.port));
      if (s.affinitySeconds !== undefined)
        for (const e of written) rule(name, `${ipX} saddr @${e.affinitySet} goto ${e.chain}`);
      if (written.length > 0)
        rule(
          name,
          `numgen random mod ${written.length} vmap { ${written.map((e, i) => `${i} : goto ${e.chain}`).join(', ')} }`,
        );
      else if (eps.length === 1) rule(name, `meta l4proto ${p} dnat to ${bracket(eps[0]!.ip)}:${eps[0]!.port}`);
      else
        rule(
          name,
          `meta l4proto ${p} dnat ${ipX} to numgen random mod ${eps.length} map { ${eps
            .map((e, i) => `${i} : ${e.ip} . ${e.port}`)
            .join(', ')} }`,
        );
    };
    if (c.cluster) toEndpoints(c.cluster, s.clusterEndpoints);
    if (c.local) toEndpoints(c.local, s.localEndpoints);
    if (hairpins)
      for (const e of new Set([...s.clusterEndpoints, ...s.localEndpoints]))
        hairpins(`${e.ip} . ${e.ip} . ${p} . ${e.port}`);
    for (const ep of c.endpoints) {
      if (!hairpins) rule(ep.chain, `${ipX} saddr ${ep.ip} ${markMasq}`);
      if (ep.affinitySet) rule(ep.chain, `update @${ep.affinitySet} { ${ipX} saddr }`);
      rule(ep.chain, `meta l4proto ${p} dnat to ${bracket(ep.ip)}:${ep.port}`);
    }
  }

  const members = [
    ...sets.map((s) => printSet(s, v6)),
    ...[...chains].map(
      ([name, c]) => `\tchain ${name} {\n${[...c.header, ...c.rules].map((l) => `\t\t${l}\n`).join('')}\t}\n`,
    ),
  ];
  const text = `table ${ipX} kube-proxy {\n\tcomment "rules for kube-proxy"\n${members.join('\n')}}\n`;
  return { text, services, layout, family, ...net, masqueradeMark: mark };
}

/** kube-proxy's `hairpin-connections` set (2026), first of the table's sets: what adds an endpoint's element once. */
function hairpinSet(set: (s: NftSetBlock) => string[], addrType: string): (element: string) => void {
  const added = new Set<string>();
  const elements = set({
    kind: 'set',
    name: 'hairpin-connections',
    type: `${addrType} . ${addrType} . inet_proto . inet_service`,
    comment: 'service hairpin connections',
    elements: [],
  });
  return (element) => {
    if (!added.has(element)) elements.push(element);
    added.add(element);
  };
}

interface NftSetBlock {
  readonly kind: 'set' | 'map';
  readonly name: string;
  readonly type: string;
  readonly props?: readonly string[];
  readonly comment?: string;
  readonly elements: string[];
}

/** Elements per line as nft wraps them: two IPv4 addresses, one of anything longer (concatenations, IPv6). */
function printSet(s: NftSetBlock, v6: boolean): string {
  const per = s.type === 'ipv4_addr' && !v6 ? 2 : 1;
  let out = `\t${s.kind} ${s.name} {\n\t\ttype ${s.type}\n`;
  for (const p of s.props ?? []) out += `\t\t${p}\n`;
  if (s.comment !== undefined) out += `\t\tcomment "${s.comment}"\n`;
  if (s.elements.length > 0) {
    const lines: string[] = [];
    for (let i = 0; i < s.elements.length; i += per) lines.push(s.elements.slice(i, i + per).join(', '));
    out += `\t\telements = { ${lines.join(',\n\t\t\t     ')} }\n`;
  }
  return `${out}\t}\n`;
}

/** One element prints bare; several as `{ a, b }` in the interval tree's (address) order. */
function anonymousSet(items: readonly string[]): string {
  if (items.length === 1) return items[0]!;
  const sorted = [...items].sort((a, b) => compareAddress(a, b));
  return `{ ${sorted.join(', ')} }`;
}

/** A /32 or /128 prints as the address. */
const hostless = (cidr: string) => cidr.replace(/\/(32|128)$/, '');

function toBigInt(addr: string): bigint {
  const ip = addr.split('/')[0]!;
  if (!ip.includes(':')) return ip.split('.').reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function compareAddress(a: string, b: string): number {
  const x = toBigInt(a);
  const y = toBigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function contains(cidr: string, ip: string): boolean {
  const [, len] = cidr.split('/');
  const bits = ip.includes(':') ? 128n : 32n;
  const shift = bits - BigInt(Number(len));
  return toBigInt(cidr) >> shift === toBigInt(ip) >> shift;
}

/** Seconds as nft prints a duration: `3h`, `1d`, `10m`, `2h59m57s`. */
export function duration(seconds: number): string {
  const units: readonly [string, number][] = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  let rest = seconds;
  let out = '';
  for (const [u, n] of units) {
    const q = Math.floor(rest / n);
    if (q > 0) out += `${q}${u}`;
    rest -= q * n;
  }
  return out || '0s';
}
