/**
 * What every command that draws does with its diagram: `--format mermaid` prints the source,
 * `--format ascii` a text picture, `--output FILE` renders it to a file (in addition to what stdout gets).
 * The commands that draw share their `--format` choices: text, json and the two diagram formats.
 * The printers and renderers are imported when a diagram is asked for: their modules (node:fs/promises, the
 * browser's and the plain renderer's) were evaluated by every run of these commands, which mostly print text or JSON.
 */
import type { Argv } from 'yargs';
import type { Flowchart } from '../report/mermaid/flowchart';
import { writeOut } from './write';

const FORMATS = ['text', 'json', 'mermaid', 'ascii'] as const;

export type DrawingFormat = (typeof FORMATS)[number];

export interface DiagramArgs {
  json: boolean;
  format: DrawingFormat;
  output?: string;
  chromium?: string;
}

/** The format asked for: `--json` is `--format json`. */
export const formatOf = (args: DiagramArgs): DrawingFormat => (args.json ? 'json' : args.format);

export function withDiagramOptions<T>(y: Argv<T>) {
  return y
    .option('format', {
      choices: FORMATS,
      default: 'text' as const,
      describe: 'output format (--json is --format json)',
    })
    .option('output', {
      alias: 'o',
      type: 'string',
      describe:
        'also write the diagram to FILE: .svg, .png or .pdf (rendered), .md (a mermaid block), .mmd (the source)',
    })
    .option('chromium', {
      type: 'string',
      describe:
        'Chromium to render with (default: $PUPPETEER_EXECUTABLE_PATH, then /usr/bin/chromium); none: render SVG without a browser',
    });
}

const note = (line: string) => process.stderr.write(`nfwalk: ${line}\n`);

/** Prints the diagram when the format asks for one; returns false when the format is another. */
export async function printDiagram(format: string, chart: () => Flowchart): Promise<boolean> {
  if (format === 'mermaid') {
    const { printFlowchart } = await import('../report/mermaid/print');
    await writeOut([printFlowchart(chart())]);
    if (process.stdout.isTTY)
      note('this is Mermaid source: --format ascii draws it here, --output FILE.svg renders it');
    return true;
  }
  if (format !== 'ascii') return false;
  const { asciiPicture } = await import('../report/render/plain-renderer');
  const c = chart();
  const picture = await asciiPicture(c);
  if (picture === undefined)
    note(`${c.nodes.length} boxes are too many for a terminal picture: render it with --output FILE.svg`);
  else await writeOut([`${picture}\n`]);
  return true;
}

export async function writeDiagram(args: DiagramArgs, title: string, chart: () => Flowchart): Promise<void> {
  if (args.output === undefined) return;
  const [{ diagramOf }, { writeDiagrams }] = await Promise.all([
    import('../report/render/diagram'),
    import('../report/render/write-diagrams'),
  ]);
  const [written] = await writeDiagrams(
    [{ diagram: diagramOf(title, chart()), file: args.output }],
    args.chromium === undefined ? {} : { chromium: args.chromium },
  );
  if (written?.renderer === 'beautiful-mermaid')
    note(`${written.file}: drawn without a browser by beautiful-mermaid (install chromium for Mermaid's own layout)`);
}
