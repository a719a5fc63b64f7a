import { copyFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { UsageError } from '../exit';
import type { GlobalOptions } from '../options';

interface WebArgs extends GlobalOptions {
  out: string;
}

/**
 * The page built beside the CLI (dist/nfwalk.html next to dist/cli.js); from the sources (tsx), the one
 * `npm run build` wrote. The CLI copies it rather than carrying 4 MB of page in every start.
 */
const PAGES = [new URL('nfwalk.html', import.meta.url), new URL('../../../dist/nfwalk.html', import.meta.url)];

export const webCommand: CommandModule<GlobalOptions, WebArgs> = {
  command: 'web',
  describe:
    'Write the paste page: one offline HTML file that runs every analysis in the browser (open it from disk; it makes no network request)',
  builder: (y) =>
    y.option('out', { alias: 'o', type: 'string', default: 'nfwalk.html', describe: 'where to write the page' }),
  handler: (args) => {
    const page = PAGES.find((p) => p.protocol === 'file:' && existsSync(fileURLToPath(p)));
    if (!page) throw new UsageError('the page is not built beside this nfwalk: run npm run build');
    try {
      copyFileSync(page, args.out);
    } catch (e) {
      throw new UsageError(`cannot write ${args.out}: ${(e as Error).message}`);
    }
    process.stderr.write(`nfwalk: wrote ${args.out}: open it in a browser (file://); nothing leaves the machine\n`);
  },
};
