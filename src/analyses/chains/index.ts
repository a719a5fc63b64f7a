/**
 * `nfwalk chains`: which chain jumps to which, for a table or for what one chain can reach, in an iptables dump or
 * an nft listing alike (model/ruleset-view.ts). kube-proxy writes a chain per service and per endpoint, so a
 * 10,000-service node has 40,000 chains; beyond a budget the largest families (chains named alike up to their last
 * `-` or `_`: `KUBE-SEP-*`, `cali-tw-*`; kube-proxy's nft `service-*`, `endpoint-*`) are folded into one group
 * each, largest first, until the graph fits.
 */
import { type ChainGraph, chainGraphOf, reachableChains, viewChainKey } from '../../graph/chain-graph';
import { NFT_PER_SERVICE_CHAIN } from '../../model/kube-proxy-chains';
import { sectionView } from '../../model/iptables-view';
import { nftViewOf } from '../../model/nft-view';
import { type NodeDumps, rulesetsOf } from '../../model/node';
import { backendOf } from '../../model/node-backend';
import type { Backend } from '../../model/ruleset';
import type { RulesetView, ViewChain } from '../../model/ruleset-view';
import type { Family } from '../../model/values';
import type { ChainCall, ChainCallGraph, ChainGroup } from './model';

export type * from './model';

export interface ChainsOptions {
  /** A table by name (`nat`, `ip kube-proxy`), or nft tables by their name alone (`kube-proxy`: ip and ip6). */
  readonly table?: string;
  /** Only chains reachable from this one (itself included). */
  readonly from?: string;
  /** Most groups drawn; families fold until the graph fits. */
  readonly budget?: number;
}

export const DEFAULT_BUDGET = 60;

export class ChainsError extends Error {}

/**
 * The family a chain would fold into (`KUBE-SEP-*`, `mac_*`, `endpoint-*`), or undefined for base chains and
 * one-word names. kube-proxy's nft chains name their service after the hash (`service-HASH-kube-system/dns/…`),
 * so they fold by kind, not at their last `-`.
 */
function familyOf(chain: ViewChain): string | undefined {
  if (chain.base) return undefined;
  const kube = NFT_PER_SERVICE_CHAIN.exec(chain.name)?.[1];
  if (kube) return `${kube}-*`;
  const prefix = /^(.+[-_])[^-_]+$/.exec(chain.name)?.[1];
  return prefix ? `${prefix}*` : undefined;
}

/**
 * What the rules calling this chain say of it: their comment when they all carry the same one, else the first
 * word the commented ones start with (kube-proxy's service name in `ns/svc:port cluster IP`).
 */
function callerComment(graph: ChainGraph, key: string): string | undefined {
  const comments = new Set<string>();
  let uncommented = false;
  graph.forEachInEdge(key, (_edge, attrs) => {
    const comment = attrs.rule.comment;
    if (comment === undefined) uncommented = true;
    else comments.add(comment);
  });
  if (comments.size === 0) return undefined;
  const all = [...comments];
  if (all.length === 1 && !uncommented) return all[0];
  const firstWords = new Set(all.map((c) => c.split(' ')[0]));
  return firstWords.size === 1 ? [...firstWords][0] : undefined;
}

const namesTable = (name: string, asked: string) => name === asked || name.endsWith(` ${asked}`);

export function chainCallGraph(view: RulesetView, options: ChainsOptions = {}): ChainCallGraph {
  const graph = chainGraphOf(view);
  const asked = options.table;
  const tables = view.tables.filter((t) => asked === undefined || namesTable(t.name, asked));
  if (asked !== undefined && tables.length === 0) throw new ChainsError(`the dump has no ${asked} table`);
  let keys = tables.flatMap((t) => t.chains.map((c) => viewChainKey(t.name, c.name)));
  if (options.from !== undefined) {
    const starts = tables
      .filter((t) => t.chains.some((c) => c.name === options.from))
      .map((t) => viewChainKey(t.name, options.from ?? ''));
    if (starts.length === 0)
      throw new ChainsError(`no chain ${options.from}${asked !== undefined ? ` in the ${asked} table` : ''}`);
    const reach = reachableChains(graph, starts);
    keys = keys.filter((k) => reach.has(k));
  }

  // Fold the largest families first until the groups fit the budget.
  const families = new Map<string, string[]>();
  for (const key of keys) {
    const { table, chain } = graph.getNodeAttributes(key);
    const family = familyOf(chain);
    if (!family) continue;
    const members = families.get(`${table.name} ${family}`);
    if (members) members.push(key);
    else families.set(`${table.name} ${family}`, [key]);
  }
  const groupOf = new Map(
    keys.map((k) => {
      const { table, chain } = graph.getNodeAttributes(k);
      return [k, `${table.name} ${chain.name}`];
    }),
  );
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
    { key: string; table: string; name: string; chains: number; rules: number; policy?: string }
  >();
  const firstChain = new Map<string, string>();
  for (const key of keys) {
    const { table, chain } = graph.getNodeAttributes(key);
    const gk = groupOf.get(key) as string;
    if (!firstChain.has(gk)) firstChain.set(gk, key);
    const g = groups.get(gk) ?? {
      key: gk,
      table: table.name,
      name: gk.slice(table.name.length + 1),
      chains: 0,
      rules: 0,
      ...(chain.base?.policy ? { policy: chain.base.policy } : {}),
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
    format: view.format,
    ...(view.family ? { family: view.family } : {}),
    ...(options.from !== undefined ? { from: options.from } : {}),
    groups: [...groups.values()] as ChainGroup[],
    calls: [...calls.values()] as ChainCall[],
    chains: keys.length,
    folded,
  };
}

export interface ChainsViewOptions {
  readonly family?: Family;
  readonly backend?: Backend;
  /** The node's nft listing rather than its iptables dumps. */
  readonly nft?: boolean;
  readonly table?: string;
  readonly from?: string;
}

const holds = (view: RulesetView, o: ChainsViewOptions) =>
  view.tables.some(
    (t) =>
      (o.table === undefined || namesTable(t.name, o.table)) &&
      (o.from === undefined || t.chains.some((c) => c.name === o.from)),
  );

/**
 * The ruleset `chains` draws for a node: the iptables dump of the family (the live backend's, or the one holding
 * the table and chain asked for), else the node's nft listing; `nft` or `backend` choose outright.
 */
export function chainsView(node: NodeDumps, o: ChainsViewOptions = {}): RulesetView | undefined {
  const nft = nftViewOf(node);
  if (o.nft) return nft;
  const family = o.family ?? 'ipv4';
  const live = rulesetsOf(node, family);
  const sections = live.length > 0 ? live : node.rulesets.length === 1 ? node.rulesets : [];
  if (o.backend) {
    const s = sections.find((r) => backendOf(r) === o.backend);
    return s ? sectionView(s) : undefined;
  }
  const views = [...sections.map(sectionView), ...(nft ? [nft] : [])];
  return views.find((v) => holds(v, o)) ?? views[0];
}
