/** Diagnostics as compilers print them: `file:line:column: severity: message`. */
import type { Diagnostic } from '../model/diagnostic';

export function formatDiagnostic(path: string, d: Diagnostic): string {
  return `${path}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;
}
