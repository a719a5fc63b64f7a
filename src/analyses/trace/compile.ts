/**
 * A ruleset made ready to walk: each chain's rules turned into matchers the first time a walk enters
 * the chain, and long chains indexed by destination address. kube-proxy's KUBE-SERVICES has one
 * `-d VIP/32` rule per service port, so a packet only tests the rules for its own destination plus
 * the rules that test no single destination, in chain order. Chains whose rules test no destination
 * but one port each (KUBE-NODEPORTS) are indexed by protocol and port the same way.
 */
import { printRule } from '../../../grammar/iptables-save/print';
import { chainIndexOf } from '../../graph/chain-index';
import { protocolNumber } from '../../model/protocols';
import type { Backend, Chain, Rule, Ruleset, TableName } from '../../model/ruleset';
import type { Target } from '../../model/target';
import type { Family } from '../../model/values';
import { pinnedHost, pinnedPort } from '../pinned';
import { type Matcher, type MatchContext, SharedMatchers, ruleMatchers } from './match/index';
import type { Packet } from './packet';
import type { NftCompiledRule } from './nft/rule';
import type { RuleStep } from './path';

/** A chain of either rule language, as the walker runs it. */
export interface CompiledChain {
  /** The table as messages name it: `nat`, `ip kube-proxy`. */
  readonly table: string;
  readonly name: string;
  /** The dump ends inside this chain. */
  readonly cut: boolean;
  readonly rules: readonly WalkRule[];
  /** Indexes of the rules that can match this packet, ascending, starting at `from`. */
  candidates(p: Packet, from: number): readonly number[];
}

export type WalkRule = CompiledRule | NftCompiledRule;

/** An iptables chain: its table and, when the node runs both backends, whose it is. */
export interface IptablesChain extends CompiledChain {
  readonly table: TableName;
  /** Set when the node runs both backends: the steps in this chain then say whose it is. */
  readonly backend: Backend | undefined;
  readonly chain: Chain;
  readonly rules: readonly CompiledRule[];
}

/** Below this many rules a plain scan is as fast as the index. */
const INDEX_FROM = 64;

/** KUBE-NODEPORTS-like chains test no destination but one protocol and port per rule. */
function destinationPort(rule: Rule): number | undefined {
  const p = pinnedPort(rule);
  return p && protocolNumber(p.module)! * 65536 + p.port;
}

function mergeFrom(lists: readonly (readonly number[])[], from: number): number[] {
  const out: number[] = [];
  const at = lists.map((l) => lowerBound(l, from));
  for (;;) {
    let best = -1;
    for (let k = 0; k < lists.length; k++) {
      const v = lists[k]![at[k]!];
      if (v !== undefined && (best < 0 || v < lists[best]![at[best]!]!)) best = k;
    }
    if (best < 0) return out;
    out.push(lists[best]![at[best]!++]!);
  }
}

function lowerBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function targetName(t: Target | undefined): string | undefined {
  if (!t) return undefined;
  if (t.kind === 'jump') return t.chain;
  return t.kind === 'opaque' ? t.name : t.kind;
}

function ruleStep(place: ScannedChain, rule: Rule): RuleStep {
  const { table, chain, backend } = place;
  const target = rule.target;
  const name = targetName(target);
  return {
    table,
    chain: chain.name,
    rule: rule.index,
    ...(name ? { target: name } : {}),
    ...(target?.kind === 'jump' ? { jump: target.goto ? ('goto' as const) : ('jump' as const) } : {}),
    text: place.ruleset.stepText ? printRule(chain, rule, place.ruleset.family) : '',
    ...(backend ? { backend } : {}),
  };
}

type ChainOf = (table: TableName, name: string) => IptablesChain | undefined;

/** What every chain of a compiled ruleset shares. */
interface RulesetPlace {
  readonly family: Family;
  readonly chainOf: ChainOf;
  /** Whether steps carry the rule's text (see `compileRuleset`). */
  readonly stepText: boolean;
}

/** A rule ready to walk. A class, not closures: a 10,000-service ruleset has 88,000 of these alive at once. */
export class CompiledRule {
  /** `rule.target`, read here: rules come in many shapes, and the walk reads this for every rule that matches. */
  readonly target: Target | undefined;
  private made: RuleStep | undefined;
  readonly kind = 'iptables';
  private entered: IptablesChain | null | undefined;

  constructor(
    readonly rule: Rule,
    readonly matchers: readonly Matcher[],
    private readonly place: ScannedChain,
  ) {
    this.target = rule.target;
  }

  /** The step TRACE records when the rule matches; made on the first match and shared by every path after. */
  step(): RuleStep {
    return (this.made ??= ruleStep(this.place, this.rule));
  }

  /** The chain a `-j`/`-g` target enters, looked up on the first jump; undefined when the dump lacks it. */
  jumpChain(): IptablesChain | undefined {
    if (this.entered === undefined)
      this.entered =
        (this.target?.kind === 'jump' ? this.place.ruleset.chainOf(this.place.table, this.target.chain) : undefined) ??
        null;
    return this.entered ?? undefined;
  }
}

/** Indexes 0 to n-1, one array per length and never written to: most chains are scanned whole from their first rule. */
const everyIndex: (readonly number[])[] = [];
const indexesTo = (n: number) => (everyIndex[n] ??= Array.from({ length: n }, (_, i) => i));

/** A chain scanned rule by rule; it is also the place its rules' steps name. */
class ScannedChain implements IptablesChain {
  readonly name: string;
  readonly cut: boolean;
  readonly rules: readonly CompiledRule[];

  constructor(
    readonly table: TableName,
    readonly chain: Chain,
    readonly backend: Backend | undefined,
    readonly ruleset: RulesetPlace,
    ctx: MatchContext,
    shared: SharedMatchers,
  ) {
    this.name = chain.name;
    this.cut = chain.cut ?? false;
    const family = ruleset.family;
    this.rules = chain.rules.map(
      (rule) =>
        new CompiledRule(
          rule,
          ruleMatchers(rule, ctx, family, `${table} ${chain.name} rule ${rule.index}`, shared),
          this,
        ),
    );
  }

  candidates(_p: Packet, from: number): readonly number[] {
    const all = indexesTo(this.rules.length);
    return from === 0 ? all : all.slice(from);
  }
}

const NONE: readonly number[] = [];

/** A long chain, indexed by the one destination host, else the one protocol and port, each rule tests. */
class IndexedChain extends ScannedChain {
  private readonly byDestination = new Map<bigint, number[]>();
  private readonly byPort = new Map<number, number[]>();
  private readonly rest: number[] = [];

  constructor(
    table: TableName,
    chain: Chain,
    backend: Backend | undefined,
    ruleset: RulesetPlace,
    ctx: MatchContext,
    shared: SharedMatchers,
  ) {
    super(table, chain, backend, ruleset, ctx, shared);
    const file = <K>(map: Map<K, number[]>, key: K, i: number) => {
      const list = map.get(key);
      if (list) list.push(i);
      else map.set(key, [i]);
    };
    this.rules.forEach((r, i) => {
      const host = pinnedHost(r.rule.destination);
      const port = host === undefined ? destinationPort(r.rule) : undefined;
      if (host !== undefined) file(this.byDestination, host, i);
      else if (port !== undefined) file(this.byPort, port, i);
      else this.rest.push(i);
    });
  }

  override candidates(p: Packet, from: number): readonly number[] {
    // A masked destination may be any host's: every rule is a candidate.
    if (p.dst.unknown) return indexesTo(this.rules.length).slice(from);
    return mergeFrom(
      [
        this.byDestination.get(p.dst.value) ?? NONE,
        p.dport === undefined ? NONE : (this.byPort.get(p.protoNumber * 65536 + p.dport) ?? NONE),
        this.rest,
      ],
      from,
    );
  }
}

function compileChain(
  table: TableName,
  chain: Chain,
  ctx: MatchContext,
  backend: Backend | undefined,
  ruleset: RulesetPlace,
  shared: SharedMatchers,
): IptablesChain {
  return chain.rules.length < INDEX_FROM
    ? new ScannedChain(table, chain, backend, ruleset, ctx, shared)
    : new IndexedChain(table, chain, backend, ruleset, ctx, shared);
}

export interface CompiledRuleset {
  chain(table: TableName, name: string): IptablesChain | undefined;
}

/**
 * `backend` is given when the node runs both backends, so that every step says whose table it is in. Without
 * `stepText` a step's text is empty: printing every matched rule costs a tenth of a 10,000-service walk, and
 * the analyses that only read where paths go (services, stale) never show it.
 */
export function compileRuleset(
  ruleset: Ruleset,
  ctx: MatchContext,
  backend?: Backend,
  stepText = true,
): CompiledRuleset {
  const index = chainIndexOf(ruleset);
  // By table, then name: a key made of both would be a new string to hash on every lookup.
  const cache = new Map<TableName, Map<string, IptablesChain | null>>();
  const shared = new SharedMatchers();
  const chainOf: ChainOf = (table, name) => {
    let chains = cache.get(table);
    if (!chains) cache.set(table, (chains = new Map()));
    let c = chains.get(name);
    if (c === undefined) {
      const chain = index.chain(table, name);
      c = chain ? compileChain(table, chain, ctx, backend, place, shared) : null;
      chains.set(name, c);
    }
    return c ?? undefined;
  };
  const place: RulesetPlace = { family: ruleset.family, chainOf, stepText };
  return { chain: chainOf };
}
