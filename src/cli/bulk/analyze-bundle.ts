/** One bundle of a bulk run, read and analysed: what a worker does per bundle. Never throws. */
import { performance } from 'node:perf_hooks';
import { analyzeAll } from '../../analyses/analyze/index';
import type { BundleResult } from '../../analyses/bulk/model';
import { findSections } from '../../input/sections';
import type { BundlePath } from '../../input/bundles';
import { nodesOfInputs } from '../../model/node';

export interface BundleOptions {
  readonly nodeIps: readonly string[];
  readonly clientCidrs: readonly string[];
}

export async function analyzeBundle(bundle: BundlePath, options: BundleOptions): Promise<BundleResult> {
  const start = performance.now();
  const base = { path: bundle.path, mtimeMs: bundle.mtimeMs, nodes: [], findings: [], unreadable: [] };
  try {
    const found = await findSections([bundle.path]);
    const unreadable = found.failures.map((f) => ({ path: f.path, reason: f.reason }));
    if (found.sections.length === 0) {
      const error = unreadable[0] ? `cannot read ${unreadable[0].path}: ${unreadable[0].reason}` : 'no usable dump in it';
      return { ...base, unreadable, ms: performance.now() - start, error };
    }
    const report = analyzeAll(nodesOfInputs(found.sections), options);
    return { ...base, nodes: report.nodes, findings: report.findings, unreadable, ms: performance.now() - start };
  } catch (e) {
    return { ...base, ms: performance.now() - start, error: e instanceof Error ? e.message.split('\n')[0] ?? String(e) : String(e) };
  }
}
