/**
 * The rules of two snapshots of a node, table by table and chain by chain, iptables and nft alike (the ruleset
 * view, model/ruleset-view.ts). Rules are compared by the text their tool prints for them without counters or
 * handles, as a multiset per chain: a rule that stays keeps its text wherever it moved, and
 * chains that hold the same rules in another order are said to be reordered (first match wins, so order is
 * behaviour). kube-proxy names its chains by a hash of service and endpoint, so the names line up across
 * snapshots of one cluster.
 */
import { sectionView } from '../../model/iptables-view';
import { nftViewOf } from '../../model/nft-view';
import { type NodeDumps, rulesetsOf } from '../../model/node';
import { backendOf } from '../../model/node-backend';
import type { RulesetView, ViewBase, ViewChain } from '../../model/ruleset-view';
import type { RulesetSection } from '../../model/section';
import type { Family } from '../../model/values';
import { changeOf } from './change';
import type { ChainChange, RuleText, RulesetDiff, TablesShownBy } from './model';

const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

/** A chain's rules as its dump shows them: the rules taken for kube-proxy's in a part (assumed) are none of them. */
const ruleTexts = (chain: ViewChain | undefined): RuleText[] =>
  (chain?.rules ?? []).flatMap((r) => (r.assumed ? [] : [{ text: r.text(), index: r.index, location: r.location }]));

/** Where an nft base chain hooks, as its listing says it; iptables' built-in chains never move. */
const hookText = (b: ViewBase | undefined) =>
  b
    ? `type ${b.type} hook ${b.hook}${b.devices ? ` devices ${b.devices.join(',')}` : ''} priority ${b.priorityText}`
    : null;

function chainChange(
  table: string,
  name: string,
  before: ViewChain | undefined,
  after: ViewChain | undefined,
): ChainChange | undefined {
  const was = ruleTexts(before);
  const now = ruleTexts(after);
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
  const [policyWas, policyNow] = [before?.base?.policy ?? null, after?.base?.policy ?? null];
  const policy = before && after && policyWas !== policyNow ? { policy: { before: policyWas, after: policyNow } } : {};
  const [hookWas, hookNow] = [hookText(before?.base), hookText(after?.base)];
  const hook = before && after && hookWas !== hookNow ? { hook: { before: hookWas, after: hookNow } } : {};
  const change = changeOf(before, after);
  if (
    change === 'changed' &&
    !added.length &&
    !removed.length &&
    !reordered &&
    !('policy' in policy) &&
    !('hook' in hook)
  )
    return undefined;
  return { table, chain: name, change, ...policy, ...hook, added, removed, reordered };
}

/**
 * Table by table and chain by chain, by name: the chains that changed. With `byTable`, a table one snapshot does
 * not show (an iptables dump of `-t nat` alone) is not compared: its chains are unknown there, not removed; it is
 * named instead.
 */
function chainChanges(
  before: RulesetView | undefined,
  after: RulesetView | undefined,
  byTable: boolean,
): { chains: ChainChange[]; shownBy: TablesShownBy } {
  const tablesOf = (v: RulesetView | undefined) =>
    new Map((v?.tables ?? []).map((t) => [t.name, new Map(t.chains.map((c) => [c.name, c]))]));
  const was = tablesOf(before);
  const now = tablesOf(after);
  const chains: ChainChange[] = [];
  // With no dump at all on one side, its tables are all gone or all new: there is nothing to leave out.
  const both = byTable && before !== undefined && after !== undefined;
  const shownBy: TablesShownBy = { before: [], after: [] };
  for (const table of new Set([...was.keys(), ...now.keys()])) {
    if (both && !now.has(table)) shownBy.before.push(table);
    if (both && !was.has(table)) shownBy.after.push(table);
    if (both && !(now.has(table) && was.has(table))) continue;
    const b = was.get(table) ?? new Map<string, ViewChain>();
    const a = now.get(table) ?? new Map<string, ViewChain>();
    for (const name of new Set([...b.keys(), ...a.keys()])) {
      const change = chainChange(table, name, b.get(name), a.get(name));
      if (change) chains.push(change);
    }
  }
  return { chains, shownBy };
}

const shownByOne = (s: TablesShownBy) => (s.before.length || s.after.length ? { shownByOne: s } : {});

const count = (chains: readonly ChainChange[], side: 'added' | 'removed') =>
  chains.reduce((n, c) => n + c[side].length, 0);

function rulesetDiff(
  family: Family,
  before: RulesetSection | undefined,
  after: RulesetSection | undefined,
): RulesetDiff | undefined {
  const { chains, shownBy } = chainChanges(before && sectionView(before), after && sectionView(after), true);
  const backend = {
    before: before ? (backendOf(before) ?? null) : null,
    after: after ? (backendOf(after) ?? null) : null,
  };
  if (!chains.length && backend.before === backend.after && !shownByOne(shownBy).shownByOne) return undefined;
  return {
    format: 'iptables',
    family,
    backend,
    chains,
    rulesAdded: count(chains, 'added'),
    rulesRemoved: count(chains, 'removed'),
    ...shownByOne(shownBy),
  };
}

/** The node's nft tables before and after, when either snapshot has an nft listing of its own. */
function nftDiff(before: NodeDumps, after: NodeDumps): RulesetDiff[] {
  const was = nftViewOf(before);
  const now = nftViewOf(after);
  if (!was && !now) return [];
  // `nft list ruleset` shows every table: one it lacks is gone, not left out as iptables-save -t leaves tables.
  const { chains, shownBy } = chainChanges(was, now, false);
  if (!chains.length && !shownByOne(shownBy).shownByOne) return [];
  return [
    {
      format: 'nft',
      chains,
      rulesAdded: count(chains, 'added'),
      rulesRemoved: count(chains, 'removed'),
      ...shownByOne(shownBy),
    },
  ];
}

/**
 * Per family, the iptables dumps of each backend are compared with the same backend's; a node with one dump on each
 * side compares those two, so a move from legacy to nft shows as the rules it changed, not as all of them.
 */
export function rulesDiff(before: NodeDumps, after: NodeDumps): RulesetDiff[] {
  return [...iptablesDiff(before, after), ...nftDiff(before, after)];
}

function iptablesDiff(before: NodeDumps, after: NodeDumps): RulesetDiff[] {
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
