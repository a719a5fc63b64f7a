/**
 * Files taken as one node (a folder's loose files) that come from different machines or moments: `ip addr` dumps
 * that share no address, or whole rulesets of one kind that disagree. One's conntrack table must not be judged
 * against another's rules.
 */
import { filterOf } from './gaps';
import { sectionView } from './iptables-view';
import type { NodeDumps } from './node';
import { backendOf } from './node-backend';
import type { RulesetSection } from './section';

/** A node's global addresses as each of its `ip addr` dumps shows them, by file. */
function addressesByFile(node: NodeDumps): Map<string, Set<string>> {
  const byFile = new Map<string, Set<string>>();
  for (const s of node.sections) {
    if (s.kind !== 'ip-addr') continue;
    const own = byFile.get(s.source.path) ?? new Set<string>();
    for (const i of s.interfaces)
      for (const a of i.addresses)
        if ((a.scope ?? 'global') === 'global' && i.name !== 'lo' && !a.masked) own.add(a.address);
    byFile.set(s.source.path, own);
  }
  return byFile;
}

/** The files whose addresses some other file of the node shares none of, with those addresses; fewer than two: one machine. */
export function strangerFiles(node: NodeDumps): [string, Set<string>][] {
  const files = [...addressesByFile(node)].filter(([, a]) => a.size > 0);
  return files.filter(([, a], i) => files.some(([, b], j) => j !== i && ![...a].some((x) => b.has(x))));
}

/** A table's rules as text, chain by chain: two dumps of one moment (with `-c` or without, `-S`) give the same. */
function tableTexts(r: RulesetSection): Map<string, string> {
  return new Map(
    sectionView(r).tables.map((t) => [
      t.name,
      t.chains
        .map((c) => `${c.name}\n${c.rules.map((x) => x.text()).join('\n')}`)
        .sort()
        .join('\n\n'),
    ]),
  );
}

/** Whether two dumps disagree about a table both show: different machines or moments, not two views of one. */
function disagree(a: Map<string, string>, b: Map<string, string>): boolean {
  for (const [table, text] of a) if (b.has(table) && b.get(table) !== text) return true;
  return false;
}

/**
 * Whole rulesets of one family and backend in different files of one node that disagree about a table
 * (`node-a.iptables-save` and `node-b.iptables-save` in one folder, or a rotated `iptables-save.txt.old`): two
 * machines or two moments, of which the analyses take the last. Each group holds two or more.
 */
export function competingRulesets(node: NodeDumps): RulesetSection[][] {
  const groups = new Map<string, RulesetSection[]>();
  for (const r of node.rulesets) {
    if (r.source.partial || filterOf(r.source) !== undefined || r.kind.endsWith('-list')) continue;
    const key = `${r.ruleset.family} ${backendOf(r) ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].flatMap((g) => {
    if (new Set(g.map((r) => r.source.path)).size < 2) return [];
    const texts = g.map(tableTexts);
    const apart = g.filter((_, i) => texts.some((t, j) => j !== i && disagree(texts[i]!, t)));
    return apart.length > 1 ? [apart] : [];
  });
}
