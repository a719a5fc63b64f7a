/**
 * The end of a bulk run or merge: the summary (text on stdout, or on stderr after `--ndjson` lines; `--json`
 * one document) and the exit code, from the results alone, so that a merge of shards prints what one run
 * prints.
 */
import type { BundleResult } from '../../analyses/bulk/model';
import { summarizeBulk } from '../../analyses/bulk/summary';
import { formatBulkSummary } from '../../report/bulk-text';
import { toJson } from '../../report/json';
import { EXIT_FAILED, type FailOn, exitCodeFor } from '../exit';
import { writeOut } from '../write';

export interface ReportOptions {
  readonly json: boolean;
  readonly ndjson: boolean;
  readonly failOn: FailOn;
  /** Whether no bundle analysed means the run could not do its job (not so for a shard, which may be empty). */
  readonly needsOne: boolean;
  /** Problems besides the bundles' own (unreadable merge lines) that count as errors. */
  readonly problems: number;
}

export async function reportBulk(results: readonly BundleResult[], o: ReportOptions): Promise<void> {
  const summary = summarizeBulk(results);
  if (o.json) await writeOut([`${toJson({ bundles: results, summary })}\n`]);
  else if (o.ndjson) process.stderr.write(formatBulkSummary(summary));
  else await writeOut([formatBulkSummary(summary)]);
  const failures = summary.failed > 0 || o.problems > 0 ? (['error'] as const) : [];
  process.exitCode =
    o.needsOne && summary.analysed === 0
      ? EXIT_FAILED
      : exitCodeFor([...failures, ...results.flatMap((r) => r.findings.map((f) => f.severity))], o.failOn);
}
