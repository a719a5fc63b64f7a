/** `nfwalk stale --json` (contracts.md): every stale entry with the contract's fields first, then per node what was checked, then the findings. */
import type { StaleAnalysis, StaleEntry } from '../analyses/stale/index';
import { StreamedArray, jsonPieces } from './json';
import { findingJsonText } from './finding-json-text';
import type { Finding } from '../analyses/finding';
import { staleEntryBytes } from './stale-json-rows';
import { ByteSink, type PieceBuffers } from './byte-sink';
import { staleFindingsOf, staleListOf } from '../analyses/stale/stale-list';

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

/**
 * JSON.stringify(entryJson(s), null, 2) at an indent, written out: a million stale entries spend their time
 * here. Strings of few values (protocol, kind, node, file, service, state) are quoted once, and the list of
 * where connections go now once per list: stale entries share a few thousand of them.
 */
export function entryWriter(): (s: StaleEntry, indent: string) => string {
  const quoted = new Map<string, string>();
  const few = (v: string | null): string => {
    if (v === null) return 'null';
    let text = quoted.get(v);
    if (text === undefined) quoted.set(v, (text = q(v)));
    return text;
  };
  const lists = new WeakMap<readonly string[], { readonly indent: string; readonly text: string }>();
  const listText = (now: readonly string[], i: string): string => {
    if (now.length === 0) return '[]';
    const known = lists.get(now);
    if (known?.indent === i) return known.text;
    const text = `[\n${i}  ${now.map((n) => q(n)).join(`,\n${i}  `)}\n${i}]`;
    lists.set(now, { indent: i, text });
    return text;
  };
  return (s, indent) => {
    const i = `${indent}  `;
    const state = s.state !== undefined ? `\n${i}"state": ${few(s.state)},` : '';
    return `{\n${i}"proto": ${few(s.proto)},\n${i}"src": ${q(s.src)},\n${i}"sport": ${s.sport},\n${i}"dst": ${q(s.dst)},\n${i}"dport": ${s.dport},\n${i}"natTarget": ${q(s.natTarget)},\n${i}"reason": ${q(s.reason)},\n${i}"service": ${few(s.service)},\n${i}"line": ${s.line},\n${i}"kind": ${few(s.kind)},\n${i}"node": ${few(s.node)},\n${i}"file": ${few(s.file)},\n${i}"table": ${few(s.table)},${state}\n${i}"now": ${listText(s.now, i)},\n${i}"cleanup": ${q(s.cleanup)}\n${indent}}`;
  };
}

/**
 * The document of staleJson, each entry written as it is read (as bytes from its table's columns where it can be):
 * a million stale entries are never held twice.
 */
export function* staleJsonPieces(a: StaleAnalysis, buffers?: PieceBuffers): Generator<string | Uint8Array> {
  const text = entryWriter();
  const list = staleListOf(a);
  const findings = staleFindingsOf(a);
  yield* jsonPieces({
    stale: new StreamedArray(
      list.length,
      () => a.stale,
      entryJson,
      text,
      (indent) => staleEntryBytes(list, indent, text, buffers),
    ),
    nodes: a.nodes,
    findings: new StreamedArray(
      findings.length,
      () => a.findings,
      (f) => f,
      undefined,
      (indent) => findingBytes(findings, indent, buffers),
    ),
  });
  yield '\n';
}

/**
 * Findings as jsonPieces writes an array's elements at `indent`, as bytes, each made (`at`) as it is written. A
 * million stale entries make some 14,000 findings, 40 MB of JSON: their texts joined into pieces lived long enough
 * to be promoted (the young generation is small by then, as writing the entries allocates little), and the old
 * generation grew by some 40 MB while they were written.
 */
function* findingBytes(
  findings: { readonly length: number; at(n: number): Finding },
  indent: string,
  buffers?: PieceBuffers,
): Generator<Uint8Array> {
  const sink = new ByteSink(buffers);
  const lineBreak = `\n${indent}`;
  for (let n = 0; n < findings.length; n++) {
    sink.text(`${n ? ',' : ''}${lineBreak}${findingJsonText(findings.at(n), indent)}`);
    if (sink.full) yield* sink.handOut();
  }
  yield* sink.handOut(true);
}
