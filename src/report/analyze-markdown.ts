/** `nfwalk analyze --format markdown`: for a ticket or a postmortem — a node table, then one section per finding. */
import type { AnalyzeReport } from '../analyses/analyze/index';
import { sortFindings } from './findings-text';
import { formatSourceRef } from './source-ref';

/** Text from a dump (comments, names) must not turn into Markdown or HTML. */
const escape = (s: string) => s.replace(/[\\`*_{}[\]<>()#+!|~]/g, '\\$&');
const cell = (s: string) => escape(s).replace(/\n/g, ' ');

export function formatAnalyzeMarkdown(r: AnalyzeReport): string {
  const out: string[] = ['# nfwalk analyze', '', '| node | rules | services | conntrack entries | stale | table fill | errors | warnings | info |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|'];
  for (const x of r.nodes) {
    out.push(`| ${cell(x.node)} | ${x.rules} | ${x.services} | ${x.conntrackEntries} | ${x.stale} | ${x.conntrackFill === null ? '' : `${(x.conntrackFill * 100).toFixed(0)}%`} | ${x.findings.error} | ${x.findings.warning} | ${x.findings.info} |`);
  }
  out.push('');
  const findings = sortFindings(r.findings);
  if (!findings.length) out.push('No findings.', '');
  for (const f of findings) {
    out.push(`## ${f.severity.toUpperCase()} \`${f.code}\` ${escape(f.subject)}${f.node ? ` on ${escape(f.node)}` : ''}`, '', escape(f.message), '');
    if (f.evidence.length) out.push(`Evidence: ${[...new Set(f.evidence.map(formatSourceRef))].map((e) => `\`${e}\``).join(', ')}`, '');
    out.push('Fix:', '', '```sh', f.remedy, '```', '');
  }
  return out.join('\n');
}
