/**
 * Services from kube-proxy's iptables-mode rules (kube-proxy-tracer.md §1, §4). Entry points are the
 * rules in nat KUBE-SERVICES / KUBE-NODEPORTS that jump to a service's chains (KUBE-SVC/SVL/EXT/FW, and
 * the older KUBE-XLB). Entry points are joined into services by three clues, any one enough: the hash
 * a service's chains share (which groups them when comments are gone: large-cluster mode drops some),
 * the jumps from one to the other (hand-edited rules and other generators break the naming), and the
 * `ns/svc:port` comment. An entry whose chain leads to no service chain is a service of its own, named
 * after that chain, rather than dropped. Services without endpoints exist only as filter rules whose
 * comment says so. Where traffic then goes is the walk's business, not this file's.
 */
import type { CommentMatch } from '../model/match';
import type { Rule, Ruleset } from '../model/ruleset';
import { isUnknownAddress } from '../model/values';
import { type ChainIndex, chainIndexOf } from './chain-index';
import { mayEnterService, serviceChainsReached } from './service-chains';
import type { EntryKind, EntryPoint, KubeService, ServiceProtocol, TrafficPolicy } from './service-model';
import { UnionFind } from './union-find';
import {
  KUBE_EXTERNAL_SERVICES,
  KUBE_NODEPORTS,
  KUBE_SERVICES,
  SERVICE_CHAIN,
  serviceChainName,
} from '../model/kube-proxy-chains';

const PROTOCOLS = new Set<string>(['tcp', 'udp', 'sctp']);
const COMMENT_KINDS: Readonly<Record<string, EntryKind>> = {
  'cluster IP': 'clusterIP',
  'external IP': 'externalIP',
  'loadbalancer IP': 'loadBalancer',
};
const FILTER_STATEMENT = /^(\S+) (has no endpoints|has no local endpoints|health check node port)$/;

const commentOf = (rule: Rule) => rule.matches.find((m): m is CommentMatch => m.module === 'comment')?.comment;

function protocolOf(rule: Rule): ServiceProtocol | undefined {
  const p = rule.protocol;
  return p && !p.negated && PROTOCOLS.has(p.value) ? (p.value as ServiceProtocol) : undefined;
}

function dportOf(rule: Rule): number | undefined {
  for (const m of rule.matches) {
    if (
      (m.module === 'tcp' || m.module === 'udp' || m.module === 'sctp') &&
      m.dport &&
      !m.dport.negated &&
      m.dport.value.from === m.dport.value.to
    )
      return m.dport.value.from;
  }
  return undefined;
}

function destinationOf(rule: Rule): string | undefined {
  const d = rule.destination;
  const full = d?.value.family === 'ipv4' ? 32 : 128;
  if (!d || d.negated || d.value.prefix !== full) return undefined;
  // A masked address (`-d x.x.x.x/32`) is still an entry point: named as pasted, never walked.
  if (isUnknownAddress(d.value)) return d.value.unknown.replace(/\/\d+$/, '');
  return d.value.mask ? undefined : d.value.address;
}

const dstLocal = (rule: Rule) =>
  rule.matches.some(
    (m) => m.module === 'addrtype' && m.dstType && !m.dstType.negated && m.dstType.value.includes('LOCAL'),
  );

function kindFromComment(comment: string | undefined): { name?: string; kind?: EntryKind } {
  if (!comment) return {};
  const space = comment.indexOf(' ');
  if (space < 0) return { name: comment };
  return { name: comment.slice(0, space), kind: COMMENT_KINDS[comment.slice(space + 1)] };
}

interface Builder {
  /** The hashes of the service chains its entry points lead to, in the order met. */
  readonly hashes: string[];
  /** The chain an entry point jumps to when that chain leads to no service chain: the service's name. */
  readonly ownChain?: string;
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
function sourceRangesOf(index: ChainIndex, fwChain: string): string[] | undefined {
  const rules = index.chain('nat', fwChain)?.rules ?? [];
  const ranges = rules
    .filter((r) => r.target?.kind === 'jump' && SERVICE_CHAIN.test(r.target.chain) && r.source && !r.source.negated)
    .map((r) => {
      const s = r.source!.value;
      return isUnknownAddress(s) ? s.unknown : `${s.address}/${s.prefix}`;
    });
  return ranges.length ? ranges : undefined;
}

function jumpsTo(index: ChainIndex, chain: string, prefix: string): boolean {
  const from = index.chain('nat', chain);
  return from !== undefined && index.jumpsFrom('nat', from).some((to) => to.name.startsWith(prefix));
}

function affinityOf(index: ChainIndex, hash: string): number | null {
  for (const kind of ['SVC', 'SVL', 'XLB'] as const) {
    for (const rule of index.chain('nat', serviceChainName(kind, hash))?.rules ?? []) {
      for (const m of rule.matches)
        if (m.module === 'recent' && m.mode?.value === 'rcheck' && m.seconds !== undefined) return m.seconds;
    }
  }
  return null;
}

/** A nat rule that recognises an entry point, with the service chains its jump leads to. */
interface NatEntry {
  readonly rule: Rule;
  readonly chain: string;
  readonly nodePorts: boolean;
  readonly protocol: ServiceProtocol;
  readonly port: number;
  readonly ip: string | null;
  /** Service chains reached from the jump, nearest first (kube-services' own naming: SVC, SVL, EXT, FW, XLB). */
  readonly reached: readonly RegExpExecArray[];
  /** What the rule's comment says: the service's name and the entry's kind. */
  readonly comment: { readonly name?: string; readonly kind?: EntryKind };
  /**
   * The keys the entry is known by: the hashes of the service chains it reaches (else its chain), and its comment's
   * name. Made once: the joining and the grouping below both read them.
   */
  readonly keys: readonly string[];
}

function natEntries(index: ChainIndex, chain: string, nodePorts: boolean): NatEntry[] {
  const out: NatEntry[] = [];
  for (const rule of index.chain('nat', chain)?.rules ?? []) {
    const target = rule.target?.kind === 'jump' && mayEnterService(rule.target.chain) ? rule.target.chain : undefined;
    const protocol = protocolOf(rule);
    const port = dportOf(rule);
    if (target === undefined || !protocol || port === undefined) continue;
    const ip = nodePorts ? null : destinationOf(rule);
    if (ip === undefined) continue;
    const reached = serviceChainsReached(index, target).map((c) => SERVICE_CHAIN.exec(c)!);
    const comment = kindFromComment(commentOf(rule));
    const keys = reached.length ? reached.map((m) => `hash ${m[2]}`) : [`chain ${target}`];
    if (comment.name) keys.push(`name ${comment.name} ${protocol}`);
    out.push({ rule, chain: target, nodePorts, protocol, port, ip, reached, comment, keys });
  }
  return out;
}

export function kubeServices(ruleset: Ruleset): KubeService[] {
  const index = chainIndexOf(ruleset);
  const entries = [...natEntries(index, KUBE_SERVICES, false), ...natEntries(index, KUBE_NODEPORTS, true)];
  const joined = new UnionFind();
  for (const e of entries) {
    const first = e.keys[0]!;
    for (let k = 1; k < e.keys.length; k++) joined.union(first, e.keys[k]!);
  }

  const byRoot = new Map<string, Builder>();
  const byName = new Map<string, Builder>();
  for (const e of entries) {
    const root = joined.find(e.keys[0]!);
    let b = byRoot.get(root);
    if (!b)
      byRoot.set(
        root,
        (b = {
          hashes: [],
          ...(e.reached.length ? {} : { ownChain: e.chain }),
          protocol: e.protocol,
          entries: new Map(),
          entryChains: new Set(),
          noEndpoints: [],
        }),
      );
    for (const m of e.reached) if (!b.hashes.includes(m[2]!)) b.hashes.push(m[2]!);
    const { name, kind } = e.comment;
    if (name) b.name = name;
    // A chain of another name is taken for the kind of the first service chain it leads to.
    const type = e.reached[0]?.[1];
    const kindByChain: EntryKind =
      type === 'SVC' || type === 'SVL' ? 'clusterIP' : type === 'FW' ? 'loadBalancer' : 'external';
    const entryKind = e.nodePorts ? 'nodePort' : (kind ?? kindByChain);
    const ranges = type === 'FW' ? sourceRangesOf(index, e.reached[0]![0]) : undefined;
    addEntry(b, {
      kind: entryKind,
      ip: e.ip,
      port: e.port,
      evidence: e.rule.location,
      ...(ranges ? { sourceRanges: ranges } : {}),
    });
    if (type) b.entryChains.add(`${entryKind} ${type}`);
  }
  for (const b of byRoot.values()) if (b.name) byName.set(`${b.name} ${b.protocol}`, b);

  // Filter rules carry the services kube-proxy could not program in nat: no endpoints, or none local.
  for (const chain of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_NODEPORTS]) {
    for (const rule of index.chain('filter', chain)?.rules ?? []) {
      const statement = FILTER_STATEMENT.exec(commentOf(rule) ?? '');
      const protocol = protocolOf(rule);
      const port = dportOf(rule);
      if (!statement || !protocol || port === undefined) continue;
      // A health-check port is tcp whatever the service's protocol: it belongs to the service of that name.
      const health = statement[2] === 'health check node port';
      const key = `${statement[1]} ${protocol}`;
      let b = byName.get(key) ?? (health ? [...byName.values()].find((x) => x.name === statement[1]) : undefined);
      if (!b)
        byName.set(
          key,
          (b = {
            hashes: [],
            name: statement[1]!,
            protocol,
            entries: new Map(),
            entryChains: new Set(),
            noEndpoints: [],
          }),
        );
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
        const kind = known?.kind ?? (chain === KUBE_SERVICES ? 'clusterIP' : 'external');
        if (!known) addEntry(b, { kind, ip, port, evidence: rule.location });
        b.noEndpoints.push({ local, kind, evidence: rule.location });
      }
    }
  }

  const builders = new Set([...byRoot.values(), ...byName.values()]);
  return [...builders].map((b) => serviceOf(b, ruleset, index));
}

/** The name of a service without comments: its KUBE-SVC chain (one the dump has, when its chains carry several hashes). */
function chainNameOf(b: Builder, index: ChainIndex): string {
  if (b.hashes.length === 0) return b.ownChain!;
  const hash = b.hashes.find((h) => index.chain('nat', serviceChainName('SVC', h))) ?? b.hashes[0]!;
  return serviceChainName('SVC', hash);
}

function affinityOfAll(index: ChainIndex, hashes: readonly string[]): number | null {
  for (const hash of hashes) {
    const seconds = affinityOf(index, hash);
    if (seconds !== null) return seconds;
  }
  return null;
}

function serviceOf(b: Builder, ruleset: Ruleset, index: ChainIndex): KubeService {
  const entryPoints = [...b.entries.values()];
  const external = entryPoints.some((e) => e.kind !== 'clusterIP');
  const localStatement = (kinds: (k: EntryKind) => boolean) => b.noEndpoints.some((n) => n.local && kinds(n.kind));
  const externalLocal =
    entryPoints.some((e) => e.kind === 'healthCheckNodePort') ||
    [...b.entryChains].some((c) => c.endsWith(' XLB')) ||
    b.hashes.some((hash) => jumpsTo(index, serviceChainName('EXT', hash), serviceChainName('SVL', ''))) ||
    localStatement((k) => k !== 'clusterIP');
  const internalLocal = b.entryChains.has('clusterIP SVL') || localStatement((k) => k === 'clusterIP');
  const externalTrafficPolicy: TrafficPolicy | null = external ? (externalLocal ? 'Local' : 'Cluster') : null;
  return {
    name: b.name ?? chainNameOf(b, index),
    named: b.name !== undefined,
    family: ruleset.family,
    protocol: b.protocol,
    proxyMode: 'iptables',
    entryPoints,
    affinitySeconds: affinityOfAll(index, b.hashes),
    stickyClients: [],
    externalTrafficPolicy,
    internalTrafficPolicy: internalLocal ? 'Local' : 'Cluster',
    noEndpoints: b.noEndpoints,
  };
}
