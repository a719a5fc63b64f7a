/** Exit codes of contracts.md: 0 clean, 1 findings at or above --fail-on, 2 could not do the job. */
import type { Severity } from '../model/diagnostic';
import type { Section } from '../model/section';

const EXIT_OK = 0;
const EXIT_FINDINGS = 1;
export const EXIT_FAILED = 2;

/** A failure the user can act on: printed as one line, exit 2. */
export class UsageError extends Error {}

export type FailOn = Exclude<Severity, 'info'> | 'none';

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** Diagnostics and findings alike; an `info` finding never fails a run. */
export function exitCodeFor(severities: Iterable<Severity>, failOn: FailOn): number {
  if (failOn === 'none') return EXIT_OK;
  for (const s of severities) if (RANK[s] >= RANK[failOn]) return EXIT_FINDINGS;
  return EXIT_OK;
}

/** The severities of the problems found reading the dumps: they count towards the exit code like findings. */
export function diagnosticSeverities(sections: readonly Section[]): Severity[] {
  return sections.flatMap((s) => s.diagnostics.map((d) => d.severity));
}
