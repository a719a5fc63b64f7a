/** How much something matters, for a reader's diagnostic and an analysis's finding alike; `--fail-on` compares it. */
export type Severity = 'error' | 'warning' | 'info';

/** A problem found while reading input; never thrown, always returned beside what could be read. */
export interface Diagnostic {
  /** A reader has nothing merely to tell: its diagnostics are errors and warnings. */
  readonly severity: Exclude<Severity, 'info'>;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}
