/** Regenerates the generated parts of docs/ (run by `npm run docs`; a test fails when they are stale). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { supportTable } from '../grammar/iptables-save/support-table';

export const GENERATED = [
  { file: join(import.meta.dirname, '..', 'docs', 'formats', 'iptables-save.md'), marker: 'extension-support', render: supportTable },
];

export function withGenerated(text: string, marker: string, body: string): string {
  const begin = `<!-- generated:${marker} -->`;
  const end = `<!-- /generated:${marker} -->`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`markers ${begin} … ${end} missing`);
  return `${text.slice(0, i + begin.length)}\n${body}\n${text.slice(j)}`;
}

if (process.argv[1] === import.meta.filename) {
  for (const g of GENERATED) writeFileSync(g.file, withGenerated(readFileSync(g.file, 'utf8'), g.marker, g.render()));
}
