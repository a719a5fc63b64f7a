/** What a ruleset dump does not show: its own gaps, and the filter its command piped it through. */
import type { RulesetGap } from './ruleset';
import type { RulesetSection } from './section';

export function gapsOf(section: RulesetSection): readonly RulesetGap[] {
  const own = section.ruleset.gaps ?? [];
  const { command, partial } = section.source;
  return partial && command ? [...own, { kind: 'filtered', command }] : own;
}

/** A gap in a few words, for a finding that rests on what the dump shows. */
export function gapText(gap: RulesetGap): string {
  switch (gap.kind) {
    case 'truncated':
      return `the dump is truncated at line ${gap.line}`;
    case 'maybe-cut':
      return `\`iptables -S\` may be cut at line ${gap.line}`;
    case 'fragment':
      return 'the paste holds part of a ruleset';
    case 'filtered':
      return `the dump was filtered (\`${gap.command}\`)`;
  }
}
