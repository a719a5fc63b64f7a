/**
 * A node's nft ruleset: the tables of every nft listing among its dumps. A later listing of a table replaces
 * an earlier one (the latest state); listings of different tables (`nft list table ip kube-proxy`, then
 * `nft list table ip6 kube-proxy`) add up.
 */
import type { NftRuleset, NftTable } from './nft';
import type { NodeDumps } from './node';
import type { Section } from './section';

export function nftRulesetOf(node: Pick<NodeDumps, 'sections'>): NftRuleset | undefined {
  const tables = new Map<string, NftTable>();
  let source: NftRuleset['source'] = 'text';
  let any = false;
  for (const s of node.sections) {
    if (s.kind !== 'nft') continue;
    any = true;
    source = s.ruleset.source;
    for (const t of s.ruleset.tables) {
      const key = `${t.family} ${t.name}`;
      tables.delete(key);
      tables.set(key, t);
    }
  }
  return any ? { tables: [...tables.values()], source } : undefined;
}

/** nft table families whose chains the walk runs: the IP hooks. arp, bridge and netdev tables are read, not walked. */
const WALKED_NFT_FAMILIES: ReadonlySet<string> = new Set(['ip', 'ip6', 'inet']);

/** The tables of an nft listing the walk leaves out, as `bridge filter`. */
export const unwalkedTables = (s: Section): string[] =>
  s.kind === 'nft'
    ? s.ruleset.tables.filter((t) => !WALKED_NFT_FAMILIES.has(t.family)).map((t) => `${t.family} ${t.name}`)
    : [];
