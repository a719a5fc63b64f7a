/** `nfwalk stale --json` (contracts.md): every stale entry with the contract's fields first, then per node what was checked, then the findings. */
import type { StaleAnalysis, StaleEntry } from '../analyses/stale/index';
import { StreamedArray, jsonPieces } from './json';

export function entryJson(s: StaleEntry) {
  return {
    proto: s.proto,
    src: s.src,
    sport: s.sport,
    dst: s.dst,
    dport: s.dport,
    natTarget: s.natTarget,
    reason: s.reason,
    service: s.service,
    line: s.line,
    kind: s.kind,
    node: s.node,
    file: s.file,
    table: s.table,
    ...(s.state !== undefined ? { state: s.state } : {}),
    now: s.now,
    cleanup: s.cleanup,
  };
}

export function staleJson(a: StaleAnalysis) {
  return { stale: a.stale.map(entryJson), nodes: a.nodes, findings: a.findings };
}

const q = JSON.stringify;

/** JSON.stringify(entryJson(s), null, 2) at `indent`, written out: a million stale entries spend their time here. */
export function entryText(s: StaleEntry, indent: string): string {
  const i = `${indent}  `;
  const now = s.now.length === 0 ? '[]' : `[\n${i}  ${s.now.map((n) => q(n)).join(`,\n${i}  `)}\n${i}]`;
  const state = s.state !== undefined ? `\n${i}"state": ${q(s.state)},` : '';
  return `{\n${i}"proto": ${q(s.proto)},\n${i}"src": ${q(s.src)},\n${i}"sport": ${s.sport},\n${i}"dst": ${q(s.dst)},\n${i}"dport": ${s.dport},\n${i}"natTarget": ${q(s.natTarget)},\n${i}"reason": ${q(s.reason)},\n${i}"service": ${q(s.service)},\n${i}"line": ${s.line},\n${i}"kind": ${q(s.kind)},\n${i}"node": ${q(s.node)},\n${i}"file": ${q(s.file)},\n${i}"table": ${q(s.table)},${state}\n${i}"now": ${now},\n${i}"cleanup": ${q(s.cleanup)}\n${indent}}`;
}

/** The document of staleJson, each entry's object made as it is written: a million stale entries are never held twice. */
export function* staleJsonPieces(a: StaleAnalysis): Generator<string> {
  yield* jsonPieces({
    stale: new StreamedArray(a.stale.length, () => a.stale, entryJson, entryText),
    nodes: a.nodes,
    findings: a.findings,
  });
  yield '\n';
}
