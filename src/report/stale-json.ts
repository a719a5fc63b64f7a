/** `nfwalk stale --json` (contracts.md): every stale entry with the contract's fields first, then per node what was checked, then the findings. */
import type { StaleAnalysis } from '../analyses/stale/index';

export function staleJson(a: StaleAnalysis) {
  return {
    stale: a.stale.map((s) => ({
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
    })),
    nodes: a.nodes,
    findings: a.findings,
  };
}
