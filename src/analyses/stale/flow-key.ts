/**
 * Which conntrack entries the walk can answer once for all: two original tuples that no rule able to
 * change the DNAT choice tells apart get the same choices. Those rules are in the chains raw, mangle and
 * nat reach from PREROUTING and OUTPUT; a rule there that only sets a mark no rule there tests (kube-proxy's
 * `-s POD/32 -j KUBE-MARK-MASQ` hairpin rules, one per endpoint) cannot change it either. The key holds the
 * protocol, the destination port and, of each address, only what the remaining rules test: the hosts,
 * prefixes and ranges they name, its address type; the interface the packet arrives on, its source port
 * when a rule tests source ports. A rule that tests an address in a way not listed here makes the whole
 * address part of the key, and so does a rewrite relative to the destination (DNAT to a port only, NETMAP).
 */
import { type ChainIndex, chainIndexOf } from '../../graph/chain-index';
import type { Match, Opt } from '../../model/match';
import type { Chain, Rule, Ruleset, TableName } from '../../model/ruleset';
import { type RuleAddress, isUnknownAddress } from '../../model/values';
import {
  ADDRESS_BITS,
  type Ip,
  type Prefix,
  inPrefix,
  inRange,
  isHostPrefix,
  parseIp,
  prefixMask,
  prefixOfMask,
} from '../../model/address';
import {
  type AddressTest,
  type FlowTests,
  type Guard,
  IPV6_KIND_PREFIXES,
  type NodeNetwork,
  flowTestsOf,
  nftGuards,
  nftMarks,
  nftRangeSpan,
} from '../trace/index';
import type { Edges, Span } from './address-classes';
import type { AddressRange, Family } from '../../model/values';

/** The tables and hooks that run before or at destination NAT and so can change where a new connection goes. */
const NAT_DECIDING: readonly TableName[] = ['raw', 'mangle', 'nat'];
const NAT_HOOKS = ['PREROUTING', 'OUTPUT'];
const MARK_TARGETS = new Set(['MARK', 'CONNMARK']);
const NO_EFFECT_TARGETS = new Set(['LOG', 'NFLOG', 'TRACE']);

/** What the rules test about one address of the tuple. */
class AddressTests {
  readonly hosts = new Set<bigint>();
  readonly prefixes = new Map<string, Prefix>();
  readonly ranges = new Map<string, { from: Ip; to: Ip }>();
  addrtype = false;
  whole = false;

  prefix(opt: Opt<RuleAddress> | undefined): void {
    if (!opt) return;
    // A masked address may be any: each address is its own class.
    if (isUnknownAddress(opt.value)) {
      this.whole = true;
      return;
    }
    const prefix = prefixOfMask(opt.value);
    if (isHostPrefix(prefix)) this.hosts.add(prefix.network);
    else this.prefixes.set(`${prefix.network}/${prefix.length}`, prefix);
  }

  range(opt: Opt<AddressRange> | undefined): void {
    if (!opt) return;
    const [from, to] = rangeIps(opt.value);
    if (from && to && from.value === to.value) this.hosts.add(from.value);
    else if (from && to) this.ranges.set(`${from.family} ${from.value}-${to.value}`, { from, to });
    else this.whole = true;
  }

  /**
   * Every host, prefix and range of `family` the class depends on, as spans; undefined where the class is the
   * address itself or a mask is not contiguous (its class is no interval). A host's family is not kept: one
   * of the other family that fits only cuts one piece more.
   */
  spans(family: Family): Span[] | undefined {
    if (this.whole) return undefined;
    const last = lastAddress(family);
    const out: Span[] = [];
    for (const h of this.hosts) if (h <= last) out.push({ from: h, to: h });
    for (const p of this.prefixes.values()) {
      if (p.family !== family) continue;
      if (p.mask !== prefixMask(p.family, p.length)) return undefined;
      out.push(prefixSpan(p));
    }
    for (const r of this.ranges.values())
      if (r.from.family === family) out.push({ from: r.from.value, to: r.to.value });
    return out;
  }

  /** The address's class: itself where a rule names it or tests it in a way not modelled, else its test results. */
  classifier(network: NodeNetwork): (ip: Ip) => string {
    if (this.whole) return (ip) => ip.value.toString(36);
    const prefixes = [...this.prefixes.values()];
    const ranges = [...this.ranges.values()];
    return (ip) => {
      let c = this.hosts.has(ip.value) ? ip.value.toString(36) : '';
      for (const p of prefixes) c += inPrefix(ip, p) ? '1' : '0';
      for (const r of ranges) c += inRange(ip, r.from, r.to) ? '1' : '0';
      if (this.addrtype) c += [...network.addrTypes(ip)].join(',');
      return c;
    };
  }
}

interface Tests {
  readonly src: AddressTests;
  readonly dst: AddressTests;
  sport: boolean;
  iface: boolean;
  /** The source tests by the destinations whose walk reaches them; undefined when every walk may reach all. */
  scopes?: SourceScopes;
}

/** A range's addresses: nft's element ranges as numbers already, others parsed from their text. */
function rangeIps(r: AddressRange): [Ip | undefined, Ip | undefined] {
  const span = nftRangeSpan(r);
  if (span)
    return [
      { family: r.family, value: span.from },
      { family: r.family, value: span.to },
    ];
  return [parseIp(r.from), parseIp(r.to)];
}

function testKey(test: AddressTest): string {
  if ('whole' in test) return 'w';
  if ('addrtype' in test) return 't';
  if (!test.range) return 'r';
  const [from, to] = rangeIps(test.range.value);
  return `r${from?.family} ${from?.value}-${to?.value}`;
}

/**
 * The source tests of nft rules that only the walks to some destinations reach (nft/flow-tests.ts's guards),
 * and those of the walks to one destination: the rest of the key's source tests never tell that walk's
 * sources apart. A walk reaches a test through vmap elements and rules that test the original destination
 * (a service's address, the node's NodePort addresses), so most destinations reach few of them.
 */
class SourceScopes {
  private readonly always: AddressTest[] = [];
  private readonly guarded: AddressTest[] = [];
  private readonly ids = new Map<string, number>();
  /** Guarded tests by the one destination a guard's span holds, and the spans of more than one. */
  private readonly atHost = new Map<bigint, Set<number>>();
  private readonly inSpan: { readonly from: bigint; readonly to: bigint; readonly id: number }[] = [];
  private readonly scopes = new Map<string, AddressTests>();

  constructor(readonly family: Family) {}

  add(test: AddressTest, guard: Guard): void {
    if (!guard) {
      this.always.push(test);
      return;
    }
    const key = testKey(test);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.guarded.length;
      this.ids.set(key, id);
      this.guarded.push(test);
    }
    for (const span of guard) {
      if (span.from !== span.to) {
        this.inSpan.push({ ...span, id });
        continue;
      }
      let ids = this.atHost.get(span.from);
      if (!ids) this.atHost.set(span.from, (ids = new Set()));
      ids.add(id);
    }
  }

  get empty(): boolean {
    return this.guarded.length === 0;
  }

  /** The tests a walk to `destination` can reach; undefined when that is all of them. */
  of(destination: Ip): AddressTests | undefined {
    if (destination.family !== this.family) return undefined;
    const v = destination.value;
    const active = new Set(this.atHost.get(v));
    for (const s of this.inSpan) if (s.from <= v && v <= s.to) active.add(s.id);
    if (active.size === this.guarded.length) return undefined;
    const key = [...active].sort((a, b) => a - b).join(',');
    let scope = this.scopes.get(key);
    if (!scope) {
      scope = new AddressTests();
      for (const test of this.always) noteAddress(scope, test);
      for (const id of active) noteAddress(scope, this.guarded[id]);
      this.scopes.set(key, scope);
    }
    return scope;
  }
}

function noteAddress(a: AddressTests, test: AddressTest | undefined): void {
  if (test === undefined) return;
  if ('whole' in test) a.whole = true;
  else if ('addrtype' in test) a.addrtype = true;
  else a.range(test.range);
}

function noteMatch(m: Match, t: Tests): void {
  noteTests(flowTestsOf(m), t);
}

function noteTests(tests: FlowTests, t: Tests): void {
  if (tests.sport) t.sport = true;
  if (tests.iface) t.iface = true;
  noteAddress(t.src, tests.src);
  noteAddress(t.dst, tests.dst);
}

function noteRule(r: Rule, t: Tests): void {
  t.src.prefix(r.source);
  t.dst.prefix(r.destination);
  if (r.inInterface) t.iface = true;
  for (const m of r.matches) noteMatch(m, t);
  const target = r.target;
  // A rewrite that keeps part of the destination gives each destination its own result.
  if (
    (target?.kind === 'DNAT' && target.toDestination.some((d) => d.addresses === undefined)) ||
    target?.kind === 'NETMAP'
  )
    t.dst.whole = true;
  // REDIRECT sends to the first address of the interface the packet came in on.
  if (target?.kind === 'REDIRECT') t.iface = true;
}

const lastAddress = (family: Family) => (1n << BigInt(ADDRESS_BITS[family])) - 1n;

/** The addresses of a contiguous prefix. */
export const prefixSpan = (p: Prefix): Span => ({
  from: p.network,
  to: p.network | (~p.mask & lastAddress(p.family)),
});

/**
 * The edges of a flow key's classes (`spans`, of the network's family) with those of the network's answers
 * added: local addresses, routes, address types (IPv6's kinds are ipv6-type.ts's). Undefined with `spans`.
 */
export function withNetwork(network: NodeNetwork, spans: readonly Span[] | undefined): Edges | undefined {
  if (!spans) return undefined;
  const family = network.family;
  const prefixes = [...network.prefixes, ...(family === 'ipv6' ? IPV6_KIND_PREFIXES : [])];
  return { family, spans: [...spans, ...prefixes.filter((p) => p.family === family).map(prefixSpan)] };
}

/** What of a tuple the key holds beyond protocol and destination port (answer-cache.ts builds the key). */
export interface FlowKey {
  /** Of each address, what the rules test of it. */
  sourceClass(ip: Ip): string;
  destinationClass(ip: Ip): string;
  /** The edges of those classes in the network's family (AddressTests.spans); withNetwork adds the network's. */
  readonly sourceSpans: readonly Span[] | undefined;
  readonly destinationSpans: readonly Span[] | undefined;
  /** Rules test the interface a packet comes in on. */
  readonly testsInterface: boolean;
  readonly testsSourcePort: boolean;
  /**
   * The source tests the walk to a destination can reach, as a class of sources like sourceClass's (one
   * object per set of tests); undefined when that is all of sourceClass's. Sources of one class of it, and
   * of one local and arriving interface, get the same answer from walks to that destination.
   */
  sourceScope(destination: Ip): SourceScope | undefined;
}

/** What of a source the rules a walk to some destinations can reach test. */
export interface SourceScope {
  sourceClass(ip: Ip): string;
}

/** A chain of a ruleset, with its table. */
interface TableChain {
  readonly table: TableName;
  readonly chain: Chain;
}

/**
 * The chains a new connection can pass through before its destination is bound: the hooks' chains, then what they
 * reach by jumps, in the order found. Read from the walk's chain index: the rule graph would be built for this alone.
 */
function natDecidingChains(index: ChainIndex): TableChain[] {
  const seen = new Map<Chain, TableName>();
  const stack: Chain[] = [];
  for (const table of NAT_DECIDING)
    for (const hook of NAT_HOOKS) {
      const chain = index.chain(table, hook);
      if (chain && !seen.has(chain)) {
        seen.set(chain, table);
        stack.push(chain);
      }
    }
  for (let chain = stack.pop(); chain !== undefined; chain = stack.pop()) {
    const table = seen.get(chain)!;
    for (const next of index.jumpsFrom(table, chain)) {
      if (seen.has(next)) continue;
      seen.set(next, table);
      stack.push(next);
    }
  }
  return Array.from(seen, ([chain, table]) => ({ table, chain }));
}

const testsMarks = (r: Rule) => r.matches.some((m) => m.module === 'mark' || m.module === 'connmark');

/** Rules whose only effect is a mark: MARK, CONNMARK, or a jump to a chain of nothing else (KUBE-MARK-MASQ). */
function markOnlyRules(chains: readonly TableChain[]): (table: TableName, r: Rule) => boolean {
  // By table, then name: the model's names are looked up as they are, not as a key string made per rule.
  const byName = new Map<TableName, Map<string, Chain>>();
  for (const c of chains) {
    let inTable = byName.get(c.table);
    if (!inTable) byName.set(c.table, (inTable = new Map()));
    inTable.set(c.chain.name, c.chain);
  }
  const known = new Map<TableName, Map<string, boolean>>();
  const rule = (table: TableName, r: Rule): boolean => {
    const t = r.target;
    if (!t || MARK_TARGETS.has(t.kind) || NO_EFFECT_TARGETS.has(t.kind)) return true;
    if (t.kind !== 'jump' || t.goto) return false;
    let inTable = known.get(table);
    if (!inTable) known.set(table, (inTable = new Map()));
    let markOnly = inTable.get(t.chain);
    if (markOnly === undefined) {
      // A loop is no mark-only chain; settled before the chain's rules are looked at.
      inTable.set(t.chain, false);
      const chain = byName.get(table)?.get(t.chain);
      markOnly = chain !== undefined && chain.rules.every((x) => rule(table, x));
      inTable.set(t.chain, markOnly);
    }
    return markOnly;
  };
  return rule;
}

/**
 * What the rules of one ruleset, or one node's nft rules alone, test, found once: stale asks again for the node
 * with other node addresses, and nft's flow tests are one array per ruleset and family (nft/flow-tests.ts).
 */
const testsByRules = new WeakMap<object, Tests>();

function testsOf(rulesets: readonly Ruleset[], nft: readonly FlowTests[], family: Family): Tests {
  const only =
    rulesets.length === 1 && nft.length === 0 ? rulesets[0] : rulesets.length === 0 && nft.length > 0 ? nft : undefined;
  const known = only && testsByRules.get(only);
  if (known) return known;
  const t: Tests = { src: new AddressTests(), dst: new AddressTests(), sport: false, iface: false };
  for (const tests of nft) noteTests(tests, t);
  // iptables rules (NAT in their own tables) and marks they test are not in the nft guards: every test counts.
  const guards = rulesets.length === 0 ? nftGuards(nft) : undefined;
  if (guards) {
    const scopes = new SourceScopes(family);
    nft.forEach((tests, i) => {
      if (tests.src) scopes.add(tests.src, guards[i]);
    });
    if (!scopes.empty) t.scopes = scopes;
  }
  const perRuleset = rulesets.map((r) => natDecidingChains(chainIndexOf(r)));
  const marks = nftMarks(nft);
  const marksTested = marks.tested || perRuleset.some((chains) => chains.some((c) => c.chain.rules.some(testsMarks)));
  if (marksTested) for (const tests of marks.markOnly) noteTests(tests, t);
  for (const chains of perRuleset) {
    const markOnly = markOnlyRules(chains);
    for (const { table, chain } of chains) {
      for (const r of chain.rules) if (marksTested || !markOnly(table, r)) noteRule(r, t);
    }
  }
  if (only) testsByRules.set(only, t);
  return t;
}

/**
 * The key function for one node's iptables rulesets (two when it runs both backends): equal keys, equal walks up
 * to and including DNAT. A mark one backend sets, the other may test, so marks count across both.
 */
/** `nft`: what the node's nft rules that decide a new connection's destination test (Tracer.nftFlowTests). */
export function flowKeyOf(rulesets: readonly Ruleset[], network: NodeNetwork, nft: readonly FlowTests[] = []): FlowKey {
  const t = testsOf(rulesets, nft, network.family);
  const scopes = new Map<AddressTests, SourceScope>();
  const sourceScope = (destination: Ip): SourceScope | undefined => {
    const tests = t.scopes?.of(destination);
    if (!tests) return undefined;
    let scope = scopes.get(tests);
    if (!scope) scopes.set(tests, (scope = { sourceClass: tests.classifier(network) }));
    return scope;
  };
  return {
    sourceScope,
    sourceClass: t.src.classifier(network),
    destinationClass: t.dst.classifier(network),
    sourceSpans: t.src.spans(network.family),
    destinationSpans: t.dst.spans(network.family),
    testsInterface: t.iface,
    testsSourcePort: t.sport,
  };
}
