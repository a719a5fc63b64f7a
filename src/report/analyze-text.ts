/**
 * `nfwalk analyze` as text: a line per node, then the findings, most severe first. Colour on a terminal
 * when the CLI asks for it (a terminal or FORCE_COLOR, never with NO_COLOR).
 */
import pc from 'picocolors';
import type { AnalyzeReport, NodeReport } from '../analyses/analyze/index';
import { type Colors, formatFindings } from './findings-text';

const n = (x: number) => x.toLocaleString('en-US');

function nodeLine(r: NodeReport, c: Colors): string {
  const held = [
    r.rules ? `${n(r.rules)} rules` : '',
    r.ipvsServices ? `${n(r.ipvsServices)} IPVS services` : '',
    r.services ? `${n(r.services)} services` : '',
    r.conntrackEntries ? `${n(r.conntrackEntries)} conntrack entries${r.stale ? ` (${n(r.stale)} stale)` : ''}` : '',
    r.conntrackFill !== null ? `table ${(r.conntrackFill * 100).toFixed(0)}% full` : '',
  ].filter(Boolean);
  const f = r.findings;
  const verdict = f.error
    ? c.red(`${f.error} error${f.error === 1 ? '' : 's'}`)
    : f.warning
      ? c.yellow('no errors')
      : c.green('no errors');
  return `${c.bold(r.node)}: ${held.join(', ') || 'no dumps nfwalk analyses'}; ${verdict}, ${f.warning} warning${f.warning === 1 ? '' : 's'}, ${f.info} info`;
}

export function formatAnalyze(r: AnalyzeReport, color: boolean): string {
  const c = pc.createColors(color);
  return `${r.nodes.map((x) => nodeLine(x, c)).join('\n')}\n\n${formatFindings(r.findings, c)}`;
}
