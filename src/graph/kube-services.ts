/**
 * Services from kube-proxy's iptables-mode rules (kube-proxy-tracer.md §1, §4). Entry points are the
 * rules in nat KUBE-SERVICES / KUBE-NODEPORTS that jump to a service's chains (KUBE-SVC/SVL/EXT/FW, and
 * the older KUBE-XLB); a service's chains share the hash after their prefix, which groups them when
 * comments are gone (large-cluster mode drops some). Services without endpoints exist only as filter rules
 * whose comment says so. Where traffic then goes is the walk's business, not this file's.
 */
import type { CommentMatch } from '../model/match';
import type { Rule, Ruleset } from '../model/ruleset';
import { chainAt, chainKey, type RuleGraph } from './rule-graph';
import type { EntryKind, EntryPoint, KubeService, ServiceProtocol, TrafficPolicy } from './service-model';

const SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|XLB)-([A-Z0-9]+)$/;
const PROTOCOLS = new Set<string>(['tcp', 'udp', 'sctp']);
const COMMENT_KINDS: Readonly<Record<string, EntryKind>> = { 'cluster IP': 'clusterIP', 'external IP': 'externalIP', 'loadbalancer IP': 'loadBalancer' };
const FILTER_STATEMENT = /^(\S+) (has no endpoints|has no local endpoints|health check node port)$/;

const commentOf = (rule: Rule) => rule.matches.find((m): m is CommentMatch => m.module === 'comment')?.comment;

function protocolOf(rule: Rule): ServiceProtocol | undefined {
  const p = rule.protocol;
  return p && !p.negated && PROTOCOLS.has(p.value) ? (p.value as ServiceProtocol) : undefined;
}

function dportOf(rule: Rule): number | undefined {
  for (const m of rule.matches) {
    if ((m.module === 'tcp' || m.module === 'udp' || m.module === 'sctp') && m.dport && !m.dport.negated && m.dport.value.from === m.dport.value.to) return m.dport.value.from;
  }
  return undefined;
}

function destinationOf(rule: Rule): string | undefined {
  const d = rule.destination;
  const full = d?.value.family === 'ipv4' ? 32 : 128;
  return d && !d.negated && d.value.prefix === full && !d.value.mask ? d.value.address : undefined;
}

const dstLocal = (rule: Rule) => rule.matches.some((m) => m.module === 'addrtype' && m.dstType && !m.dstType.negated && m.dstType.value.includes('LOCAL'));

function kindFromComment(comment: string | undefined): { name?: string; kind?: EntryKind } {
  if (!comment) return {};
  const space = comment.indexOf(' ');
  if (space < 0) return { name: comment };
  return { name: comment.slice(0, space), kind: COMMENT_KINDS[comment.slice(space + 1)] };
}

interface Builder {
  readonly hash?: string;
  name?: string;
  protocol: ServiceProtocol;
  readonly entries: Map<string, EntryPoint>;
  readonly entryChains: Set<string>;
  readonly noEndpoints: KubeService['noEndpoints'][number][];
}

function addEntry(b: Builder, e: EntryPoint): void {
  const key = `${e.kind} ${e.ip ?? '*'} ${e.port}`;
  if (!b.entries.has(key)) b.entries.set(key, e);
}

/** Source ranges a KUBE-FW chain lets through to the service; absent when it lets everyone through. */
function sourceRangesOf(graph: RuleGraph, fwChain: string): string[] | undefined {
  const rules = chainAt(graph, 'nat', fwChain)?.rules ?? [];
  const ranges = rules.filter((r) => r.target?.kind === 'jump' && SERVICE_CHAIN.test(r.target.chain) && r.source && !r.source.negated).map((r) => `${r.source!.value.address}/${r.source!.value.prefix}`);
  return ranges.length ? ranges : undefined;
}

function jumpsTo(graph: RuleGraph, chain: string, prefix: string): boolean {
  const key = chainKey('nat', chain);
  return graph.hasNode(key) && graph.outNeighbors(key).some((n) => graph.getNodeAttributes(n).chain.name.startsWith(prefix));
}

function affinityOf(graph: RuleGraph, hash: string): number | null {
  for (const prefix of ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-XLB-']) {
    for (const rule of chainAt(graph, 'nat', `${prefix}${hash}`)?.rules ?? []) {
      for (const m of rule.matches) if (m.module === 'recent' && m.mode?.value === 'rcheck' && m.seconds !== undefined) return m.seconds;
    }
  }
  return null;
}

export function kubeServices(ruleset: Ruleset, graph: RuleGraph): KubeService[] {
  const byHash = new Map<string, Builder>();
  const byName = new Map<string, Builder>();
  const builderFor = (hash: string, protocol: ServiceProtocol): Builder => {
    let b = byHash.get(hash);
    if (!b) byHash.set(hash, (b = { hash, protocol, entries: new Map(), entryChains: new Set(), noEndpoints: [] }));
    return b;
  };

  const natEntries = (chain: string, nodePorts: boolean) => {
    for (const rule of chainAt(graph, 'nat', chain)?.rules ?? []) {
      const target = rule.target?.kind === 'jump' ? SERVICE_CHAIN.exec(rule.target.chain) : null;
      const protocol = protocolOf(rule);
      const port = dportOf(rule);
      if (!target || !protocol || port === undefined) continue;
      const ip = nodePorts ? null : destinationOf(rule);
      if (ip === undefined) continue;
      const b = builderFor(target[2]!, protocol);
      const { name, kind } = kindFromComment(commentOf(rule));
      if (name) b.name = name;
      const kindByChain: EntryKind = target[1] === 'SVC' || target[1] === 'SVL' ? 'clusterIP' : target[1] === 'FW' ? 'loadBalancer' : 'external';
      const entryKind = nodePorts ? 'nodePort' : (kind ?? kindByChain);
      const ranges = target[1] === 'FW' ? sourceRangesOf(graph, target[0]) : undefined;
      addEntry(b, { kind: entryKind, ip, port, evidence: rule.location, ...(ranges ? { sourceRanges: ranges } : {}) });
      b.entryChains.add(`${entryKind} ${target[1]}`);
    }
  };
  natEntries('KUBE-SERVICES', false);
  natEntries('KUBE-NODEPORTS', true);
  for (const b of byHash.values()) if (b.name) byName.set(`${b.name} ${b.protocol}`, b);

  // Filter rules carry the services kube-proxy could not program in nat: no endpoints, or none local.
  for (const chain of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS']) {
    for (const rule of chainAt(graph, 'filter', chain)?.rules ?? []) {
      const statement = FILTER_STATEMENT.exec(commentOf(rule) ?? '');
      const protocol = protocolOf(rule);
      const port = dportOf(rule);
      if (!statement || !protocol || port === undefined) continue;
      // A health-check port is tcp whatever the service's protocol: it belongs to the service of that name.
      const health = statement[2] === 'health check node port';
      const key = `${statement[1]} ${protocol}`;
      let b = byName.get(key) ?? (health ? [...byName.values()].find((x) => x.name === statement[1]) : undefined);
      if (!b) byName.set(key, (b = { name: statement[1]!, protocol, entries: new Map(), entryChains: new Set(), noEndpoints: [] }));
      const ip = destinationOf(rule);
      if (health) {
        addEntry(b, { kind: 'healthCheckNodePort', ip: null, port, evidence: rule.location });
        continue;
      }
      const local = statement[2] === 'has no local endpoints';
      if (ip === undefined && dstLocal(rule)) {
        addEntry(b, { kind: 'nodePort', ip: null, port, evidence: rule.location });
        b.noEndpoints.push({ local, kind: 'nodePort', evidence: rule.location });
      } else if (ip !== undefined) {
        const known = [...b.entries.values()].find((e) => e.ip === ip && e.port === port);
        const kind = known?.kind ?? (chain === 'KUBE-SERVICES' ? 'clusterIP' : 'external');
        if (!known) addEntry(b, { kind, ip, port, evidence: rule.location });
        b.noEndpoints.push({ local, kind, evidence: rule.location });
      }
    }
  }

  const builders = new Set([...byHash.values(), ...byName.values()]);
  return [...builders].map((b) => serviceOf(b, ruleset, graph));
}

function serviceOf(b: Builder, ruleset: Ruleset, graph: RuleGraph): KubeService {
  const entryPoints = [...b.entries.values()];
  const external = entryPoints.some((e) => e.kind !== 'clusterIP');
  const localStatement = (kinds: (k: EntryKind) => boolean) => b.noEndpoints.some((n) => n.local && kinds(n.kind));
  const hash = b.hash;
  const externalLocal =
    entryPoints.some((e) => e.kind === 'healthCheckNodePort') ||
    [...b.entryChains].some((c) => c.endsWith(' XLB')) ||
    (hash !== undefined && jumpsTo(graph, `KUBE-EXT-${hash}`, 'KUBE-SVL-')) ||
    localStatement((k) => k !== 'clusterIP');
  const internalLocal = b.entryChains.has('clusterIP SVL') || localStatement((k) => k === 'clusterIP');
  const externalTrafficPolicy: TrafficPolicy | null = external ? (externalLocal ? 'Local' : 'Cluster') : null;
  return {
    name: b.name ?? `KUBE-SVC-${hash}`,
    named: b.name !== undefined,
    family: ruleset.family,
    protocol: b.protocol,
    proxyMode: 'iptables',
    entryPoints,
    affinitySeconds: hash === undefined ? null : affinityOf(graph, hash),
    externalTrafficPolicy,
    internalTrafficPolicy: internalLocal ? 'Local' : 'Cluster',
    noEndpoints: b.noEndpoints,
  };
}
