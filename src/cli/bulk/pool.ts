/**
 * Runs bundles through worker threads, a few at a time, and yields each result as it finishes. The
 * workers share a heap budget, so that several at once stay within it; a bundle too big for its share
 * is tried again at the end in a worker of its own, without a limit unless `loneHeapMb` sets one, so memory
 * follows the largest bundle. A worker that dies otherwise (or there) fails only its bundle and is replaced.
 * When the signal aborts, no bundle is started, the workers are stopped (a busy one once its bundle is done, or
 * after a grace period), and the bundles they held are dropped: every result yielded is whole. The workers run
 * this same CLI file, which starts as a worker when it sees the worker role.
 */
import { Worker } from 'node:worker_threads';
import type { BundleResult } from '../../analyses/bulk/model';
import type { BundlePath } from '../../input/bundles';
import { type BundleOptions, failedBundle } from './analyze-bundle';
import { WORKER_ROLE, type WorkerData } from './worker';

/** Old-generation heap shared by the workers that run at once (MB), unless --heap-budget says otherwise. */
export const HEAP_BUDGET_MB = 720;

/** How long a stop waits for a busy worker to finish its bundle before it stops it anyway. */
const STOP_GRACE_MS = 5000;

export interface PoolOptions {
  readonly workers: number;
  readonly heapBudgetMb: number;
  /** Heap of the worker that takes a bundle too big for its share (MB); unlimited when absent. */
  readonly loneHeapMb?: number;
  readonly signal?: AbortSignal;
}

export async function* analyzeInWorkers(
  bundles: readonly BundlePath[],
  pool: PoolOptions,
  options: BundleOptions,
  entry: URL,
): AsyncGenerator<BundleResult> {
  const queue = [...bundles];
  const big: BundlePath[] = [];
  const done: BundleResult[] = [];
  /** The live workers, each with whether it holds a bundle now. */
  const live = new Map<Worker, boolean>();
  let wake: (() => void) | undefined;
  let running = 0;
  const aborted = () => pool.signal?.aborted === true;
  const finish = (r: BundleResult) => {
    if (aborted()) return;
    done.push(r);
    wake?.();
  };
  const start = (work: BundlePath[], heapMb?: number, lone = false) => {
    const data: WorkerData = { role: WORKER_ROLE, options };
    const worker = new Worker(entry, {
      workerData: data,
      argv: [WORKER_ROLE],
      ...(heapMb ? { resourceLimits: { maxOldGenerationSizeMb: heapMb } } : {}),
    });
    live.set(worker, false);
    running++;
    let current: BundlePath | undefined;
    const next = () => {
      current = aborted() ? undefined : work.shift();
      live.set(worker, current !== undefined);
      if (current) worker.postMessage(current);
      else void worker.terminate();
    };
    worker.on('message', (r: BundleResult) => {
      current = undefined;
      finish(r);
      next();
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (current && !lone && heapMb && e.code === 'ERR_WORKER_OUT_OF_MEMORY') big.push(current);
      else if (current && e.code === 'ERR_WORKER_OUT_OF_MEMORY')
        finish(failedBundle(current, `the analysis ran out of memory (its heap is limited to ${heapMb} MB)`, 0));
      else if (current) finish(failedBundle(current, `the analysis crashed: ${e.message}`, 0));
      current = undefined;
    });
    worker.on('exit', () => {
      live.delete(worker);
      running--;
      // A worker that died with work left is replaced; one that ran out of work just ends.
      if (!aborted() && work.length > 0) start(work, heapMb, lone);
      // The big bundles go last, one at a time, once nothing else holds memory.
      else if (!aborted() && running === 0 && big.length > 0) start(big, pool.loneHeapMb, true);
      wake?.();
    });
    next();
  };
  // A worker stopped while it opens an archive can abort Node itself (node_zlib.cc: "close before init"): an idle one
  // stops now, a busy one when its bundle is done (its result dropped), or after a grace period.
  pool.signal?.addEventListener('abort', () => {
    for (const [w, busy] of live) {
      if (!busy) void w.terminate();
      else setTimeout(() => void w.terminate(), STOP_GRACE_MS).unref();
    }
    wake?.();
  });
  const parallel = Math.min(pool.workers, bundles.length);
  for (let i = 0; i < parallel; i++) start(queue, Math.max(1, Math.floor(pool.heapBudgetMb / parallel)));
  while (done.length > 0 || running > 0) {
    if (done.length === 0) await new Promise<void>((r) => (wake = r));
    wake = undefined;
    while (done.length > 0) yield done.shift() as BundleResult;
  }
}
