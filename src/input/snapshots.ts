/**
 * Two whole dumps of one ruleset in one input and node (before and after, a node's dump and a hand-written
 * restore file, `nft list ruleset` run twice) are two snapshots: each becomes a node of its own, `paste.txt#1`,
 * `paste.txt#2`, with the dumps that follow it in the input. Never merged, never dropped. A legacy and an nft
 * dump, or `iptables -S` outputs of different tables, are parts of one node and stay together.
 */
import { isFragment, ruledChains } from '../model/headerless';
import { backendOf } from '../model/node-backend';
import { listsPart } from '../model/nft-node';
import { type Section, isRulesetSection } from '../model/section';

/**
 * What of a node's rules a dump shows, as (family, backend, table) and (…, table, chain) slots: a whole table
 * fills its slot and every chain's, a fragment (`iptables -t nat -S CHAIN`) only those of the chains it
 * shows. An unknown backend could be either.
 */
function slots(s: Section): string[] {
  // A whole nft table listed again is a later state; a part (`nft list chain …`) adds to the listing before it.
  if (s.kind === 'nft') return listsPart(s) ? [] : s.ruleset.tables.map((t) => `nft ${t.family} ${t.name}`);
  if (!isRulesetSection(s)) return [];
  const backend = backendOf(s);
  const backends = backend ? [backend] : ['legacy', 'nft'];
  const own = [...(isFragment(s.ruleset) ? [] : s.ruleset.tables.map((t) => t.name)), ...ruledChains(s.ruleset)];
  return backends.flatMap((b) => own.map((slot) => `${s.ruleset.family} ${b} ${slot}`));
}

export function splitSnapshots(sections: readonly Section[]): Section[] {
  const key = (s: Section) => `${s.source.node}\n${s.source.path}`;
  /** Per node and path, the first line of each snapshot after the first. */
  const starts = new Map<string, number[]>();
  const filled = new Map<string, Set<string>>();
  // A node and path with one ruleset dump holds one snapshot: its slots (a string per chain) are not made.
  const dumps = new Map<string, number>();
  for (const s of sections)
    if (isRulesetSection(s) || s.kind === 'nft') dumps.set(key(s), (dumps.get(key(s)) ?? 0) + 1);
  for (const s of sections) {
    if ((dumps.get(key(s)) ?? 0) < 2) continue;
    const own = slots(s);
    if (own.length === 0) continue;
    let seen = filled.get(key(s));
    if (seen && own.some((slot) => seen!.has(slot))) {
      starts.set(key(s), [...(starts.get(key(s)) ?? []), s.source.startLine]);
      seen = undefined;
    }
    if (!seen) filled.set(key(s), (seen = new Set()));
    for (const slot of own) seen.add(slot);
  }
  return sections.map((s) => {
    const cuts = starts.get(key(s));
    if (!cuts) return s;
    const snapshot = 1 + cuts.filter((c) => c <= s.source.startLine).length;
    return { ...s, source: { ...s.source, node: `${s.source.node}#${snapshot}`, snapshot } };
  });
}
