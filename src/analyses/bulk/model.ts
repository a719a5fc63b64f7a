/** What `nfwalk bulk` knows of each bundle it analysed, and the summary across them. */
import type { NodeReport } from '../analyze/index';
import type { Finding, Severity } from '../finding';

export interface BundleResult {
  /** The bundle as given: a directory or an archive. */
  readonly path: string;
  /** When the bundle was collected, as its file time says (ms since the epoch). */
  readonly mtimeMs: number;
  /** Wall time of its analysis. */
  readonly ms: number;
  readonly nodes: readonly NodeReport[];
  readonly findings: readonly Finding[];
  /** Files inside the bundle that could not be read; the rest was analysed. */
  readonly unreadable: readonly { readonly path: string; readonly reason: string }[];
  /** Set when the bundle could not be analysed at all. */
  readonly error?: string;
}

export interface CodeCount {
  readonly code: string;
  readonly severity: Severity;
  readonly findings: number;
  readonly bundles: number;
  readonly nodes: number;
}

export interface BundleCount {
  readonly path: string;
  readonly nodes: number;
  readonly findings: Readonly<Record<Severity, number>>;
  readonly codes: readonly string[];
  readonly error?: string;
}

export interface NodeCount {
  readonly path: string;
  readonly node: string;
  readonly findings: Readonly<Record<Severity, number>>;
  readonly codes: readonly string[];
}

export interface BulkSummary {
  readonly bundles: number;
  readonly analysed: number;
  readonly failed: number;
  readonly nodes: number;
  readonly byCode: readonly CodeCount[];
  readonly byBundle: readonly BundleCount[];
  readonly byNode: readonly NodeCount[];
}
