/** A bulk worker thread: analyses the bundles the main thread sends, one at a time, and posts each result. */
import { parentPort, workerData } from 'node:worker_threads';
import type { BundlePath } from '../../input/bundles';
import type { BundleOptions } from './analyze-bundle';

export const WORKER_ROLE = 'nfwalk-bulk-worker';

export interface WorkerData {
  readonly role: typeof WORKER_ROLE;
  readonly options: BundleOptions;
}

export function isBulkWorker(): boolean {
  return (workerData as WorkerData | undefined)?.role === WORKER_ROLE;
}

/** Loads the analyses (a chunk of their own in the bundle) first; the port holds the bundles posted meanwhile. */
export async function runBulkWorker(): Promise<void> {
  const { analyzeBundle } = await import('./analyze-bundle');
  const { options } = workerData as WorkerData;
  parentPort?.on('message', async (bundle: BundlePath) => {
    parentPort?.postMessage(await analyzeBundle(bundle, options));
  });
}
