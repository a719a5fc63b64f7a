/**
 * A ruleset made ready to walk: each chain's rules turned into matchers the first time a walk enters
 * the chain, and long chains indexed by destination address. kube-proxy's KUBE-SERVICES has one
 * `-d VIP/32` rule per service port, so a packet only tests the rules for its own destination plus
 * the rules that test no single destination, in chain order.
 */
import { printRule } from '../../../grammar/iptables-save/print';
import { type RuleGraph, chainAt } from '../../graph/rule-graph';
import type { Chain, Rule, Ruleset, TableName } from '../../model/ruleset';
import type { Family } from '../../model/values';
import { isHostPrefix, prefixOfMask } from './address';
import { type Matcher, type MatchContext, ruleMatchers } from './match/index';
import type { Packet } from './packet';

export interface CompiledRule {
  readonly rule: Rule;
  readonly matchers: readonly Matcher[];
  readonly text: () => string;
}

export interface CompiledChain {
  readonly table: TableName;
  readonly chain: Chain;
  readonly rules: readonly CompiledRule[];
  /** Indexes of the rules that can match this packet, ascending, starting at `from`. */
  candidates(p: Packet, from: number): readonly number[];
}

/** Below this many rules a plain scan is as fast as the index. */
const INDEX_FROM = 64;

function hostDestination(rule: Rule): bigint | undefined {
  const d = rule.destination;
  if (!d || d.negated) return undefined;
  const prefix = prefixOfMask(d.value);
  return isHostPrefix(prefix) ? prefix.network : undefined;
}

function mergeFrom(a: readonly number[], b: readonly number[], from: number): number[] {
  const out: number[] = [];
  let i = lowerBound(a, from);
  let j = lowerBound(b, from);
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
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

function compileChain(table: TableName, chain: Chain, ctx: MatchContext, family: Family): CompiledChain {
  const rules = chain.rules.map((rule) => {
    let text: string | undefined;
    return {
      rule,
      matchers: ruleMatchers(rule, ctx, family, `${table} ${chain.name} rule ${rule.index}`),
      text: () => (text ??= printRule(chain, rule, family)),
    };
  });
  const all = rules.map((_, i) => i);
  if (rules.length < INDEX_FROM) return { table, chain, rules, candidates: (_p, from) => (from === 0 ? all : all.slice(from)) };
  const byDestination = new Map<bigint, number[]>();
  const anyDestination: number[] = [];
  rules.forEach((r, i) => {
    const host = hostDestination(r.rule);
    if (host === undefined) anyDestination.push(i);
    else {
      const list = byDestination.get(host);
      if (list) list.push(i);
      else byDestination.set(host, [i]);
    }
  });
  return { table, chain, rules, candidates: (p, from) => mergeFrom(byDestination.get(p.dst.value) ?? [], anyDestination, from) };
}

export interface CompiledRuleset {
  readonly family: Family;
  readonly ruleset: Ruleset;
  readonly graph: RuleGraph;
  chain(table: TableName, name: string): CompiledChain | undefined;
  hasTable(table: TableName): boolean;
}

export function compileRuleset(ruleset: Ruleset, graph: RuleGraph, ctx: MatchContext): CompiledRuleset {
  const cache = new Map<string, CompiledChain | null>();
  const tables = new Set(ruleset.tables.map((t) => t.name));
  return {
    family: ruleset.family,
    ruleset,
    graph,
    hasTable: (t) => tables.has(t),
    chain(table, name) {
      const key = `${table}:${name}`;
      let c = cache.get(key);
      if (c === undefined) {
        const chain = chainAt(graph, table, name);
        c = chain ? compileChain(table, chain, ctx, ruleset.family) : null;
        cache.set(key, c);
      }
      return c ?? undefined;
    },
  };
}
