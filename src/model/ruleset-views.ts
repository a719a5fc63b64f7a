/**
 * Collectors write one node's tables several ways at once: EKS's iptables-save.txt beside its `iptables -nvL`
 * listings, sos's `iptables -t filter -nvL` beside `iptables -vnxL`, Troubleshoot's iptables-save beside
 * `iptables -L -v`. They are views of one state (shared/reference/bundles.md §3): a table is read from the one
 * that shows the most, iptables-save before `-S` before a listing (which loses interfaces without -v, addresses
 * without -n); of two listings of the same tables, the later. Which file sorts last decides nothing.
 */
import { backendOf } from './node-backend';
import { isFragment } from './headerless';
import type { RulesetSection } from './section';

/** How much of a table a dump shows: iptables-save's whole tables, `-S` output, a listing. */
function detail(r: RulesetSection): number {
  if (r.kind === 'iptables-list' || r.kind === 'ip6tables-list') return 0;
  return r.ruleset.headerless ? 1 : 2;
}

/** `view`'s tables are all shown whole by `by`, of the same family and of a backend that may be the same. */
function shows(by: RulesetSection, view: RulesetSection): boolean {
  if (by.ruleset.family !== view.ruleset.family || isFragment(by.ruleset)) return false;
  const [a, b] = [backendOf(by), backendOf(view)];
  if (a !== undefined && b !== undefined && a !== b) return false;
  const tables = new Set(by.ruleset.tables.map((t) => t.name));
  return view.ruleset.tables.length > 0 && view.ruleset.tables.every((t) => tables.has(t.name));
}

/** The dumps to read a node's rules from: each leaves out the views another of its dumps shows in more detail. */
export function richestViews(rulesets: readonly RulesetSection[]): RulesetSection[] {
  return rulesets.filter(
    (view, i) =>
      !rulesets.some(
        (by, j) =>
          j !== i &&
          shows(by, view) &&
          (detail(by) > detail(view) || (detail(by) === 0 && detail(view) === 0 && j > i)),
      ),
  );
}
