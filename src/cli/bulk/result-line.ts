/**
 * A bundle's result as one JSON line, the form `--ndjson` prints, `--results` keeps and `--merge` reads
 * back. Reading checks what the summary and the filters rely on and keeps only the result's own fields, in
 * the order a run writes them, so a result read back prints as it did when it was made.
 */
import type { BundleResult } from '../../analyses/bulk/model';

const SEVERITIES = new Set(['error', 'warning', 'info']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';

function problemOf(v: Json): string | undefined {
  if (!isString(v.path)) return 'no "path"';
  if (typeof v.mtimeMs !== 'number' || typeof v.ms !== 'number') return 'no "mtimeMs" or "ms"';
  if (!Array.isArray(v.nodes) || !v.nodes.every((n) => isObject(n) && isString(n.node))) return 'bad "nodes"';
  if (!Array.isArray(v.unreadable)) return 'bad "unreadable"';
  if (v.error !== undefined && !isString(v.error)) return 'bad "error"';
  if (!Array.isArray(v.findings)) return 'no "findings"';
  const bad = v.findings.findIndex(
    (f) =>
      !isObject(f) ||
      !isString(f.code) ||
      !SEVERITIES.has(f.severity as string) ||
      !isString(f.subject) ||
      !isString(f.message) ||
      (f.node !== undefined && !isString(f.node)),
  );
  return bad >= 0 ? `bad finding ${bad + 1}` : undefined;
}

/** The result a line holds, or why it holds none. */
export function readResultLine(line: string): { result: BundleResult; extra: Json } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { problem: `not JSON: ${(e as Error).message}` };
  }
  if (!isObject(value)) return { problem: 'not a bundle result (a JSON object)' };
  const problem = problemOf(value);
  if (problem) return { problem: `not a bundle result: ${problem}` };
  const { path, mtimeMs, nodes, findings, unreadable, ms, error, ...extra } = value;
  const result = {
    path,
    mtimeMs,
    nodes,
    findings,
    unreadable,
    ms,
    ...(error !== undefined ? { error } : {}),
  } as BundleResult;
  return { result, extra };
}
