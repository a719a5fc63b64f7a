/**
 * A node's nft ruleset: the tables of every nft listing among its dumps. A later listing of a table replaces an
 * earlier one from another file (the latest state; within one input a second whole listing is a snapshot of its
 * own, input/snapshots.ts), unless it lists part of the table only (`nft list chain ip kube-proxy services`,
 * `nft list map ip kube-proxy service-ips`) in the same input: a paste of several such commands shows one table in
 * parts, which add up. Listings of different tables (`nft list table ip kube-proxy`, then `nft list table ip6
 * kube-proxy`) add up.
 */
import type { NftRuleset, NftTable } from './nft';
import type { NodeDumps } from './node';
import type { Section } from './section';

/** The command lists chains, sets, maps or objects of a table, not the whole table. */
const PART = /\bnft\b.*\blist\s+(?:chains?|sets?|maps?|flowtables?|counters?|quotas?|limits?|meters?|ct\s+\w+)\s/;

export const listsPart = (s: Section) => PART.test(s.source.command ?? '');

/** A table's chains, sets… with a part's: the part's replace the earlier listing's of the same name. */
function joined<X>(a: readonly X[], b: readonly X[], key: (x: X) => string): X[] {
  const later = new Set(b.map(key));
  return [...a.filter((x) => !later.has(key(x))), ...b];
}

const named = (x: { readonly name: string }) => x.name;

function withPart(table: NftTable, part: NftTable): NftTable {
  return {
    ...table,
    chains: joined(table.chains, part.chains, named),
    sets: joined(table.sets, part.sets, named),
    objects: joined(table.objects, part.objects, (o) => `${o.type} ${o.name}`),
    flowtables: joined(table.flowtables, part.flowtables, named),
  };
}

/** A table as a listing shows it, and the listing. */
export interface ListedTable {
  readonly table: NftTable;
  readonly section: Section;
}

/**
 * Each table once, as the node's listings show it in the end, in the order of their last listing: the last whole
 * listing, with the parts listed after it from the same input added.
 */
export function latestTables<T extends ListedTable>(listed: Iterable<T>): T[] {
  const tables = new Map<string, T>();
  for (const x of listed) {
    const key = `${x.table.family} ${x.table.name}`;
    const before = tables.get(key);
    tables.delete(key);
    const adds = before && listsPart(x.section) && before.section.source.path === x.section.source.path;
    // A part added to a whole listing leaves the table shown whole: the listing it is taken as is the whole one.
    const shownBy = adds && !listsPart(before.section) ? before.section : x.section;
    tables.set(key, adds ? { ...x, table: withPart(before.table, x.table), section: shownBy } : x);
  }
  return [...tables.values()];
}

export function nftRulesetOf(node: Pick<NodeDumps, 'sections'>): NftRuleset | undefined {
  const nft = node.sections.filter((s) => s.kind === 'nft');
  const last = nft.at(-1);
  if (!last) return undefined;
  const tables = latestTables(nft.flatMap((section) => section.ruleset.tables.map((table) => ({ table, section }))));
  return { tables: tables.map((t) => t.table), source: last.ruleset.source };
}

/** nft table families whose chains the walk runs: the IP hooks. arp, bridge and netdev tables are read, not walked. */
const WALKED_NFT_FAMILIES: ReadonlySet<string> = new Set(['ip', 'ip6', 'inet']);

/** The tables of an nft listing the walk leaves out, as `bridge filter`. */
export const unwalkedTables = (s: Section): string[] =>
  s.kind === 'nft'
    ? s.ruleset.tables.filter((t) => !WALKED_NFT_FAMILIES.has(t.family)).map((t) => `${t.family} ${t.name}`)
    : [];
