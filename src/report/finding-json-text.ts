/**
 * A finding as JSON text at an indent, written key by key: the bytes of JSON.stringify(finding, null, 2) with its
 * line breaks indented, without the whole text made twice. `stale --json` writes some 14,000 findings for a
 * million stale entries; stringifying each and indenting its lines by replaceAll allocated about 200 MB.
 */
import type { Finding } from '../analyses/finding';
import type { SourceRef } from '../model/source';
import { stringified } from './json';

const FINDING = ['code', 'severity', 'node', 'subject', 'message', 'evidence', 'remedy'] as const;
const WITHOUT_NODE = FINDING.filter((k) => k !== 'node');
const REF = ['path', 'line', 'column'] as const;

const q = JSON.stringify;

/** Whether `o` has exactly `keys` as its own keys, in that order (JSON.stringify writes them in insertion order). */
function keysAre(o: object, keys: readonly string[]): boolean {
  const own = Object.keys(o);
  return own.length === keys.length && own.every((k, i) => k === keys[i]);
}

const isRef = (r: SourceRef): boolean =>
  keysAre(r, REF) &&
  typeof r.path === 'string' &&
  Number.isSafeInteger(r.line) &&
  Number.isSafeInteger(r.column) &&
  !Object.is(r.line, -0) &&
  !Object.is(r.column, -0);

/** Findings of the shape analyses make: plain strings, evidence of plain references. Others go through JSON.stringify. */
function plain(f: Finding): boolean {
  return (
    keysAre(f, f.node === undefined ? WITHOUT_NODE : FINDING) &&
    typeof f.code === 'string' &&
    typeof f.severity === 'string' &&
    (f.node === undefined || typeof f.node === 'string') &&
    typeof f.subject === 'string' &&
    typeof f.message === 'string' &&
    Array.isArray(f.evidence) &&
    f.evidence.every(isRef) &&
    typeof f.remedy === 'string'
  );
}

/** JSON.stringify(f, null, 2) with every line break followed by `indent`. */
export function findingJsonText(f: Finding, indent: string): string {
  if (!plain(f)) return (stringified(f) ?? 'null').replaceAll('\n', `\n${indent}`);
  const i = `\n${indent}  `;
  const node = f.node === undefined ? '' : `${i}"node": ${q(f.node)},`;
  let evidence = '[]';
  if (f.evidence.length) {
    const j = `${i}  `;
    const k = `${j}  `;
    evidence = `[${f.evidence.map((r) => `${j}{${k}"path": ${q(r.path)},${k}"line": ${r.line},${k}"column": ${r.column}${j}}`).join(',')}${i}]`;
  }
  return `{${i}"code": ${q(f.code)},${i}"severity": ${q(f.severity)},${node}${i}"subject": ${q(f.subject)},${i}"message": ${q(f.message)},${i}"evidence": ${evidence},${i}"remedy": ${q(f.remedy)}\n${indent}}`;
}
