/**
 * `nfwalk analyze --format markdown`: for a ticket or a postmortem — a node table, one section per
 * finding, then the pictures GitHub and GitLab draw from mermaid blocks: the services that have
 * findings, and the stale entries.
 */
import type { AnalyzeReport } from '../analyses/analyze/index';
import { sortFindings } from './findings-text';
import { printFlowchart } from './mermaid/print';
import { servicesFlowchart } from './mermaid/services';
import { staleFlowchart } from './mermaid/stale';
import { markdownOf } from './render/diagram';
import { formatSourceRef } from './source-ref';

/** Text from a dump (comments, names) must not turn into Markdown or HTML. */
const escape = (s: string) => s.replace(/[\\`*_{}[\]<>()#+!|~]/g, '\\$&');
const cell = (s: string) => escape(s).replace(/\n/g, ' ');

export function formatAnalyzeMarkdown(r: AnalyzeReport): string {
  const out: string[] = [
    '# nfwalk analyze',
    '',
    '| node | rules | services | conntrack entries | stale | table fill | lines not read | errors | warnings | info |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const x of r.nodes) {
    out.push(
      `| ${cell(x.node)} | ${x.rules} | ${x.services} | ${x.conntrackEntries} | ${x.stale} | ${x.conntrackFill === null ? '' : `${(x.conntrackFill * 100).toFixed(0)}%`} | ${x.unreadLines} | ${x.findings.error} | ${x.findings.warning} | ${x.findings.info} |`,
    );
  }
  const together = r.findings.filter((f) => f.node === undefined);
  if (together.length) {
    const n = (s: string) => together.filter((f) => f.severity === s).length;
    out.push(`| all nodes together |  |  |  |  |  |  | ${n('error')} | ${n('warning')} | ${n('info')} |`);
  }
  out.push('');
  const findings = sortFindings(r.findings);
  if (!findings.length) out.push('No findings.', '');
  for (const f of findings) {
    out.push(
      `## ${f.severity.toUpperCase()} \`${f.code}\` ${escape(f.subject)}${f.node ? ` on ${escape(f.node)}` : ''}`,
      '',
      escape(f.message),
      '',
    );
    if (f.evidence.length)
      out.push(`Evidence: ${[...new Set(f.evidence.map(formatSourceRef))].map((e) => `\`${e}\``).join(', ')}`, '');
    out.push('Fix:', '', '```sh', f.remedy, '```', '');
  }
  const flagged = new Set(r.services.findings.map((f) => f.subject));
  const services = { ...r.services, services: r.services.services.filter((v) => flagged.has(v.service.name)) };
  if (services.services.length)
    out.push(markdownOf({ title: 'Services with findings', source: printFlowchart(servicesFlowchart(services)) }));
  if (r.stale.stale.length)
    out.push(markdownOf({ title: 'Stale entries', source: printFlowchart(staleFlowchart(r.stale)) }));
  return out.join('\n');
}
