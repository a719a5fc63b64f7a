/**
 * A ruleset made ready to walk: each chain's rules turned into matchers the first time a walk enters
 * the chain, and long chains indexed by destination address. kube-proxy's KUBE-SERVICES has one
 * `-d VIP/32` rule per service port, so a packet only tests the rules for its own destination plus
 * the rules that test no single destination, in chain order. Chains whose rules test no destination
 * but one port each (KUBE-NODEPORTS) are indexed by protocol and port the same way.
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

/** KUBE-NODEPORTS-like chains test no destination but one protocol and port per rule. */
function singleDestinationPort(rule: Rule): number | undefined {
  if (!rule.protocol || rule.protocol.negated) return undefined;
  const protoNumber = rule.protocol.value === 'tcp' ? 6 : rule.protocol.value === 'udp' ? 17 : rule.protocol.value === 'sctp' ? 132 : undefined;
  if (protoNumber === undefined) return undefined;
  for (const m of rule.matches) {
    if ((m.module === 'tcp' || m.module === 'udp' || m.module === 'sctp') && m.dport && !m.dport.negated && m.dport.value.from === m.dport.value.to) {
      return protoNumber * 65536 + m.dport.value.from;
    }
  }
  return undefined;
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
  const byPort = new Map<number, number[]>();
  const rest: number[] = [];
  const file = <K>(map: Map<K, number[]>, key: K, i: number) => {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  };
  rules.forEach((r, i) => {
    const host = hostDestination(r.rule);
    const port = host === undefined ? singleDestinationPort(r.rule) : undefined;
    if (host !== undefined) file(byDestination, host, i);
    else if (port !== undefined) file(byPort, port, i);
    else rest.push(i);
  });
  const none: number[] = [];
  return {
    table,
    chain,
    rules,
    candidates: (p, from) => mergeFrom([byDestination.get(p.dst.value) ?? none, p.dport === undefined ? none : (byPort.get(p.protoNumber * 65536 + p.dport) ?? none), rest], from),
  };
}

export interface CompiledRuleset {
  chain(table: TableName, name: string): CompiledChain | undefined;
}

export function compileRuleset(ruleset: Ruleset, graph: RuleGraph, ctx: MatchContext): CompiledRuleset {
  const cache = new Map<string, CompiledChain | null>();
  return {
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
