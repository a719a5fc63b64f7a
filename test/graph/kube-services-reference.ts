/**
 * The construction of kubeServices (and serviceChainsReached) before it was made in one pass without key strings
 * and match arrays, kept as the reference the new one is held to (kube-services-equivalence.test.ts): its flow
 * only. What one rule or chain says (protocol, port, address, comment, source ranges, affinity) is read by
 * kube-services.ts's own helpers.
 */
import type { Chain, Rule, Ruleset } from '../../src/model/ruleset';
import { type ChainIndex, chainIndexOf } from '../../src/graph/chain-index';
import {
  FILTER_STATEMENT,
  LOCAL_ENDPOINTS,
  affinityIn,
  commentKind,
  commentOf,
  destinationOf,
  dportOf,
  dstLocal,
  entryPoint,
  jumpsTo,
  protocolOf,
  sourceRangesOf,
} from '../../src/graph/kube-services';
import { MAX_DEPTH, mayEnterService } from '../../src/graph/service-chains';
import type { EntryKind, EntryPoint, KubeService, ServiceProtocol, TrafficPolicy } from '../../src/graph/service-model';
import { UnionFind } from '../../src/graph/union-find';
import {
  ENDPOINT_LIST_CHAIN,
  KUBE_EXTERNAL_SERVICES,
  KUBE_NODEPORTS,
  KUBE_SERVICES,
  SERVICE_CHAIN,
  serviceChainName,
} from '../../src/model/kube-proxy-chains';

function serviceChainsReached(index: ChainIndex, chain: string): RegExpExecArray[] {
  const found: RegExpExecArray[] = [];
  const seen = new Set<string>([chain]);
  let level = [chain];
  for (let depth = 0; depth <= MAX_DEPTH && level.length; depth++) {
    const next: string[] = [];
    for (const name of level) {
      const service = SERVICE_CHAIN.exec(name);
      if (service) found.push(service);
      const endpoints = service ? service[1] === 'SVC' || service[1] === 'SVL' : ENDPOINT_LIST_CHAIN.test(name);
      const from = endpoints ? undefined : index.chain('nat', name);
      if (!from) continue;
      for (const { name: to } of index.jumpsFrom('nat', from)) {
        if (seen.has(to) || !mayEnterService(to)) continue;
        seen.add(to);
        next.push(to);
      }
    }
    level = next;
  }
  return found;
}

function kindFromComment(comment: string | undefined): { name?: string; kind?: EntryKind } {
  if (!comment) return {};
  const space = comment.indexOf(' ');
  if (space < 0) return { name: comment };
  return { name: comment.slice(0, space), kind: commentKind(comment, space) };
}

interface Builder {
  /** The hashes of the service chains its entry points lead to, in the order met. */
  readonly hashes: string[];
  /** The nat chains of each hash in `hashes`, at the same index. */
  readonly hashChains: HashChains[];
  /** The chain an entry point jumps to when that chain leads to no service chain: the service's name. */
  readonly ownChain: string | undefined;
  name: string | undefined;
  protocol: ServiceProtocol;
  readonly entries: Map<string, EntryPoint>;
  /** An entry point leads to a KUBE-XLB chain first; a cluster IP to a KUBE-SVL chain first. */
  xlb: boolean;
  clusterSvl: boolean;
  readonly noEndpoints: KubeService['noEndpoints'][number][];
}

// Written out field by field: a spread of optional fields took V8's slow path for every service and entry point.
const builder = (name: string | undefined, protocol: ServiceProtocol, ownChain: string | undefined): Builder => ({
  hashes: [],
  hashChains: [],
  ownChain,
  name,
  protocol,
  entries: new Map(),
  xlb: false,
  clusterSvl: false,
  noEndpoints: [],
});

function addEntry(b: Builder, e: EntryPoint): void {
  const key = `${e.kind} ${e.ip ?? '*'} ${e.port}`;
  if (!b.entries.has(key)) b.entries.set(key, e);
}

/**
 * The nat chains a service's hash names (KUBE-SVC/SVL/XLB/EXT-<hash>), found in one pass over the chains'
 * names rather than by a name made and hashed per service and kind. As the chain index, the last chain of a
 * name stands.
 */
interface HashChains {
  SVC?: Chain;
  SVL?: Chain;
  XLB?: Chain;
  EXT?: Chain;
  /** The hash's number as a clue (Clues), from the first entry point that reaches one of its chains. */
  clue?: number;
}

function chainsByHash(ruleset: Ruleset): Map<string, HashChains> {
  const byHash = new Map<string, HashChains>();
  for (const table of ruleset.tables) {
    if (table.name !== 'nat') continue;
    for (const chain of table.chains) {
      const name = chain.name;
      if (name.length < 10 || !name.startsWith('KUBE-') || name.charCodeAt(8) !== 45 /* - */) continue;
      const kind = name.slice(5, 8);
      if (kind !== 'SVC' && kind !== 'SVL' && kind !== 'XLB' && kind !== 'EXT') continue;
      const hash = name.slice(9);
      let chains = byHash.get(hash);
      if (!chains) byHash.set(hash, (chains = {}));
      chains[kind] = chain;
    }
  }
  return byHash;
}

const affinityOf = (chains: HashChains): number | null =>
  affinityIn(chains.SVC) ?? affinityIn(chains.SVL) ?? affinityIn(chains.XLB);

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
  /** The hashes of `reached`, at the same index: their chains and clue numbers. */
  readonly hashes: readonly HashChains[];
  /**
   * The numbers of the clues the entry is known by (Clues): the hashes of the service chains it reaches (else its
   * chain), and its comment's name. Found once: the joining and the grouping below both read them.
   */
  readonly keys: readonly number[];
}

/** A number for each clue that joins entry points: a hash, an entry's own chain, a comment's name and protocol. */
class Clues {
  readonly sets = new UnionFind();
  private readonly chains = new Map<string, number>();
  private readonly names: Record<ServiceProtocol, Map<string, number>> = {
    tcp: new Map(),
    udp: new Map(),
    sctp: new Map(),
  };

  private of(map: Map<string, number>, key: string): number {
    let id = map.get(key);
    if (id === undefined) map.set(key, (id = this.sets.add()));
    return id;
  }

  /** The hashes are `byHash`'s keys: a hash's chains and its number are found by one lookup of its text. */
  constructor(private readonly byHash: Map<string, HashChains>) {}

  /** A hash's chains (none when the dump declares none), numbered as a clue when first met. */
  hash(hash: string): HashChains {
    let chains = this.byHash.get(hash);
    if (!chains) this.byHash.set(hash, (chains = {}));
    chains.clue ??= this.sets.add();
    return chains;
  }

  chain = (chain: string) => this.of(this.chains, chain);
  name = (name: string, protocol: ServiceProtocol) => this.of(this.names[protocol], name);
}

function natEntries(index: ChainIndex, chain: string, nodePorts: boolean, clues: Clues): NatEntry[] {
  const out: NatEntry[] = [];
  for (const rule of index.chain('nat', chain)?.rules ?? []) {
    const target = rule.target?.kind === 'jump' && mayEnterService(rule.target.chain) ? rule.target.chain : undefined;
    const protocol = protocolOf(rule);
    const port = dportOf(rule);
    if (target === undefined || !protocol || port === undefined) continue;
    const ip = nodePorts ? null : destinationOf(rule);
    if (ip === undefined) continue;
    const reached = serviceChainsReached(index, target);
    const comment = kindFromComment(commentOf(rule));
    const hashes = reached.map((m) => clues.hash(m[2]!));
    const keys = hashes.length ? hashes.map((h) => h.clue!) : [clues.chain(target)];
    if (comment.name) keys.push(clues.name(comment.name, protocol));
    out.push({ rule, chain: target, nodePorts, protocol, port, ip, reached, hashes, comment, keys });
  }
  return out;
}

export function referenceKubeServices(ruleset: Ruleset): KubeService[] {
  const index = chainIndexOf(ruleset);
  const byHash = chainsByHash(ruleset);
  const clues = new Clues(byHash);
  const entries = [
    ...natEntries(index, KUBE_SERVICES, false, clues),
    ...natEntries(index, KUBE_NODEPORTS, true, clues),
  ];
  const joined = clues.sets;
  for (const e of entries) {
    const first = e.keys[0]!;
    for (let k = 1; k < e.keys.length; k++) joined.union(first, e.keys[k]!);
  }

  const byRoot = new Map<number, Builder>();
  const byName = new Map<string, Builder>();
  for (const e of entries) {
    const root = joined.find(e.keys[0]!);
    let b = byRoot.get(root);
    if (!b) byRoot.set(root, (b = builder(undefined, e.protocol, e.reached.length ? undefined : e.chain)));
    for (let k = 0; k < e.reached.length; k++) {
      const chains = e.hashes[k]!;
      if (b.hashChains.includes(chains)) continue;
      b.hashes.push(e.reached[k]![2]!);
      b.hashChains.push(chains);
    }
    const { name, kind } = e.comment;
    if (name) b.name = name;
    // A chain of another name is taken for the kind of the first service chain it leads to.
    const type = e.reached[0]?.[1];
    const kindByChain: EntryKind =
      type === 'SVC' || type === 'SVL' ? 'clusterIP' : type === 'FW' ? 'loadBalancer' : 'external';
    const entryKind = e.nodePorts ? 'nodePort' : (kind ?? kindByChain);
    const ranges = type === 'FW' ? sourceRangesOf(index, e.reached[0]![0]) : undefined;
    addEntry(b, entryPoint(entryKind, e.ip, e.port, e.rule.location, ranges));
    if (type === 'XLB') b.xlb = true;
    else if (type === 'SVL' && entryKind === 'clusterIP') b.clusterSvl = true;
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
      if (!b) byName.set(key, (b = builder(statement[1]!, protocol, undefined)));
      const ip = destinationOf(rule);
      if (health) {
        addEntry(b, entryPoint('healthCheckNodePort', null, port, rule.location));
        continue;
      }
      const local = statement[2] === 'has no local endpoints';
      if (ip === undefined && dstLocal(rule)) {
        addEntry(b, entryPoint('nodePort', null, port, rule.location));
        b.noEndpoints.push({ local, kind: 'nodePort', evidence: rule.location });
      } else if (ip !== undefined) {
        const known = [...b.entries.values()].find((e) => e.ip === ip && e.port === port);
        const kind = known?.kind ?? (chain === KUBE_SERVICES ? 'clusterIP' : 'external');
        if (!known) addEntry(b, entryPoint(kind, ip, port, rule.location));
        b.noEndpoints.push({ local, kind, evidence: rule.location });
      }
    }
  }

  const builders = new Set([...byRoot.values(), ...byName.values()]);
  return [...builders].map((b) => serviceOf(b, ruleset, index));
}

/** The name of a service without comments: its KUBE-SVC chain (one the dump has, when its chains carry several hashes). */
function chainNameOf(b: Builder): string {
  if (b.hashes.length === 0) return b.ownChain!;
  const at = b.hashChains.findIndex((chains) => chains.SVC);
  return serviceChainName('SVC', b.hashes[at < 0 ? 0 : at]!);
}

function affinityOfAll(b: Builder): number | null {
  for (const chains of b.hashChains) {
    const seconds = affinityOf(chains);
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
    b.xlb ||
    b.hashChains.some((chains) => jumpsTo(index, chains.EXT, LOCAL_ENDPOINTS)) ||
    localStatement((k) => k !== 'clusterIP');
  const internalLocal = b.clusterSvl || localStatement((k) => k === 'clusterIP');
  const externalTrafficPolicy: TrafficPolicy | null = external ? (externalLocal ? 'Local' : 'Cluster') : null;
  return {
    name: b.name ?? chainNameOf(b),
    named: b.name !== undefined,
    family: ruleset.family,
    protocol: b.protocol,
    proxyMode: 'iptables',
    entryPoints,
    affinitySeconds: affinityOfAll(b),
    stickyClients: [],
    externalTrafficPolicy,
    internalTrafficPolicy: internalLocal ? 'Local' : 'Cluster',
    noEndpoints: b.noEndpoints,
  };
}
