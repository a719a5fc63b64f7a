/**
 * Services from kube-proxy's iptables-mode rules (kube-proxy-tracer.md §1, §4). Entry points are the
 * rules in nat KUBE-SERVICES / KUBE-NODEPORTS that jump to a service's chains (KUBE-SVC/SVL/EXT/FW, and
 * the older KUBE-XLB). Entry points are joined into services by three clues, any one enough: the hash
 * a service's chains share (which groups them when comments are gone: large-cluster mode drops some),
 * the jumps from one to the other (hand-edited rules and other generators break the naming), and the
 * `ns/svc:port` comment. An entry whose chain leads to no service chain is a service of its own, named
 * after that chain, rather than dropped. Services without endpoints exist only as filter rules whose
 * comment says so. Where traffic then goes is the walk's business, not this file's. The helpers that read one rule
 * or chain are exported for the construction before this one, which test/graph/ keeps as this one's reference.
 */
import type { CommentMatch } from '../model/match';
import { NONE } from '../model/none';
import type { Chain, Rule, Ruleset } from '../model/ruleset';
import { isUnknownAddress } from '../model/values';
import { type ChainIndex, chainIndexOf } from './chain-index';
import { mayEnterService, serviceChainHash, serviceChainKind, serviceChainsReached } from './service-chains';
import type { EntryKind, EntryPoint, KubeService, ServiceProtocol, TrafficPolicy } from './service-model';
import { UnionFind } from './union-find';
import {
  KUBE_EXTERNAL_SERVICES,
  KUBE_NODEPORTS,
  KUBE_SERVICES,
  SERVICE_CHAIN,
  type ServiceChainKind,
  serviceChainName,
} from '../model/kube-proxy-chains';

const PROTOCOLS = new Set<string>(['tcp', 'udp', 'sctp']);
/** What follows the name in an entry rule's comment, and the entry's kind it says. */
const COMMENT_TEXTS = ['cluster IP', 'external IP', 'loadbalancer IP'] as const;
const COMMENT_KINDS: readonly EntryKind[] = ['clusterIP', 'externalIP', 'loadBalancer'];
export const FILTER_STATEMENT = /^(\S+) (has no endpoints|has no local endpoints|health check node port)$/;

/*
 * The loops below over a rule's matches, a service's entries and the like are indexed rather than `for…of`: the
 * model is read once per run, mostly by code not yet optimised, where each `for…of` makes an iterator and an
 * object per step (6 MB of the 10,000-service dump's 37 MB).
 */

export function commentOf(rule: Rule): string | undefined {
  const matches = rule.matches;
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i]!;
    if (m.module === 'comment') return (m as CommentMatch).comment;
  }
  return undefined;
}

export function protocolOf(rule: Rule): ServiceProtocol | undefined {
  const p = rule.protocol;
  return p && !p.negated && PROTOCOLS.has(p.value) ? (p.value as ServiceProtocol) : undefined;
}

export function dportOf(rule: Rule): number | undefined {
  const matches = rule.matches;
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i]!;
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

export function destinationOf(rule: Rule): string | undefined {
  const d = rule.destination;
  const full = d?.value.family === 'ipv4' ? 32 : 128;
  if (!d || d.negated || d.value.prefix !== full) return undefined;
  // A masked address (`-d x.x.x.x/32`) is still an entry point: named as pasted, never walked.
  if (isUnknownAddress(d.value)) return d.value.unknown.replace(/\/\d+$/, '');
  return d.value.mask ? undefined : d.value.address;
}

export const dstLocal = (rule: Rule) =>
  rule.matches.some(
    (m) => m.module === 'addrtype' && m.dstType && !m.dstType.negated && m.dstType.value.includes('LOCAL'),
  );

/** The entry's kind an entry rule's comment names after its first space (`ns/svc:port cluster IP`). */
export function commentKind(comment: string, space: number): EntryKind | undefined {
  const length = comment.length - space - 1;
  for (let i = 0; i < COMMENT_TEXTS.length; i++) {
    const text = COMMENT_TEXTS[i]!;
    if (length === text.length && comment.startsWith(text, space + 1)) return COMMENT_KINDS[i];
  }
  return undefined;
}

type NoEndpoints = KubeService['noEndpoints'][number];

interface Builder {
  /** The nat chains of the hashes of the service chains its entry points lead to, in the order met. */
  hashChains: HashChains[];
  /** The chain an entry point jumps to when that chain leads to no service chain: the service's name. */
  readonly ownChain: string | undefined;
  name: string | undefined;
  protocol: ServiceProtocol;
  /** Its entry points, each (kind, address, port) once; `keys` indexes them when there are many. */
  entries: EntryPoint[];
  keys: Set<string> | undefined;
  /** An entry point leads to a KUBE-XLB chain first; a cluster IP to a KUBE-SVL chain first. */
  xlb: boolean;
  clusterSvl: boolean;
  /** Made at the first statement: most services have none. */
  noEndpoints: NoEndpoints[] | undefined;
}

// Written out field by field: a spread of optional fields took V8's slow path for every service and entry point.
const builder = (name: string | undefined, protocol: ServiceProtocol, ownChain: string | undefined): Builder => ({
  hashChains: [],
  ownChain,
  name,
  protocol,
  entries: [],
  keys: undefined,
  xlb: false,
  clusterSvl: false,
  noEndpoints: undefined,
});

/** A service's entry points are few: compared in place; a Set of keys takes over past this many. */
const ENTRIES_COMPARED = 8;
const entryKey = (e: EntryPoint) => `${e.kind} ${e.ip ?? '*'} ${e.port}`;

function addEntry(b: Builder, e: EntryPoint): void {
  const entries = b.entries;
  // A first element as a literal of one: a first push would make room for 17 (most services have one or two).
  if (entries.length === 0) {
    b.entries = [e];
    return;
  }
  if (entries.length < ENTRIES_COMPARED) {
    const ip = e.ip ?? '*';
    for (let i = 0; i < entries.length; i++) {
      const x = entries[i]!;
      if (x.kind === e.kind && x.port === e.port && (x.ip ?? '*') === ip) return;
    }
  } else {
    const keys = (b.keys ??= new Set(entries.map(entryKey)));
    const key = entryKey(e);
    if (keys.has(key)) return;
    keys.add(key);
  }
  entries.push(e);
}

function addNoEndpoints(b: Builder, n: NoEndpoints): void {
  if (b.noEndpoints) b.noEndpoints.push(n);
  else b.noEndpoints = [n];
}

export const entryPoint = (
  kind: EntryKind,
  ip: string | null,
  port: number,
  evidence: EntryPoint['evidence'],
  sourceRanges?: readonly string[],
): EntryPoint => (sourceRanges ? { kind, ip, port, evidence, sourceRanges } : { kind, ip, port, evidence });

/**
 * The nat chains a service's hash names (KUBE-SVC/SVL/XLB/EXT-<hash>), found in one pass over the chains'
 * names rather than by a name made and hashed per service and kind. As the chain index, the last chain of a
 * name stands.
 */
interface HashChains {
  readonly hash: string;
  SVC: Chain | undefined;
  SVL: Chain | undefined;
  XLB: Chain | undefined;
  EXT: Chain | undefined;
  /** The hash's number as a clue (Clues), from the first entry point that reaches one of its chains; -1 before. */
  clue: number;
}

const hashChains = (hash: string): HashChains => ({
  hash,
  SVC: undefined,
  SVL: undefined,
  XLB: undefined,
  EXT: undefined,
  clue: -1,
});

/** The kind a hash's chain is kept under: read from the name's characters, without a string per chain. */
function hashedKind(name: string): 'SVC' | 'SVL' | 'XLB' | 'EXT' | undefined {
  if (name.length < 10 || !name.startsWith('KUBE-') || name.charCodeAt(8) !== 45 /* - */) return undefined;
  if (name.startsWith('SVC', 5)) return 'SVC';
  if (name.startsWith('SVL', 5)) return 'SVL';
  if (name.startsWith('XLB', 5)) return 'XLB';
  if (name.startsWith('EXT', 5)) return 'EXT';
  return undefined;
}

function chainsByHash(ruleset: Ruleset): Map<string, HashChains> {
  const byHash = new Map<string, HashChains>();
  for (const table of ruleset.tables) {
    if (table.name !== 'nat') continue;
    const chains = table.chains;
    for (let i = 0; i < chains.length; i++) {
      const chain = chains[i]!;
      const kind = hashedKind(chain.name);
      if (!kind) continue;
      const hash = chain.name.slice(9);
      let named = byHash.get(hash);
      if (!named) byHash.set(hash, (named = hashChains(hash)));
      named[kind] = chain;
    }
  }
  return byHash;
}

/** Source ranges a KUBE-FW chain lets through to the service; absent when it lets everyone through. */
export function sourceRangesOf(index: ChainIndex, fwChain: string): string[] | undefined {
  const rules = index.chain('nat', fwChain)?.rules ?? [];
  const ranges = rules
    .filter((r) => r.target?.kind === 'jump' && SERVICE_CHAIN.test(r.target.chain) && r.source && !r.source.negated)
    .map((r) => {
      const s = r.source!.value;
      return isUnknownAddress(s) ? s.unknown : `${s.address}/${s.prefix}`;
    });
  return ranges.length ? ranges : undefined;
}

export const jumpsTo = (index: ChainIndex, from: Chain | undefined, prefix: string): boolean =>
  from !== undefined && index.jumpsFrom('nat', from).some((to) => to.name.startsWith(prefix));

export function affinityIn(chain: Chain | undefined): number | null {
  if (!chain) return null;
  const rules = chain.rules;
  for (let r = 0; r < rules.length; r++) {
    const matches = rules[r]!.matches;
    for (let i = 0; i < matches.length; i++) {
      const m = matches[i]!;
      if (m.module === 'recent' && m.mode?.value === 'rcheck' && m.seconds !== undefined) return m.seconds;
    }
  }
  return null;
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
  /** The nearest service chain reached from the jump (kube-services' own naming: SVC, SVL, EXT, FW, XLB). */
  readonly first: ServiceChainKind | undefined;
  readonly firstName: string | undefined;
  /** The hashes of the service chains reached, nearest first: their chains and clue numbers. */
  readonly hashes: readonly HashChains[];
  /** What the rule's comment says: the service's name and the entry's kind. */
  readonly name: string | undefined;
  readonly kind: EntryKind | undefined;
  /** A clue the entry is known by (Clues); its other clues are joined to it as the entry is read. */
  readonly clue: number;
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
    if (!chains) this.byHash.set(hash, (chains = hashChains(hash)));
    if (chains.clue < 0) chains.clue = this.sets.add();
    return chains;
  }

  chain = (chain: string) => this.of(this.chains, chain);
  name = (name: string, protocol: ServiceProtocol) => this.of(this.names[protocol], name);
}

const NO_RULES: readonly Rule[] = [];

function natEntries(index: ChainIndex, chain: string, nodePorts: boolean, clues: Clues, out: NatEntry[]): void {
  const rules = index.chain('nat', chain)?.rules ?? NO_RULES;
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r]!;
    const target = rule.target?.kind === 'jump' && mayEnterService(rule.target.chain) ? rule.target.chain : undefined;
    const protocol = protocolOf(rule);
    const port = dportOf(rule);
    if (target === undefined || !protocol || port === undefined) continue;
    const ip = nodePorts ? null : destinationOf(rule);
    if (ip === undefined) continue;
    // A cluster IP's KUBE-SVC/SVL chain is where the search for service chains stops: it alone is reached.
    const own = serviceChainKind(target);
    let first: ServiceChainKind | undefined;
    let firstName: string | undefined;
    let hashes: HashChains[];
    if (own === 'SVC' || own === 'SVL') {
      first = own;
      firstName = target;
      hashes = [clues.hash(serviceChainHash(target, own))];
    } else {
      const reached = serviceChainsReached(index, target);
      hashes = [];
      for (let i = 0; i < reached.length; i++) {
        const name = reached[i]!;
        const kind = serviceChainKind(name)!;
        if (first === undefined) {
          first = kind;
          firstName = name;
        }
        hashes.push(clues.hash(serviceChainHash(name, kind)));
      }
    }
    const comment = commentOf(rule);
    const space = comment ? comment.indexOf(' ') : -1;
    const name = !comment ? undefined : space < 0 ? comment : comment.slice(0, space);
    const kind = space < 0 ? undefined : commentKind(comment!, space);
    const clue = hashes.length ? hashes[0]!.clue : clues.chain(target);
    for (let k = 1; k < hashes.length; k++) clues.sets.union(clue, hashes[k]!.clue);
    if (name) clues.sets.union(clue, clues.name(name, protocol));
    out.push({ rule, chain: target, nodePorts, protocol, port, ip, first, firstName, hashes, name, kind, clue });
  }
}

/**
 * Builders by name and protocol. A name has no space (a comment's text before its first one), so a tcp service is
 * keyed by its name alone and others by name and protocol: no key string made for most services.
 */
const nameKey = (name: string, protocol: ServiceProtocol) => (protocol === 'tcp' ? name : `${name} ${protocol}`);

export function kubeServices(ruleset: Ruleset): KubeService[] {
  const index = chainIndexOf(ruleset);
  const clues = new Clues(chainsByHash(ruleset));
  const entries: NatEntry[] = [];
  natEntries(index, KUBE_SERVICES, false, clues, entries);
  natEntries(index, KUBE_NODEPORTS, true, clues, entries);
  const joined = clues.sets;

  const byRoot: (Builder | undefined)[] = [];
  const builders: Builder[] = [];
  const byName = new Map<string, Builder>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const root = joined.find(e.clue);
    let b = byRoot[root];
    if (!b) builders.push((byRoot[root] = b = builder(undefined, e.protocol, e.first ? undefined : e.chain)));
    for (let k = 0; k < e.hashes.length; k++) {
      const chains = e.hashes[k]!;
      if (b.hashChains.length === 0) b.hashChains = [chains];
      else if (!b.hashChains.includes(chains)) b.hashChains.push(chains);
    }
    if (e.name) b.name = e.name;
    // A chain of another name is taken for the kind of the first service chain it leads to.
    const type = e.first;
    const kindByChain: EntryKind =
      type === 'SVC' || type === 'SVL' ? 'clusterIP' : type === 'FW' ? 'loadBalancer' : 'external';
    const entryKind = e.nodePorts ? 'nodePort' : (e.kind ?? kindByChain);
    const ranges = type === 'FW' ? sourceRangesOf(index, e.firstName!) : undefined;
    addEntry(b, entryPoint(entryKind, e.ip, e.port, e.rule.location, ranges));
    if (type === 'XLB') b.xlb = true;
    else if (type === 'SVL' && entryKind === 'clusterIP') b.clusterSvl = true;
  }
  for (let i = 0; i < builders.length; i++) {
    const b = builders[i]!;
    if (b.name) byName.set(nameKey(b.name, b.protocol), b);
  }

  // Filter rules carry the services kube-proxy could not program in nat: no endpoints, or none local.
  for (const chain of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_NODEPORTS]) {
    for (const rule of index.chain('filter', chain)?.rules ?? []) {
      const statement = FILTER_STATEMENT.exec(commentOf(rule) ?? '');
      const protocol = protocolOf(rule);
      const port = dportOf(rule);
      if (!statement || !protocol || port === undefined) continue;
      // A health-check port is tcp whatever the service's protocol: it belongs to the service of that name.
      const health = statement[2] === 'health check node port';
      const key = nameKey(statement[1]!, protocol);
      let b = byName.get(key) ?? (health ? [...byName.values()].find((x) => x.name === statement[1]) : undefined);
      if (!b) {
        byName.set(key, (b = builder(statement[1]!, protocol, undefined)));
        builders.push(b);
      }
      const ip = destinationOf(rule);
      if (health) {
        addEntry(b, entryPoint('healthCheckNodePort', null, port, rule.location));
        continue;
      }
      const local = statement[2] === 'has no local endpoints';
      if (ip === undefined && dstLocal(rule)) {
        addEntry(b, entryPoint('nodePort', null, port, rule.location));
        addNoEndpoints(b, { local, kind: 'nodePort', evidence: rule.location });
      } else if (ip !== undefined) {
        const known = b.entries.find((e) => e.ip === ip && e.port === port);
        const kind = known?.kind ?? (chain === KUBE_SERVICES ? 'clusterIP' : 'external');
        if (!known) addEntry(b, entryPoint(kind, ip, port, rule.location));
        addNoEndpoints(b, { local, kind, evidence: rule.location });
      }
    }
  }
  const services: KubeService[] = new Array(builders.length);
  for (let i = 0; i < builders.length; i++) services[i] = serviceOf(builders[i]!, ruleset, index);
  return services;
}

/** The name of a service without comments: its KUBE-SVC chain (one the dump has, when its chains carry several hashes). */
function chainNameOf(b: Builder): string {
  if (b.hashChains.length === 0) return b.ownChain!;
  const at = b.hashChains.findIndex((chains) => chains.SVC);
  return serviceChainName('SVC', b.hashChains[at < 0 ? 0 : at]!.hash);
}

function affinityOfAll(b: Builder): number | null {
  for (let i = 0; i < b.hashChains.length; i++) {
    const seconds = affinityOf(b.hashChains[i]!);
    if (seconds !== null) return seconds;
  }
  return null;
}

/** Whether the service's external traffic policy is Local, by its entry points, chains and statements. */
function externalLocal(b: Builder, index: ChainIndex): boolean {
  if (b.xlb) return true;
  for (let i = 0; i < b.entries.length; i++) if (b.entries[i]!.kind === 'healthCheckNodePort') return true;
  for (let i = 0; i < b.hashChains.length; i++) if (jumpsTo(index, b.hashChains[i]!.EXT, LOCAL_ENDPOINTS)) return true;
  const statements = b.noEndpoints ?? NONE;
  for (let i = 0; i < statements.length; i++)
    if (statements[i]!.local && statements[i]!.kind !== 'clusterIP') return true;
  return false;
}

function internalLocal(b: Builder): boolean {
  if (b.clusterSvl) return true;
  const statements = b.noEndpoints ?? NONE;
  for (let i = 0; i < statements.length; i++)
    if (statements[i]!.local && statements[i]!.kind === 'clusterIP') return true;
  return false;
}

/** What a KUBE-EXT chain jumps to when the service's external traffic policy is Local. */
export const LOCAL_ENDPOINTS = serviceChainName('SVL', '');
function serviceOf(b: Builder, ruleset: Ruleset, index: ChainIndex): KubeService {
  let external = false;
  for (let i = 0; i < b.entries.length && !external; i++) external = b.entries[i]!.kind !== 'clusterIP';
  const externalTrafficPolicy: TrafficPolicy | null = external ? (externalLocal(b, index) ? 'Local' : 'Cluster') : null;
  return {
    name: b.name ?? chainNameOf(b),
    named: b.name !== undefined,
    family: ruleset.family,
    protocol: b.protocol,
    proxyMode: 'iptables',
    // Copied to their length: an array grown by push keeps room for 17, and these live as long as the run. One
    // element is the literal addEntry made, of its length already.
    entryPoints: b.entries.length === 1 ? b.entries : b.entries.slice(),
    affinitySeconds: affinityOfAll(b),
    stickyClients: NONE,
    externalTrafficPolicy,
    internalTrafficPolicy: internalLocal(b) ? 'Local' : 'Cluster',
    noEndpoints: !b.noEndpoints ? NONE : b.noEndpoints.length === 1 ? b.noEndpoints : b.noEndpoints.slice(),
  };
}
