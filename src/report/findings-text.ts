/**
 * Findings as text: most severe first, each with where it shows in the dumps and what to do. Colour only
 * when the caller asks for it (picocolors' palette, all identity when off).
 */
import pc from 'picocolors';
import type { Finding, Severity } from '../analyses/finding';
import { formatSourceRef } from './source-ref';

export type Colors = ReturnType<typeof pc.createColors>;

const ORDER: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      ORDER[a.severity] - ORDER[b.severity] || a.code.localeCompare(b.code) || a.subject.localeCompare(b.subject),
  );
}

function severity(s: Severity, c: Colors): string {
  const label = s.toUpperCase().padEnd(7);
  return s === 'error' ? c.red(c.bold(label)) : s === 'warning' ? c.yellow(label) : c.dim(label);
}

function findingText(f: Finding, c: Colors): string {
  const where = f.evidence.length
    ? `\n    ${c.dim('evidence:')} ${[...new Set(f.evidence.map(formatSourceRef))].join(', ')}`
    : '';
  return `${severity(f.severity, c)} ${c.bold(f.code)} ${f.subject}${f.node ? c.dim(` on ${f.node}`) : ''}\n    ${f.message}${where}\n    ${c.dim('fix:')} ${f.remedy.replaceAll('\n', '\n         ')}\n`;
}

export function formatFindings(findings: readonly Finding[], colors: Colors = pc.createColors(false)): string {
  if (findings.length === 0) return 'no findings\n';
  return sortFindings(findings)
    .map((f) => findingText(f, colors))
    .join('');
}
