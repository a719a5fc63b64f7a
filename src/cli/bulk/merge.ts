/**
 * `nfwalk bulk --merge FILE|DIR...`: the shards' results read back (merge-input.ts), filtered as a run
 * filters (`--since` by bundle, the others by finding), and summarised as one run over all the bundles.
 */
import type { BundleResult } from '../../analyses/bulk/model';
import { type FailOn, UsageError } from '../exit';
import { writeOut } from '../write';
import { readMergeInputs } from './merge-input';
import { reportBulk } from './report';

export interface MergeOptions {
  readonly inputs: readonly string[];
  readonly keep: (result: BundleResult) => BundleResult;
  readonly since?: number;
  readonly sinceText?: string;
  readonly json: boolean;
  readonly ndjson: boolean;
  readonly failOn: FailOn;
}

export async function mergeBulk(o: MergeOptions): Promise<void> {
  const read = await readMergeInputs(o.inputs, () => process.stdin);
  for (const m of read.missing) process.stderr.write(`nfwalk: warning: ${m}: no such file or directory\n`);
  for (const p of read.problems) process.stderr.write(`${p}\n`);
  const results = read.results.filter((r) => o.since === undefined || r.mtimeMs >= o.since).map(o.keep);
  if (results.length === 0)
    throw new UsageError(
      `no bundle results in ${o.inputs.join(', ')}${o.sinceText !== undefined ? ` since ${o.sinceText}` : ''}`,
    );
  if (o.ndjson) await writeOut(results.map((r) => `${JSON.stringify(r)}\n`));
  await reportBulk(results, {
    json: o.json,
    ndjson: o.ndjson,
    failOn: o.failOn,
    needsOne: true,
    problems: read.problems.length,
  });
}
