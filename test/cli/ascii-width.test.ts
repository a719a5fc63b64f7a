/**
 * The CLI's bundle gives yargs, cliui and wrap-ansi string-width through scripts/ascii-width.mjs, which answers
 * printable ASCII by its length without loading string-width: held here to the string-width each of them imports.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { asciiFirstWidth } from '../../scripts/ascii-width.mjs';
import { repoRoot } from '../helpers/shared';

type Width = (text: string, options?: object) => number;

const SAMPLES = [
  '',
  ' ',
  String.fromCharCode(...Array.from({ length: 95 }, (_, i) => 0x20 + i)),
  'nfwalk services [inputs..]',
  '--fail-on  lowest severity that makes the exit code 1  [choices: "error", "warning", "none"] [default: "warning"]',
  'tab\there',
  'new\nline',
  '\u001b[31mred\u001b[39m',
  'caf\u00e9',
  '\u00a0no-break',
  '\u4e2d\u6587',
  '\uff21\uff22',
  'emoji \u{1f600}',
  'flag \u{1f1e9}\u{1f1ea}',
  'e\u0301',
  '\u200bzero',
  '\u007f',
  '\ud800',
];

/** string-width as the importer that asks for it finds it (yargs: 8, cliui and wrap-ansi: 7). */
async function stringWidthOf(importer: string): Promise<Width> {
  const path = createRequire(join(repoRoot, 'node_modules', importer, 'package.json')).resolve('string-width');
  return ((await import(pathToFileURL(path).href)) as { default: Width }).default;
}

for (const importer of ['yargs', 'cliui', 'wrap-ansi']) {
  test(`the same widths as ${importer}'s string-width, which it loads only for text beyond printable ASCII`, async (t) => {
    const real = await stringWidthOf(importer);
    let loads = 0;
    const width = asciiFirstWidth(() => {
      loads++;
      return real;
    });
    for (const text of SAMPLES.slice(0, 5)) t.is(width(text), text.length);
    t.is(loads, 0);
    for (const text of SAMPLES) {
      t.is(width(text), real(text), JSON.stringify(text));
      t.is(width(text, { ambiguousIsNarrow: false }), real(text, { ambiguousIsNarrow: false }), JSON.stringify(text));
    }
    t.is(loads, 1);
  });
}
