/**
 * `nfwalk chains`: which chain jumps to which, for a table or for what one chain can reach. kube-proxy
 * writes a chain per service and per endpoint, so a 10,000-service node has 40,000 chains; beyond a
 * budget the largest families (chains named alike up to their last `-` or `_`: `KUBE-SEP-*`, `cali-tw-*`) are
 * folded into one group each, largest first, until the graph fits.
 */
import { type RuleGraph, chainKey, reachableChains, ruleGraphOf } from '../../graph/rule-graph';
import type { CommentMatch } from '../../model/match';
import type { Chain, Ruleset, TableName } from '../../model/ruleset';
import type { ChainCall, ChainCallGraph, ChainGroup } from './model';

export type * from './model';

export interface ChainsOptions {
  readonly table?: TableName;
  /** Only chains reachable from this one (itself included). */
  readonly from?: string;
  /** Most groups drawn; families fold until the graph fits. */
  readonly budget?: number;
}

export const DEFAULT_BUDGET = 60;

export class ChainsError extends Error {}

/** The family a chain would fold into (`KUBE-SEP-*`, `mac_*`), or undefined for built-in chains and one-word names. */
function familyOf(chain: Chain): string | undefined {
  const prefix = /^(.+[-_])[^-_]+$/.exec(chain.name)?.[1];
  return chain.builtin || !prefix ? undefined : `${prefix}*`;
}

/**
 * What the rules jumping into this chain say of it: their comment when they all carry the same one, else
 * the first word the commented ones start with (kube-proxy's service name in `ns/svc:port cluster IP`).
 */
function callerComment(graph: RuleGraph, key: string): string | undefined {
  const comments = new Set<string>();
  let uncommented = false;
  graph.forEachInEdge(key, (_edge, attrs) => {
    const comment = attrs.rule.matches.find((m): m is CommentMatch => m.module === 'comment')?.comment;
    if (comment === undefined) uncommented = true;
    else comments.add(comment);
  });
  if (comments.size === 0) return undefined;
  const all = [...comments];
  if (all.length === 1 && !uncommented) return all[0];
  const firstWords = new Set(all.map((c) => c.split(' ')[0]));
  return firstWords.size === 1 ? [...firstWords][0] : undefined;
}

export function chainCallGraph(ruleset: Ruleset, options: ChainsOptions = {}): ChainCallGraph {
  const graph = ruleGraphOf(ruleset);
  const tables = ruleset.tables.filter((t) => !options.table || t.name === options.table);
  if (options.table && tables.length === 0) throw new ChainsError(`the dump has no ${options.table} table`);
  let keys = tables.flatMap((t) => t.chains.map((c) => chainKey(t.name, c.name)));
  if (options.from !== undefined) {
    const starts = tables
      .filter((t) => t.chains.some((c) => c.name === options.from))
      .map((t) => chainKey(t.name, options.from ?? ''));
    if (starts.length === 0)
      throw new ChainsError(`no chain ${options.from}${options.table ? ` in the ${options.table} table` : ''}`);
    const reach = reachableChains(graph, starts);
    keys = keys.filter((k) => reach.has(k));
  }

  // Fold the largest families first until the groups fit the budget.
  const families = new Map<string, string[]>();
  for (const key of keys) {
    const { table, chain } = graph.getNodeAttributes(key);
    const family = familyOf(chain);
    if (family) families.set(`${table} ${family}`, [...(families.get(`${table} ${family}`) ?? []), key]);
  }
  const groupOf = new Map(keys.map((k) => [k, k.replace(':', ' ')]));
  const budget = options.budget ?? DEFAULT_BUDGET;
  let count = keys.length;
  let folded = 0;
  for (const [family, members] of [...families]
    .filter(([, m]) => m.length > 1)
    .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))) {
    if (count <= budget) break;
    for (const m of members) groupOf.set(m, family);
    count -= members.length - 1;
    folded++;
  }

  const groups = new Map<
    string,
    { key: string; table: TableName; name: string; chains: number; rules: number; policy?: 'ACCEPT' | 'DROP' }
  >();
  const firstChain = new Map<string, string>();
  for (const key of keys) {
    const { table, chain } = graph.getNodeAttributes(key);
    const gk = groupOf.get(key) as string;
    if (!firstChain.has(gk)) firstChain.set(gk, key);
    const g = groups.get(gk) ?? {
      key: gk,
      table,
      name: gk.slice(table.length + 1),
      chains: 0,
      rules: 0,
      ...(chain.builtin && chain.policy ? { policy: chain.policy } : {}),
    };
    g.chains++;
    g.rules += chain.rules.length;
    groups.set(gk, g);
  }
  for (const g of groups.values()) {
    if (g.chains !== 1) continue;
    const comment = callerComment(graph, firstChain.get(g.key) as string);
    if (comment !== undefined) Object.assign(g, { comment });
  }
  const calls = new Map<string, { from: string; to: string; jumps: number; gotos: number }>();
  const inside = new Set(keys);
  for (const key of keys) {
    graph.forEachOutEdge(key, (_edge, attrs, _source, target) => {
      if (!inside.has(target)) return;
      const from = groupOf.get(key) as string;
      const to = groupOf.get(target) as string;
      const c = calls.get(`${from}\u0000${to}`) ?? { from, to, jumps: 0, gotos: 0 };
      if (attrs.goto) c.gotos++;
      else c.jumps++;
      calls.set(`${from}\u0000${to}`, c);
    });
  }
  return {
    family: ruleset.family,
    ...(options.from !== undefined ? { from: options.from } : {}),
    groups: [...groups.values()] as ChainGroup[],
    calls: [...calls.values()] as ChainCall[],
    chains: keys.length,
    folded,
  };
}
