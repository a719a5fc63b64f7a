export type Severity = 'error' | 'warning';

/** A problem found while reading input; never thrown, always returned beside what could be read. */
export interface Diagnostic {
  readonly severity: Severity;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}
