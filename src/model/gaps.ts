/** What a ruleset dump does not show: its own gaps, and the filter its command piped it through. */
import type { RulesetGap } from './ruleset';
import type { RulesetSection } from './section';

export function gapsOf(section: RulesetSection): readonly RulesetGap[] {
  const own = section.ruleset.gaps ?? [];
  const { command, partial } = section.source;
  return partial && command ? [...own, { kind: 'filtered', command }] : own;
}
