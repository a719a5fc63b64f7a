/** Findings across many bundles, counted by code, by bundle and by node, most severe first. */
import type { Severity } from '../finding';
import type { BulkSummary, BundleResult, CodeCount, NodeCount } from './model';

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const zero = (): Record<Severity, number> => ({ error: 0, warning: 0, info: 0 });
const byWeight = (a: Record<Severity, number>, b: Record<Severity, number>) =>
  b.error - a.error || b.warning - a.warning || b.info - a.info;

export function summarizeBulk(results: readonly BundleResult[]): BulkSummary {
  const codes = new Map<
    string,
    { code: string; severity: Severity; findings: number; bundles: Set<string>; nodes: Set<string> }
  >();
  const nodes = new Map<
    string,
    { path: string; node: string; findings: Record<Severity, number>; codes: Set<string> }
  >();
  for (const r of results) {
    for (const n of r.nodes)
      nodes.set(`${r.path}\u0000${n.node}`, { path: r.path, node: n.node, findings: zero(), codes: new Set() });
    for (const f of r.findings) {
      const c = codes.get(f.code) ?? {
        code: f.code,
        severity: f.severity,
        findings: 0,
        bundles: new Set(),
        nodes: new Set(),
      };
      c.findings++;
      if (RANK[f.severity] < RANK[c.severity]) c.severity = f.severity;
      c.bundles.add(r.path);
      if (f.node) c.nodes.add(`${r.path}\u0000${f.node}`);
      codes.set(f.code, c);
      const n = f.node ? nodes.get(`${r.path}\u0000${f.node}`) : undefined;
      if (n) {
        n.findings[f.severity]++;
        n.codes.add(f.code);
      }
    }
  }
  const byCode: CodeCount[] = [...codes.values()]
    .map((c) => ({
      code: c.code,
      severity: c.severity,
      findings: c.findings,
      bundles: c.bundles.size,
      nodes: c.nodes.size,
    }))
    .sort((a, b) => RANK[a.severity] - RANK[b.severity] || b.bundles - a.bundles || (a.code < b.code ? -1 : 1));
  const byBundle = results
    .map((r) => {
      const findings = zero();
      for (const f of r.findings) findings[f.severity]++;
      return {
        path: r.path,
        nodes: r.nodes.length,
        findings,
        codes: [...new Set(r.findings.map((f) => f.code))].sort(),
        ...(r.error ? { error: r.error } : {}),
      };
    })
    .sort(
      (a, b) =>
        Number(Boolean(b.error)) - Number(Boolean(a.error)) ||
        byWeight(a.findings, b.findings) ||
        (a.path < b.path ? -1 : 1),
    );
  const byNode: NodeCount[] = [...nodes.values()]
    .map((n) => ({ path: n.path, node: n.node, findings: n.findings, codes: [...n.codes].sort() }))
    .sort(
      (a, b) =>
        byWeight(a.findings, b.findings) || (a.path < b.path ? -1 : a.path > b.path ? 1 : a.node < b.node ? -1 : 1),
    );
  const failed = results.filter((r) => r.error).length;
  return {
    bundles: results.length,
    analysed: results.length - failed,
    failed,
    nodes: nodes.size,
    byCode,
    byBundle,
    byNode,
  };
}
