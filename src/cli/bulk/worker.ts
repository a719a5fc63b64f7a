/** A bulk worker thread: analyses the bundles the main thread sends, one at a time, and posts each result. */
import type { BundlePath } from '../../input/bundles';
import type { BundleOptions } from './analyze-bundle';

export const WORKER_ROLE = 'nfwalk-bulk-worker';

export interface WorkerData {
  readonly role: typeof WORKER_ROLE;
  readonly options: BundleOptions;
}

const workerThreads = () => process.getBuiltinModule('node:worker_threads');

/**
 * The pool also puts the role on the worker's command line (pool.ts): every start asks, and loading
 * node:worker_threads to read workerData took 6-10 ms of a start that is no worker's.
 */
export function isBulkWorker(): boolean {
  return (
    process.argv.includes(WORKER_ROLE) && (workerThreads().workerData as WorkerData | undefined)?.role === WORKER_ROLE
  );
}

/** Loads the analyses (a chunk of their own in the bundle) first; the port holds the bundles posted meanwhile. */
export async function runBulkWorker(): Promise<void> {
  const { analyzeBundle } = await import('./analyze-bundle');
  const { parentPort, workerData } = workerThreads();
  const { options } = workerData as WorkerData;
  parentPort?.on('message', async (bundle: BundlePath) => {
    parentPort?.postMessage(await analyzeBundle(bundle, options));
  });
}
