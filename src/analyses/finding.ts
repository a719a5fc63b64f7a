/**
 * A finding: something wrong (or worth knowing) that an analysis found, with a stable code scripts can
 * filter on, the evidence that shows it and what to do about it. Analyses return these; reports print them.
 */
import type { Severity } from '../model/diagnostic';
import type { SourceRef } from '../model/source';

export type { Severity };

export interface Finding {
  /** Stable, upper-case, prefixed by the analysis (`SVC_`, `IPVS_`, `STALE_`, `LINT_`). */
  readonly code: string;
  readonly severity: Severity;
  /** The node the finding is about; absent when it is about the cluster (several nodes compared). */
  readonly node?: string;
  /** What it is about, e.g. a service name. */
  readonly subject: string;
  /** One plain sentence. */
  readonly message: string;
  readonly evidence: readonly SourceRef[];
  readonly remedy: string;
}
