/**
 * Runs bundles through worker threads, a few at a time, and yields each result as it finishes. A worker
 * that dies (out of memory, a crash) fails only its bundle and is replaced. The workers run this same
 * CLI file, which starts as a worker when it sees the worker role.
 */
import { Worker } from 'node:worker_threads';
import type { BundleResult } from '../../analyses/bulk/model';
import type { BundlePath } from '../../input/bundles';
import type { BundleOptions } from './analyze-bundle';
import { WORKER_ROLE, type WorkerData } from './worker';

export async function* analyzeInWorkers(bundles: readonly BundlePath[], workers: number, options: BundleOptions, entry: URL): AsyncGenerator<BundleResult> {
  const queue = [...bundles];
  const done: BundleResult[] = [];
  let wake: (() => void) | undefined;
  let running = 0;
  const finish = (r: BundleResult) => {
    done.push(r);
    wake?.();
  };
  const start = () => {
    const data: WorkerData = { role: WORKER_ROLE, options };
    const worker = new Worker(entry, { workerData: data });
    running++;
    let current: BundlePath | undefined;
    const next = () => {
      current = queue.shift();
      if (current) worker.postMessage(current);
      else void worker.terminate();
    };
    worker.on('message', (r: BundleResult) => {
      current = undefined;
      finish(r);
      next();
    });
    worker.on('error', (e) => {
      if (current) finish({ path: current.path, mtimeMs: current.mtimeMs, ms: 0, nodes: [], findings: [], unreadable: [], error: `the analysis crashed: ${e.message}` });
      current = undefined;
    });
    worker.on('exit', () => {
      running--;
      // A worker that died with work left is replaced; one that ran out of work just ends.
      if (queue.length > 0) start();
      wake?.();
    });
    next();
  };
  for (let i = 0; i < Math.min(workers, bundles.length); i++) start();
  while (done.length > 0 || running > 0) {
    if (done.length === 0) await new Promise<void>((r) => (wake = r));
    wake = undefined;
    while (done.length > 0) yield done.shift() as BundleResult;
  }
}
