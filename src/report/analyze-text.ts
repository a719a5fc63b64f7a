/**
 * `nfwalk analyze` as text: a line per node, then the findings, most severe first. Colour on a terminal
 * when the CLI asks for it (a terminal or FORCE_COLOR, never with NO_COLOR).
 */
import pc from 'picocolors';
import type { AnalyzeReport, NodeReport } from '../analyses/analyze/index';
import type { Severity } from '../analyses/finding';
import { type Colors, formatFindings } from './findings-text';

const n = (x: number) => x.toLocaleString('en-US');
const count = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

function nodeLine(r: NodeReport, c: Colors): string {
  const held = [
    r.rules ? count(r.rules, 'rule') : '',
    r.ipvsServices ? count(r.ipvsServices, 'IPVS service') : '',
    r.services ? count(r.services, 'service') : '',
    r.conntrackEntries
      ? `${count(r.conntrackEntries, 'conntrack entry', 'conntrack entries')}${r.stale ? ` (${n(r.stale)} stale)` : ''}`
      : '',
    r.conntrackFill !== null ? `table ${(r.conntrackFill * 100).toFixed(0)}% full` : '',
  ].filter(Boolean);
  const f = r.findings;
  // Lines not read fail the run as errors do, so "no errors" is not said beside them.
  const verdict = [
    r.unreadLines ? c.red(`${count(r.unreadLines, 'line')} not read`) : '',
    f.error
      ? c.red(count(f.error, 'error'))
      : r.unreadLines
        ? ''
        : f.warning
          ? c.yellow('no errors')
          : c.green('no errors'),
  ].filter(Boolean);
  return `${c.bold(r.node)}: ${held.join(', ') || 'no dumps nfwalk analyses'}; ${verdict.join(', ')}, ${count(f.warning, 'warning')}, ${f.info} info`;
}

/** Findings about the nodes together (an externalTrafficPolicy: Local service no node forwards), counted apart. */
function clusterLine(r: AnalyzeReport, c: Colors): string[] {
  const theirs = r.findings.filter((f) => f.node === undefined);
  if (!theirs.length) return [];
  const n = (s: Severity) => theirs.filter((f) => f.severity === s).length;
  const errors = n('error');
  const verdict = errors ? c.red(count(errors, 'error')) : n('warning') ? c.yellow('no errors') : c.green('no errors');
  return [`${c.bold('all nodes together')}: ${verdict}, ${count(n('warning'), 'warning')}, ${n('info')} info`];
}

export function formatAnalyze(r: AnalyzeReport, color: boolean): string {
  const c = pc.createColors(color);
  const lines = [...r.nodes.map((x) => nodeLine(x, c)), ...clusterLine(r, c)];
  return `${lines.join('\n')}\n\n${formatFindings(r.findings, c)}`;
}
