/**
 * Regenerates the generated parts of docs/ (run by `npm run docs`; a test fails when they are stale):
 * the extension support table, and the diagrams page with its SVGs rendered from samples/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { supportTable } from '../grammar/iptables-save/support-table';
import { printFlowchart } from '../src/report/mermaid/print';
import { diagramOf } from '../src/report/render/diagram';
import { writeDiagrams } from '../src/report/render/write-diagrams';
import { docsDiagrams } from './docs-diagrams';

const docs = join(import.meta.dirname, '..', 'docs');

async function diagramsPage(): Promise<string> {
  const sections = (await docsDiagrams()).map((d) =>
    [
      `### ${d.title}`,
      '',
      `![${d.title}](diagrams/${d.name}.svg)`,
      '',
      `\`${d.command}\``,
      '',
      '<details><summary>Mermaid source</summary>',
      '',
      '```mermaid',
      printFlowchart(d.chart).trimEnd(),
      '```',
      '',
      '</details>',
    ].join('\n'),
  );
  return sections.join('\n\n');
}

export const GENERATED: { file: string; marker: string; render: () => string | Promise<string> }[] = [
  { file: join(docs, 'formats', 'iptables-save.md'), marker: 'extension-support', render: supportTable },
  { file: join(docs, 'diagrams.md'), marker: 'diagrams', render: diagramsPage },
];

/** Where each docs diagram's SVG lives. */
export const diagramSvg = (name: string) => join(docs, 'diagrams', `${name}.svg`);

export function withGenerated(text: string, marker: string, body: string): string {
  const begin = `<!-- generated:${marker} -->`;
  const end = `<!-- /generated:${marker} -->`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`markers ${begin} … ${end} missing`);
  return `${text.slice(0, i + begin.length)}\n${body}\n${text.slice(j)}`;
}

if (process.argv[1] === import.meta.filename) {
  for (const g of GENERATED)
    writeFileSync(g.file, withGenerated(readFileSync(g.file, 'utf8'), g.marker, await g.render()));
  const written = await writeDiagrams(
    (await docsDiagrams()).map((d) => ({ diagram: diagramOf(d.title, d.chart), file: diagramSvg(d.name) })),
  );
  for (const w of written)
    if (w.renderer !== 'chromium')
      throw new Error(`${w.file}: docs are rendered with Chromium (apt-get install chromium)`);
}
