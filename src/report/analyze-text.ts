/**
 * `nfwalk analyze` as text: a line per node, then the findings, most severe first. Colour on a terminal
 * (picocolors: off when NO_COLOR is set or the output is not a TTY).
 */
import pc from 'picocolors';
import type { AnalyzeReport, NodeReport } from '../analyses/analyze/index';
import type { Finding, Severity } from '../analyses/finding';
import { sortFindings } from './findings-text';
import { formatSourceRef } from './source-ref';

type Colors = ReturnType<typeof pc.createColors>;

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
  const verdict = f.error ? c.red(`${f.error} error${f.error === 1 ? '' : 's'}`) : f.warning ? c.yellow('no errors') : c.green('no errors');
  return `${c.bold(r.node)}: ${held.join(', ') || 'no dumps nfwalk analyses'}; ${verdict}, ${f.warning} warning${f.warning === 1 ? '' : 's'}, ${f.info} info`;
}

function severity(s: Severity, c: Colors): string {
  const label = s.toUpperCase().padEnd(7);
  return s === 'error' ? c.red(c.bold(label)) : s === 'warning' ? c.yellow(label) : c.dim(label);
}

function findingText(f: Finding, c: Colors): string {
  const where = f.evidence.length ? `\n    ${c.dim('evidence:')} ${[...new Set(f.evidence.map(formatSourceRef))].join(', ')}` : '';
  return `${severity(f.severity, c)} ${c.bold(f.code)} ${f.subject}${f.node ? c.dim(` on ${f.node}`) : ''}\n    ${f.message}${where}\n    ${c.dim('fix:')} ${f.remedy.replaceAll('\n', '\n         ')}\n`;
}

export function formatAnalyze(r: AnalyzeReport, color: boolean): string {
  const c = pc.createColors(color);
  const nodes = r.nodes.map((x) => nodeLine(x, c)).join('\n');
  const findings = sortFindings(r.findings);
  return `${nodes}\n\n${findings.length ? findings.map((f) => findingText(f, c)).join('') : 'no findings\n'}`;
}
