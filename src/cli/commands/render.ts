import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CommandModule } from 'yargs';
import { diagramsInFile } from '../../report/render/sources';
import { writeDiagrams } from '../../report/render/write-diagrams';
import { UsageError } from '../exit';
import type { GlobalOptions } from '../options';
import { writeOut } from '../write';

interface RenderArgs extends GlobalOptions {
  files: string[];
  to: 'svg' | 'png' | 'pdf';
  outDir?: string;
  chromium?: string;
}

export const renderCommand: CommandModule<GlobalOptions, RenderArgs> = {
  command: 'render <files..>',
  describe:
    'Render Mermaid diagrams (.mmd files, or the mermaid blocks of .md files) to SVG, PNG or PDF, all in one browser',
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, demandOption: true, describe: '.mmd or .md files' })
      .option('to', { choices: ['svg', 'png', 'pdf'] as const, default: 'svg' as const, describe: 'image format' })
      .option('out-dir', { type: 'string', describe: 'where the images go (default: beside each input)' })
      .option('chromium', {
        type: 'string',
        describe:
          'Chromium to render with (default: $PUPPETEER_EXECUTABLE_PATH, then /usr/bin/chromium); none: render SVG without a browser',
      }),
  handler: async (args) => {
    const jobs = [];
    for (const file of args.files) {
      const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
      });
      const found = diagramsInFile(file, text);
      if (found.length === 0) throw new UsageError(`${file}: no mermaid block in it`);
      for (const { stem, diagram } of found)
        jobs.push({ diagram, file: join(args.outDir ?? dirname(file), `${stem}.${args.to}`) });
    }
    const written = await writeDiagrams(jobs, args.chromium === undefined ? {} : { chromium: args.chromium });
    await writeOut(
      written.map(
        (w) =>
          `${w.file}${w.renderer === 'beautiful-mermaid' ? ' (drawn without a browser by beautiful-mermaid)' : ''}\n`,
      ),
    );
  },
};
