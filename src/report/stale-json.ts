/** `nfwalk stale --json` (contracts.md): every stale entry with the contract's fields first, then per node what was checked, then the findings. */
import type { StaleAnalysis, StaleEntry } from '../analyses/stale/index';
import { StreamedArray, jsonPieces } from './json';

function entryJson(s: StaleEntry) {
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

function* entriesJson(stale: readonly StaleEntry[]) {
  for (const s of stale) yield entryJson(s);
}

/** The document of staleJson, each entry's object made as it is written: a million stale entries are never held twice. */
export function* staleJsonPieces(a: StaleAnalysis): Generator<string> {
  yield* jsonPieces({
    stale: new StreamedArray(a.stale.length, () => entriesJson(a.stale)),
    nodes: a.nodes,
    findings: a.findings,
  });
  yield '\n';
}
