/**
 * Two whole dumps of one ruleset in one input (before and after, a node's dump and a hand-written restore
 * file) are two snapshots: each becomes a node of its own, `paste.txt#1`, `paste.txt#2`, with the dumps that
 * follow it in the input. Never merged, never dropped. A legacy and an nft dump, or `iptables -S` outputs
 * of different tables, are parts of one node and stay together.
 */
import { backendOf } from '../model/node';
import { type Section, type SkippedLines, isRulesetSection } from '../model/section';

/** The (family, backend, table) slots a ruleset dump fills; an unknown backend could be either. */
function slots(s: Section): string[] {
  if (!isRulesetSection(s)) return [];
  const backend = backendOf(s);
  return s.ruleset.tables.flatMap((t) => (backend ? [`${s.ruleset.family} ${backend} ${t.name}`] : ['legacy', 'nft'].map((b) => `${s.ruleset.family} ${b} ${t.name}`)));
}

export function splitSnapshots(sections: readonly Section[], skipped: readonly SkippedLines[]): { sections: Section[]; skipped: SkippedLines[] } {
  /** Per path, the first line of each snapshot after the first. */
  const starts = new Map<string, number[]>();
  const filled = new Map<string, Set<string>>();
  for (const s of sections) {
    const own = slots(s);
    if (own.length === 0) continue;
    let seen = filled.get(s.source.path);
    if (seen && own.some((slot) => seen!.has(slot))) {
      starts.set(s.source.path, [...(starts.get(s.source.path) ?? []), s.source.startLine]);
      seen = undefined;
    }
    if (!seen) filled.set(s.source.path, (seen = new Set()));
    for (const slot of own) seen.add(slot);
  }
  if (starts.size === 0) return { sections: [...sections], skipped: [...skipped] };
  const indexOf = (path: string, line: number) => {
    const cuts = starts.get(path);
    return cuts ? 1 + cuts.filter((c) => c <= line).length : undefined;
  };
  return {
    sections: sections.map((s) => {
      const snapshot = indexOf(s.source.path, s.source.startLine);
      return snapshot ? { ...s, source: { ...s.source, node: `${s.source.node}#${snapshot}`, snapshot } } : s;
    }),
    skipped: skipped.map((s) => {
      const snapshot = indexOf(s.path, s.startLine);
      return snapshot ? { ...s, node: `${s.node}#${snapshot}` } : s;
    }),
  };
}
