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

function ruleStep(place: ChainPlace, rule: Rule): RuleStep {
  const { table, chain, family, backend } = place;
  const target = rule.target;
  const name = targetName(target);
  return {
    table,
    chain: chain.name,
    rule: rule.index,
    ...(name ? { target: name } : {}),
    ...(target?.kind === 'jump' ? { jump: target.goto ? ('goto' as const) : ('jump' as const) } : {}),
    text: place.stepText ? printRule(chain, rule, family) : '',
    ...(backend ? { backend } : {}),
  };
}

type ChainOf = (table: TableName, name: string) => IptablesChain | undefined;

/** What the rules of one compiled chain share: where they are and how to find the chains they jump to. */
interface ChainPlace {
  readonly table: TableName;
  readonly chain: Chain;
  readonly family: Family;
  readonly backend: Backend | undefined;
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
    private readonly place: ChainPlace,
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
        (this.target?.kind === 'jump' ? this.place.chainOf(this.place.table, this.target.chain) : undefined) ?? null;
    return this.entered ?? undefined;
  }
}

function compileChain(
  table: TableName,
  chain: Chain,
  ctx: MatchContext,
  family: Family,
  backend: Backend | undefined,
  chainOf: ChainOf,
  stepText: boolean,
  shared: SharedMatchers,
): IptablesChain {
  const place: ChainPlace = { table, chain, family, backend, chainOf, stepText };
  const rules = chain.rules.map(
    (rule) =>
      new CompiledRule(
        rule,
        ruleMatchers(rule, ctx, family, `${table} ${chain.name} rule ${rule.index}`, shared),
        place,
      ),
  );
  const all = rules.map((_, i) => i);
  const { name, cut = false } = chain;
  if (rules.length < INDEX_FROM)
    return {
      table,
      name,
      cut,
      backend,
      chain,
      rules,
      candidates: (_p, from) => (from === 0 ? all : all.slice(from)),
    };
  const byDestination = new Map<bigint, number[]>();
  const byPort = new Map<number, number[]>();
  const rest: number[] = [];
  const file = <K>(map: Map<K, number[]>, key: K, i: number) => {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  };
  rules.forEach((r, i) => {
    const host = pinnedHost(r.rule.destination);
    const port = host === undefined ? destinationPort(r.rule) : undefined;
    if (host !== undefined) file(byDestination, host, i);
    else if (port !== undefined) file(byPort, port, i);
    else rest.push(i);
  });
  const none: number[] = [];
  return {
    table,
    name,
    cut,
    backend,
    chain,
    rules,
    // A masked destination may be any host's: every rule is a candidate.
    candidates: (p, from) =>
      p.dst.unknown
        ? all.slice(from)
        : mergeFrom(
            [
              byDestination.get(p.dst.value) ?? none,
              p.dport === undefined ? none : (byPort.get(p.protoNumber * 65536 + p.dport) ?? none),
              rest,
            ],
            from,
          ),
  };
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
      c = chain ? compileChain(table, chain, ctx, ruleset.family, backend, chainOf, stepText, shared) : null;
      chains.set(name, c);
    }
    return c ?? undefined;
  };
  return { chain: chainOf };
}
