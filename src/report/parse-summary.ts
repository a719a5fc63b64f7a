/** Readable summary of `nfwalk parse`: one line per section, then its tables, then its diagnostics. */
import type { Section } from '../model/section';
import { formatDiagnostic } from './diagnostics';

export function formatParseSummary(sections: readonly Section[]): string {
  const out: string[] = [];
  for (const s of sections) {
    const errors = s.diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = s.diagnostics.length - errors;
    out.push(`${s.source.path}:${s.source.startLine}-${s.source.endLine}  ${s.kind}  ${s.records} rules  ${errors} errors  ${warnings} warnings`);
    for (const t of s.ruleset.tables) {
      const rules = t.chains.reduce((n, c) => n + c.rules.length, 0);
      const user = t.chains.filter((c) => !c.builtin).length;
      out.push(`  *${t.name.padEnd(9)} ${String(t.chains.length - user).padStart(2)} built-in + ${String(user).padStart(5)} user chains  ${String(rules).padStart(7)} rules`);
    }
    for (const d of s.diagnostics) out.push(`  ${formatDiagnostic(s.source.path, d)}`);
  }
  return `${out.join('\n')}\n`;
}
