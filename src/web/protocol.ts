/** What the page and its analysis worker say to each other: plain data only (structured clone). */
import type { AnalyzeReport } from '../library/analyze';
import type { ServicesReport } from '../library/services';
import type { StaleReport } from '../library/stale';
import type { TraceProbe, TraceReport } from '../library/trace';
import type { PickedFile } from './browser-sources';

export type ToWorker =
  | { readonly type: 'analyze'; readonly text: string; readonly files: readonly PickedFile[] }
  /** What is drawn and copied from the last analysis: asked for after its results are shown. */
  | { readonly type: 'extras' }
  | { readonly type: 'trace'; readonly probe: TraceProbe; readonly node?: string }
  | { readonly type: 'lines'; readonly path: string; readonly line: number; readonly context: number };

/** A report the CLI would give, or why it gave none (the CLI's message for the same inputs). */
export type Outcome<T> = { readonly ok: T } | { readonly error: string };

/** One diagram: its title and its Mermaid source, as the CLI prints it with `--format mermaid`. */
export interface DiagramSource {
  readonly title: string;
  readonly source: string;
}

export interface Analysis {
  /** = `nfwalk analyze --json`. */
  readonly analyze: AnalyzeReport;
  readonly services: Outcome<ServicesReport>;
  readonly stale: Outcome<StaleReport>;
  /** Nodes that have a ruleset to trace through, and their interfaces (for the trace form). */
  readonly traceNodes: readonly { readonly node: string; readonly interfaces: readonly string[] }[];
  /** Lines that belong to no dump, and inputs that could not be read, said as `parse` says them. */
  readonly skipped: readonly string[];
  readonly failures: readonly string[];
}

export interface Extras {
  /** = `nfwalk analyze --format markdown`. */
  readonly markdown: string;
  readonly diagrams: {
    readonly services?: DiagramSource;
    readonly stale?: DiagramSource;
    readonly chains: readonly DiagramSource[];
  };
}

export interface TraceAnswer {
  readonly report: TraceReport;
  readonly diagram: DiagramSource;
}

export interface Lines {
  readonly path: string;
  /** The first line's number. */
  readonly from: number;
  readonly line: number;
  readonly lines: readonly string[];
}

export type FromWorker =
  | { readonly type: 'progress'; readonly phase: string; readonly fraction: number | null }
  | { readonly type: 'analysis'; readonly analysis: Analysis }
  | { readonly type: 'extras'; readonly extras: Extras }
  | { readonly type: 'trace'; readonly trace: Outcome<TraceAnswer> }
  | { readonly type: 'lines'; readonly lines: Lines | null }
  | { readonly type: 'error'; readonly message: string };
