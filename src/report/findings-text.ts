/** Findings as text: most severe first, each with where it shows in the dumps and what to do. */
import type { Finding, Severity } from '../analyses/finding';
import { formatSourceRef } from './source-ref';

const ORDER: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || a.code.localeCompare(b.code) || a.subject.localeCompare(b.subject));
}

export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'no findings\n';
  return sortFindings(findings)
    .map((f) => {
      const where = f.evidence.length ? `\n    evidence: ${[...new Set(f.evidence.map(formatSourceRef))].join(', ')}` : '';
      return `${f.severity.toUpperCase()} ${f.code} ${f.subject}${f.node ? ` on ${f.node}` : ''}\n    ${f.message}${where}\n    fix: ${f.remedy.replaceAll("\n", "\n         ")}\n`;
    })
    .join('');
}
