/** A dump found in the input: which format, where it came from, and what it holds. */
import type { Diagnostic } from './diagnostic';
import type { Ruleset } from './ruleset';

export interface SectionSource {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
}

export interface IptablesSection {
  readonly kind: 'iptables-save' | 'ip6tables-save';
  readonly source: SectionSource;
  /** Rules in the ruleset. */
  readonly records: number;
  readonly diagnostics: readonly Diagnostic[];
  readonly ruleset: Ruleset;
}

export type Section = IptablesSection;
