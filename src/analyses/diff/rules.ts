/**
 * The rules of two snapshots of a node, chain by chain. Rules are compared by the text iptables-save prints
 * for them without counters, as a multiset per chain: a rule that stays keeps its text wherever it moved, and
 * chains that hold the same rules in another order are said to be reordered (first match wins, so order is
 * behaviour). kube-proxy names its chains by a hash of service and endpoint, so the names line up across
 * snapshots of one cluster.
 */
import { printRule } from '../../../grammar/iptables-save/print';
import { backendOf, type NodeDumps, rulesetsOf } from '../../model/node';
import type { Chain, Ruleset } from '../../model/ruleset';
import type { RulesetSection } from '../../model/section';
import type { Family } from '../../model/values';
import { changeOf } from './change';
import type { ChainChange, RuleText, RulesetDiff } from './model';

const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

function ruleTexts(chain: Chain | undefined, family: Family): RuleText[] {
  return (chain?.rules ?? []).map((r) => ({
    text: printRule(chain!, r, family, { counters: false }),
    index: r.index,
    location: r.location,
  }));
}

function chainChange(
  table: string,
  name: string,
  before: Chain | undefined,
  after: Chain | undefined,
  family: Family,
): ChainChange | undefined {
  const was = ruleTexts(before, family);
  const now = ruleTexts(after, family);
  const unmatched = new Map<string, RuleText[]>();
  for (const r of was) {
    const same = unmatched.get(r.text);
    if (same) same.push(r);
    else unmatched.set(r.text, [r]);
  }
  const added = now.filter((r) => {
    const same = unmatched.get(r.text);
    if (!same?.length) return true;
    same.shift();
    return false;
  });
  const removed = [...unmatched.values()].flat().sort((x, y) => x.index - y.index);
  const reordered = added.length === 0 && removed.length === 0 && was.some((r, i) => r.text !== now[i]!.text);
  const policy =
    before && after && before.policy !== after.policy ? { policy: { before: before.policy, after: after.policy } } : {};
  const change = changeOf(before, after);
  if (change === 'changed' && !added.length && !removed.length && !reordered && !('policy' in policy)) return undefined;
  return { table, chain: name, change, ...policy, added, removed, reordered };
}

function rulesetDiff(
  family: Family,
  before: RulesetSection | undefined,
  after: RulesetSection | undefined,
): RulesetDiff | undefined {
  const tablesOf = (r: Ruleset | undefined) =>
    new Map((r?.tables ?? []).map((t) => [t.name, new Map(t.chains.map((c) => [c.name, c]))]));
  const was = tablesOf(before?.ruleset);
  const now = tablesOf(after?.ruleset);
  const chains: ChainChange[] = [];
  for (const table of new Set([...was.keys(), ...now.keys()])) {
    const b = was.get(table) ?? new Map<string, Chain>();
    const a = now.get(table) ?? new Map<string, Chain>();
    for (const name of new Set([...b.keys(), ...a.keys()])) {
      const change = chainChange(table, name, b.get(name), a.get(name), family);
      if (change) chains.push(change);
    }
  }
  const backend = {
    before: before ? (backendOf(before) ?? null) : null,
    after: after ? (backendOf(after) ?? null) : null,
  };
  if (!chains.length && backend.before === backend.after) return undefined;
  const count = (side: 'added' | 'removed') => chains.reduce((n, c) => n + c[side].length, 0);
  return { family, backend, chains, rulesAdded: count('added'), rulesRemoved: count('removed') };
}

/**
 * Per family, the dumps of each backend are compared with the same backend's; a node with one dump on each
 * side compares those two, so a move from legacy to nft shows as the rules it changed, not as all of them.
 */
export function rulesDiff(before: NodeDumps, after: NodeDumps): RulesetDiff[] {
  return FAMILIES.flatMap((family) => {
    const was = rulesetsOf(before, family);
    const now = rulesetsOf(after, family);
    if (was.length <= 1 && now.length <= 1) return rulesetDiff(family, was[0], now[0]) ?? [];
    const backends = new Set([...was, ...now].map((s) => backendOf(s)));
    return [...backends].flatMap(
      (b) =>
        rulesetDiff(
          family,
          was.find((s) => backendOf(s) === b),
          now.find((s) => backendOf(s) === b),
        ) ?? [],
    );
  });
}
