/**
 * A bulk run: list the bundles, keep this shard's and those since the date, take from `--results` what an
 * earlier run finished, with the same options, on bundles that have not changed, analyse the rest in workers and keep each result as
 * it finishes. SIGINT and SIGTERM (a pod evicted) stop it cleanly: no new bundle starts, the workers stop,
 * every finished result is kept, and the run exits 2 saying how far it got.
 */
import { performance } from 'node:perf_hooks';
import { SingleBar } from 'cli-progress';
import type { BundleResult } from '../../analyses/bulk/model';
import { type Shard, inShard } from '../../analyses/bulk/shard';
import { type BundleStamp, bundleStamp, sameBundle } from '../../input/bundle-stamp';
import { type BundlePath, listBundles } from '../../input/bundles';
import { isS3Url } from '../../input/s3';
import { formatBulkTime, formatBundleLine } from '../../report/bulk-text';
import { EXIT_FAILED, type FailOn, UsageError } from '../exit';
import { writeOut } from '../write';
import type { BundleOptions } from './analyze-bundle';
import { analyzeInWorkers } from './pool';
import { reportBulk } from './report';
import { ResultsBucket } from './results-bucket';
import { ResultsDir } from './results-dir';
import type { ResultStore } from './result-store';

export interface RunOptions {
  readonly inputs: readonly string[];
  readonly keep: (result: BundleResult) => BundleResult;
  readonly since?: number;
  readonly sinceText?: string;
  readonly shard?: Shard;
  readonly results?: string;
  readonly hash: boolean;
  readonly retryFailed: boolean;
  readonly workers: number;
  readonly heapBudgetMb: number;
  readonly loneHeapMb?: number;
  readonly bundle: BundleOptions;
  readonly json: boolean;
  readonly ndjson: boolean;
  readonly failOn: FailOn;
  readonly entry: URL;
}

interface Todo {
  readonly bundle: BundlePath;
  readonly stamp?: BundleStamp;
}

const RESUME_BATCH = 16;

/** What a results folder already holds for these bundles, and what is left to analyse. */
async function resume(
  bundles: readonly BundlePath[],
  dir: ResultStore | undefined,
  o: RunOptions,
): Promise<{ done: BundleResult[]; todo: Todo[] }> {
  if (!dir) return { done: [], todo: bundles.map((bundle) => ({ bundle })) };
  const done: BundleResult[] = [];
  const todo: Todo[] = [];
  // A bucket answers each read in a round trip: a few at once.
  for (let i = 0; i < bundles.length; i += RESUME_BATCH) {
    const batch = bundles.slice(i, i + RESUME_BATCH);
    const seen = await Promise.all(
      batch.map(async (bundle) => ({
        bundle,
        stamp: await bundleStamp(bundle, o.hash),
        kept: await dir.read(bundle.path),
      })),
    );
    for (const { bundle, stamp, kept } of seen) {
      const reusable =
        kept &&
        sameBundle(kept.stamp, stamp, o.hash) &&
        kept.options === JSON.stringify(o.bundle) &&
        !(kept.result.error && o.retryFailed);
      // The bundle's time as listed now, as a fresh result has it: a folder's own time may have moved.
      if (reusable) done.push({ ...kept.result, mtimeMs: bundle.mtimeMs });
      else todo.push({ bundle, stamp });
    }
  }
  return { done, todo };
}

export async function runBulk(o: RunOptions): Promise<void> {
  const { bundles: listed, missing } = await listBundles(o.inputs);
  for (const m of missing) process.stderr.write(`nfwalk: warning: ${m}: no such file, directory or match\n`);
  const dated = o.since === undefined ? listed : listed.filter((b) => b.mtimeMs >= (o.since as number));
  const bundles = o.shard ? dated.filter((b) => inShard(b.key, o.shard as Shard)) : dated;
  if (dated.length === 0)
    throw new UsageError(
      `no bundles in ${o.inputs.join(', ')}${o.sinceText !== undefined ? ` since ${o.sinceText}` : ''}`,
    );
  if (o.shard)
    process.stderr.write(
      `nfwalk: shard ${o.shard.index}/${o.shard.count}: ${bundles.length} of ${dated.length} bundles\n`,
    );

  const dir =
    o.results === undefined
      ? undefined
      : isS3Url(o.results)
        ? await ResultsBucket.open(o.results)
        : new ResultsDir(o.results);
  const { done, todo } = await resume(bundles, dir, o);
  if (dir)
    process.stderr.write(
      `nfwalk: ${done.length} of ${bundles.length} bundles done before in ${dir.where}; ${todo.length} to analyse\n`,
    );

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stop.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const started = performance.now();
  const bar =
    process.stderr.isTTY && !o.json
      ? new SingleBar({
          format: 'bulk {bar} {value}/{total} bundles, {failed} failed, eta {eta_formatted}',
          hideCursor: true,
          stream: process.stderr,
        })
      : undefined;
  const results: BundleResult[] = [];
  let failed = 0;
  const add = async (raw: BundleResult, fresh: boolean) => {
    const result = o.keep(raw);
    results.push(result);
    if (result.error) failed++;
    if (bar) bar.update(results.length, { failed });
    else if (!o.json && fresh)
      process.stderr.write(`nfwalk: ${formatBundleLine(result, results.length, bundles.length)}\n`);
    if (o.ndjson) await writeOut([`${JSON.stringify(result)}\n`]);
  };
  bar?.start(bundles.length, 0, { failed: 0 });
  for (const r of done) await add(r, false);
  const stamps = new Map(todo.map((t) => [t.bundle.path, t.stamp]));
  for await (const raw of analyzeInWorkers(
    todo.map((t) => t.bundle),
    {
      workers: o.workers,
      heapBudgetMb: o.heapBudgetMb,
      signal: stop.signal,
      ...(o.loneHeapMb !== undefined ? { loneHeapMb: o.loneHeapMb } : {}),
    },
    o.bundle,
    o.entry,
  )) {
    const stamp = stamps.get(raw.path);
    if (dir && stamp) await dir.write(raw, stamp, o.bundle);
    await add(raw, true);
  }
  bar?.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const elapsed = performance.now() - started;
  if (stop.signal.aborted) {
    const kept = dir ? `; the results are kept in ${dir.where}: run again to finish` : '';
    process.stderr.write(
      `nfwalk: stopped by ${String(stop.signal.reason)} with ${results.length} of ${bundles.length} bundles done${kept}\n`,
    );
    process.exitCode = EXIT_FAILED;
    return;
  }
  // Completion order depends on the workers; reports list bundles by path, as a merge of shards does.
  results.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  await reportBulk(results, {
    json: o.json,
    ndjson: o.ndjson,
    failOn: o.failOn,
    needsOne: !o.shard,
    problems: 0,
  });
  if (!o.json) process.stderr.write(`nfwalk: ${formatBulkTime(todo.length, done.length, elapsed)}\n`);
}
