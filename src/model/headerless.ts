/**
 * `iptables -t nat -S`, `iptables -t filter -S`, … print one table each, without `*table` lines: one node's
 * such dumps of different tables are one ruleset, as the kernel holds it.
 */
import type { Backend } from './ruleset';
import type { RulesetSection } from './section';

const disjoint = (a: RulesetSection, b: RulesetSection) => !a.ruleset.tables.some((t) => b.ruleset.tables.some((u) => u.name === t.name));
const sameBackend = (a: Backend | undefined, b: Backend | undefined) => a === undefined || b === undefined || a === b;

export function joinHeaderless(rulesets: readonly RulesetSection[]): RulesetSection[] {
  const out: RulesetSection[] = [];
  for (const r of rulesets) {
    const at = out.findLastIndex((o) => o.ruleset.family === r.ruleset.family);
    const prev = out[at];
    if (prev && r.ruleset.headerless && prev.ruleset.headerless && disjoint(prev, r) && sameBackend(prev.ruleset.backend, r.ruleset.backend)) out[at] = join(prev, r);
    else out.push(r);
  }
  return out;
}

function join(a: RulesetSection, b: RulesetSection): RulesetSection {
  const gaps = [...(a.ruleset.gaps ?? []), ...(b.ruleset.gaps ?? [])];
  const backend = a.ruleset.backend ?? b.ruleset.backend;
  const lines = Object.fromEntries(Object.entries(a.lines).map(([k, v]) => [k, v + b.lines[k as keyof typeof a.lines]])) as unknown as RulesetSection['lines'];
  return {
    ...a,
    records: a.records + b.records,
    diagnostics: [...a.diagnostics, ...b.diagnostics],
    lines,
    ruleset: { ...a.ruleset, tables: [...a.ruleset.tables, ...b.ruleset.tables], ...(gaps.length ? { gaps } : {}), ...(backend ? { backend } : {}) },
    source: { ...a.source, endLine: Math.max(a.source.endLine, b.source.endLine) },
  };
}
