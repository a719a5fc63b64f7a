/**
 * `iptables -t nat -S`, `iptables -t filter -S`, … print one table each, without `*table` lines, and
 * `iptables -t nat -S CHAIN` one chain: one node's such dumps of different tables, or of different chains of
 * one table, are one ruleset, as the kernel holds it.
 */
import { copiedWith } from './read-located';
import type { Backend, Ruleset, Table } from './ruleset';
import type { RulesetSection } from './section';

/** Whether a dump shows rules without their table's header or declarations (`iptables -t nat -S CHAIN`, a grep). */
export const isFragment = (r: Ruleset) => r.gaps?.some((g) => g.kind === 'fragment') ?? false;
/** The chains a dump shows rules of, as `table chain`. */
export const ruledChains = (r: Ruleset) =>
  r.tables.flatMap((t) => t.chains.filter((c) => c.rules.length > 0).map((c) => `${t.name} ${c.name}`));

/** Whether two headerless dumps are parts of one ruleset: other tables, or fragments that show other chains. */
function parts(a: RulesetSection, b: RulesetSection): boolean {
  if (!a.ruleset.headerless || !b.ruleset.headerless || !sameBackend(a.ruleset.backend, b.ruleset.backend))
    return false;
  if (!a.ruleset.tables.some((t) => b.ruleset.tables.some((u) => u.name === t.name))) return true;
  if (!isFragment(a.ruleset) || !isFragment(b.ruleset)) return false;
  const shown = new Set(ruledChains(a.ruleset));
  return !ruledChains(b.ruleset).some((c) => shown.has(c));
}

const sameBackend = (a: Backend | undefined, b: Backend | undefined) => a === undefined || b === undefined || a === b;

export function joinHeaderless(rulesets: readonly RulesetSection[]): RulesetSection[] {
  const out: RulesetSection[] = [];
  for (const r of rulesets) {
    const at = out.findLastIndex((o) => o.ruleset.family === r.ruleset.family);
    const prev = out[at];
    if (prev && parts(prev, r)) out[at] = join(prev, r);
    else out.push(r);
  }
  return out;
}

/** The chains of two reads of one table, in order; a chain in both keeps its first declaration and all rules. */
export function joinTables(a: Table, b: Table): Table {
  const chains = new Map(a.chains.map((c) => [c.name, c]));
  for (const c of b.chains) {
    const prev = chains.get(c.name);
    chains.set(
      c.name,
      prev
        ? copiedWith(prev, { rules: [...prev.rules, ...c.rules].map((r, i) => copiedWith(r, { index: i + 1 })) })
        : c,
    );
  }
  return { ...a, chains: [...chains.values()] };
}

function joinedTables(a: readonly Table[], b: readonly Table[]): Table[] {
  const out = [...a];
  for (const t of b) {
    const same = out.findIndex((x) => x.name === t.name);
    if (same >= 0) out[same] = joinTables(out[same]!, t);
    else out.push(t);
  }
  return out;
}

function join(a: RulesetSection, b: RulesetSection): RulesetSection {
  const gaps = [...(a.ruleset.gaps ?? []), ...(b.ruleset.gaps ?? [])];
  const backend = a.ruleset.backend ?? b.ruleset.backend;
  const lines = Object.fromEntries(
    Object.entries(a.lines).map(([k, v]) => [k, v + b.lines[k as keyof typeof a.lines]]),
  ) as unknown as RulesetSection['lines'];
  return {
    ...a,
    records: a.records + b.records,
    diagnostics: [...a.diagnostics, ...b.diagnostics],
    lines,
    ruleset: {
      ...a.ruleset,
      tables: joinedTables(a.ruleset.tables, b.ruleset.tables),
      ...(gaps.length ? { gaps } : {}),
      ...(backend ? { backend } : {}),
    },
    source: { ...a.source, endLine: Math.max(a.source.endLine, b.source.endLine) },
  };
}
