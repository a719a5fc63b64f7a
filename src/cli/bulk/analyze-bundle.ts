/** One bundle of a bulk run, read and analysed: what a worker does per bundle. Never throws. */
import { performance } from 'node:perf_hooks';
import { analyzeAll } from '../../analyses/analyze/index';
import type { BundleResult } from '../../analyses/bulk/model';
import { findSections } from '../../input/sections';
import type { BundlePath } from '../../input/bundles';
import { nodesOfInputs } from '../../model/node';
import { noDumpReason } from '../../library/no-dump';

export interface BundleOptions {
  readonly nodeIps: readonly string[];
  readonly clientCidrs: readonly string[];
}

/** A bundle that could not be analysed, and why. */
export function failedBundle(
  bundle: BundlePath,
  error: string,
  ms: number,
  unreadable: BundleResult['unreadable'] = [],
): BundleResult {
  return { path: bundle.path, mtimeMs: bundle.mtimeMs, nodes: [], findings: [], unreadable, ms, error };
}

export async function analyzeBundle(bundle: BundlePath, options: BundleOptions): Promise<BundleResult> {
  const start = performance.now();
  try {
    const found = await findSections([bundle.path]);
    const unreadable = found.failures.map((f) => ({ path: f.path, reason: f.reason }));
    if (found.sections.length === 0)
      return failedBundle(bundle, noDumpReason(found, 'it'), performance.now() - start, unreadable);
    const report = analyzeAll(nodesOfInputs(found.sections), options, found.skipped);
    return {
      path: bundle.path,
      mtimeMs: bundle.mtimeMs,
      nodes: report.nodes,
      findings: report.findings,
      unreadable,
      ms: performance.now() - start,
    };
  } catch (e) {
    return failedBundle(
      bundle,
      e instanceof Error ? (e.message.split('\n')[0] ?? String(e)) : String(e),
      performance.now() - start,
    );
  }
}
