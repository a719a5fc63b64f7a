/**
 * kube-proxy's services in nftables mode, read from its `ip kube-proxy` / `ip6 kube-proxy` table
 * (shared/reference/nftables.md §1): entry points from the dispatch maps (`service-ips`, `service-nodeports`,
 * `firewall-ips`, `no-endpoint-services`, `no-endpoint-nodeports`), policies from which chain an entry goes
 * to (`service-…` Cluster, `local-…` Local, `external-…` and what it goes on to), affinity from the
 * `affinity-…` sets' timeouts, and their live elements as sticky clients of the set's endpoint. Every layout (≤1.33, ≥1.34, the 2026 forms) writes these the same way. Where
 * packets then go is the walk's to say.
 */
import { type NftChain, type NftElement, type NftExpr, type NftSet, type NftTable, nftFamilyOf } from '../model/nft';
import type { SourceRef } from '../model/source';
import type { Family } from '../model/values';
import type { EntryKind, EntryPoint, KubeService, ServiceProtocol, StickyClient, TrafficPolicy } from './service-model';

/** `ns/svc/tcp/p80` in a chain or set name after the kind and hash; an unnamed port leaves its part empty. */
const SERVICE_CHAIN = /^(service|local|external|firewall)-[A-Z0-9]{8}-(([^/]+)\/([^/]+)\/(tcp|udp|sctp)\/([^/]*))$/;
const ENDPOINT = /^(?:endpoint|affinity)-[A-Z0-9]{8}-(([^/]+)\/([^/]+)\/(tcp|udp|sctp)\/([^/]*))__(.+)\/(\d+)$/;

/** The kube-proxy table of a family among a ruleset's tables. */
export function kubeProxyTable(tables: readonly NftTable[], family: Family): NftTable | undefined {
  const want = nftFamilyOf(family);
  return tables.find((t) => t.family === want && t.name === 'kube-proxy');
}

const nameOf = (path: string) => {
  const [ns, svc, , port] = path.split('/');
  return `${ns}/${svc}:${port}`;
};

/** `3h`, `10800s`, `2h59m56s980ms` in seconds. */
function durationSeconds(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+)(ms|d|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  const unit: Readonly<Record<string, number>> = { d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };
  return parts.reduce((a, p) => a + Number(p[1]) * unit[p[2]!]!, 0);
}

interface Builder {
  readonly path: string;
  readonly protocol: ServiceProtocol;
  name: string;
  named: boolean;
  readonly entries: Map<string, EntryPoint>;
  readonly noEndpoints: { local: boolean; kind: EntryKind; evidence: SourceRef }[];
  clusterLocal: boolean;
  externalLocal: boolean;
  affinity: number | null;
  readonly sticky: StickyClient[];
}

const literalParts = (e: NftExpr): string[] | undefined =>
  e.kind === 'literal'
    ? [e.text]
    : e.kind === 'concat' && e.parts.every((p) => p.kind === 'literal')
      ? e.parts.map((p) => (p as Extract<NftExpr, { kind: 'literal' }>).text)
      : undefined;

/** The verdict of a map element: its kind and the chain it goes to. */
function verdictOf(el: NftElement): { kind: string; chain?: string } | undefined {
  const v = el.value;
  if (v?.kind !== 'verdict') return undefined;
  const s = v.verdict;
  return s.verdict === 'jump' || s.verdict === 'goto' ? { kind: s.verdict, chain: s.chain } : { kind: s.verdict };
}

const PROTOCOLS: Readonly<Record<string, ServiceProtocol>> = {
  tcp: 'tcp',
  '6': 'tcp',
  udp: 'udp',
  '17': 'udp',
  sctp: 'sctp',
  '132': 'sctp',
};

/** The source ranges a firewall chain lets in: `ip saddr != { a, b } drop` or `ip saddr != a drop`. */
function sourceRangesOf(chain: NftChain | undefined): string[] | undefined {
  for (const r of chain?.rules ?? []) {
    const m = r.stmts.find(
      (s) => s.kind === 'match' && s.op === '!=' && s.left.kind === 'payload' && s.left.field === 'saddr',
    );
    if (m?.kind !== 'match') continue;
    const right = m.right;
    if (right.kind === 'literal') return [right.text];
    if (right.kind === 'set') return right.elements.flatMap((e) => (e.key.kind === 'literal' ? [e.key.text] : []));
  }
  return undefined;
}

/** Services of a kube-proxy nft table; `path` names the listing in evidence. */
export function kubeNftServices(table: NftTable, path: string, family: Family): KubeService[] {
  const sets = new Map<string, NftSet>(table.sets.map((s) => [s.name, s]));
  const chains = new Map<string, NftChain>(table.chains.map((c) => [c.name, c]));
  const clusterIps = new Set((sets.get('cluster-ips')?.elements ?? []).flatMap((e) => literalParts(e.key) ?? []));
  const builders = new Map<string, Builder>();
  const at = (line: number): SourceRef => ({ path, line, column: 1 });
  const builder = (servicePath: string, protocol: ServiceProtocol): Builder => {
    let b = builders.get(servicePath);
    if (!b)
      builders.set(
        servicePath,
        (b = {
          path: servicePath,
          protocol,
          name: nameOf(servicePath),
          named: true,
          entries: new Map(),
          noEndpoints: [],
          clusterLocal: false,
          externalLocal: false,
          affinity: null,
          sticky: [],
        }),
      );
    return b;
  };
  const addEntry = (b: Builder, e: EntryPoint) => {
    const key = `${e.kind} ${e.ip ?? '*'} ${e.port}`;
    if (!b.entries.has(key)) b.entries.set(key, e);
  };
  const firewalled = new Map<string, string[] | undefined>();
  for (const el of sets.get('firewall-ips')?.elements ?? []) {
    const key = literalParts(el.key);
    const v = verdictOf(el);
    if (!key || !v?.chain) continue;
    firewalled.set(`${key[0]} ${key[1]} ${key[2]}`, sourceRangesOf(chains.get(v.chain)));
  }
  const externalKind = (ip: string, proto: string, port: string): { kind: EntryKind; sourceRanges?: string[] } => {
    const key = `${ip} ${proto} ${port}`;
    if (!firewalled.has(key)) return { kind: 'external' };
    const ranges = firewalled.get(key);
    return { kind: 'loadBalancer', ...(ranges ? { sourceRanges: ranges } : {}) };
  };

  const serviceIps = sets.get('service-ips');
  for (const el of serviceIps?.elements ?? []) {
    const key = literalParts(el.key);
    const v = verdictOf(el);
    const m = v?.chain && SERVICE_CHAIN.exec(v.chain);
    if (!key || key.length !== 3 || !m) continue;
    const [ip, proto, port] = key as [string, string, string];
    const b = builder(m[2]!, PROTOCOLS[proto] ?? (m[5] as ServiceProtocol));
    const evidence = at(serviceIps!.line);
    if (m[1] === 'external') {
      addEntry(b, { ...externalKind(ip, proto, port), ip, port: Number(port), evidence });
    } else {
      if (m[1] === 'local') b.clusterLocal = true;
      addEntry(b, { kind: 'clusterIP', ip, port: Number(port), evidence });
    }
  }
  const nodePorts = sets.get('service-nodeports');
  for (const el of nodePorts?.elements ?? []) {
    const key = literalParts(el.key);
    const v = verdictOf(el);
    const m = v?.chain && SERVICE_CHAIN.exec(v.chain);
    if (!key || key.length !== 2 || !m) continue;
    const b = builder(m[2]!, PROTOCOLS[key[0]!] ?? (m[5] as ServiceProtocol));
    addEntry(b, { kind: 'nodePort', ip: null, port: Number(key[1]), evidence: at(nodePorts!.line) });
  }
  // No endpoints (or no local ones): the element's comment names the service port.
  for (const [mapName, width] of [
    ['no-endpoint-services', 3],
    ['no-endpoint-nodeports', 2],
  ] as const) {
    const map = sets.get(mapName);
    for (const el of map?.elements ?? []) {
      const key = literalParts(el.key);
      const v = verdictOf(el);
      if (!key || key.length !== width || !v || el.comment === undefined) continue;
      const m = /^([^/]+)\/([^:]+):(.+)$/.exec(el.comment);
      if (!m) continue;
      const protocol = PROTOCOLS[key[width - 2]!] ?? 'tcp';
      const b = builder(`${m[1]}/${m[2]}/${protocol}/${m[3]}`, protocol);
      const evidence = at(map!.line);
      const port = Number(key[width - 1]);
      let kind: EntryKind = 'nodePort';
      if (width === 3) {
        const ip = key[0]!;
        const ext = clusterIps.has(ip) ? undefined : externalKind(ip, key[1]!, key[2]!);
        kind = ext ? ext.kind : 'clusterIP';
        addEntry(b, { kind, ip, port, evidence, ...(ext?.sourceRanges ? { sourceRanges: ext.sourceRanges } : {}) });
      } else addEntry(b, { kind, ip: null, port, evidence });
      // `drop` is kube-proxy's answer for a Local policy without local endpoints; `goto reject-chain` for none at all.
      const local = v.kind === 'drop';
      b.noEndpoints.push({ local, kind, evidence });
      if (local && kind === 'clusterIP') b.clusterLocal = true;
      if (local && kind !== 'clusterIP') b.externalLocal = true;
    }
  }
  for (const c of table.chains) {
    const m = SERVICE_CHAIN.exec(c.name);
    const b = m && builders.get(m[2]!);
    if (!b || m[1] !== 'external') continue;
    // externalTrafficPolicy: Local sends what is not short-circuited to the local chain, or nowhere.
    const goesTo = c.rules.flatMap((r) =>
      r.stmts.flatMap((s) => (s.kind === 'verdict' && s.verdict === 'goto' ? [s.chain] : [])),
    );
    const shortCircuits = c.rules.some((r) => r.comment?.startsWith('short-circuit'));
    if (goesTo.some((g) => g.startsWith('local-')) || shortCircuits) b.externalLocal = true;
  }
  for (const s of table.sets) {
    const m = ENDPOINT.exec(s.name);
    const b = m && builders.get(m[1]!);
    if (!b) continue;
    const timeout = s.props.find((p) => p.key === 'timeout')?.value;
    const seconds = timeout === undefined ? undefined : durationSeconds(timeout);
    if (seconds !== undefined) b.affinity = seconds;
    // An IPv6 endpoint's name has `.` for `:` (servicePortEndpointChainNameBase).
    const endpoint = { ip: family === 'ipv6' ? m[6]!.replaceAll('.', ':') : m[6]!, port: Number(m[7]) };
    for (const el of s.elements ?? []) {
      const key = literalParts(el.key);
      if (key?.length !== 1) continue;
      const expires = el.expires === undefined ? undefined : durationSeconds(el.expires);
      b.sticky.push({ client: key[0]!, endpoint, expiresSeconds: expires ?? null, set: s.name, evidence: at(s.line) });
    }
  }
  return [...builders.values()].map((b) => {
    const entryPoints = [...b.entries.values()];
    const external = entryPoints.some((e) => e.kind !== 'clusterIP');
    const externalTrafficPolicy: TrafficPolicy | null = external ? (b.externalLocal ? 'Local' : 'Cluster') : null;
    return {
      name: b.name,
      named: b.named,
      family,
      protocol: b.protocol,
      proxyMode: 'nftables',
      entryPoints,
      affinitySeconds: b.affinity,
      stickyClients: b.sticky,
      externalTrafficPolicy,
      internalTrafficPolicy: b.clusterLocal ? 'Local' : 'Cluster',
      noEndpoints: b.noEndpoints,
    };
  });
}

/**
 * The cluster CIDR kube-proxy's local detector uses: `ip saddr != CIDR jump mark-for-masquerade` in service
 * chains, or one `ip daddr @cluster-ips ip saddr != CIDR meta mark set …` in the services chain (2026).
 */
export function nftClusterCidr(table: NftTable): string | undefined {
  for (const c of table.chains) {
    if (!/^(service|external)-|^services$/.test(c.name)) continue;
    for (const r of c.rules) {
      const m = r.stmts.find(
        (s) =>
          s.kind === 'match' &&
          s.left.kind === 'payload' &&
          s.left.field === 'saddr' &&
          s.right.kind === 'literal' &&
          s.right.text.includes('/'),
      );
      if (m?.kind === 'match' && m.right.kind === 'literal') return m.right.text;
    }
  }
  return undefined;
}

/** The host addresses of kube-proxy's `nodeport-ips` set: the node's addresses that accept NodePorts. */
export function nftNodePortIps(table: NftTable): string[] {
  const set = table.sets.find((s) => s.kind === 'set' && s.name === 'nodeport-ips');
  return (set?.elements ?? []).flatMap((e) =>
    e.key.kind === 'literal' && !e.key.text.includes('/') && !e.key.text.includes('-') ? [e.key.text] : [],
  );
}
