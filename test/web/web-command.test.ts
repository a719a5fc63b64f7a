/** `nfwalk web`: writes the page that `npm run build` made, where asked; exit 2 with one line when it cannot. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { buildCli, nfwalk } from '../helpers/cli';
import { pagePath } from '../helpers/page';

buildCli();
const tmp = mkdtempSync(join(tmpdir(), 'nfwalk-web-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

test('nfwalk web writes nfwalk.html in the current directory, and --out where asked', (t) => {
  const page = readFileSync(pagePath, 'utf8');
  t.true(page.startsWith('<!doctype html>'));
  const here = nfwalk(['web'], undefined, tmp);
  t.is(here.status, 0, here.stderr);
  t.is(here.stdout, '');
  t.is(readFileSync(join(tmp, 'nfwalk.html'), 'utf8'), page);
  const there = nfwalk(['web', '--out', join(tmp, 'offline.html')]);
  t.is(there.status, 0, there.stderr);
  t.is(readFileSync(join(tmp, 'offline.html'), 'utf8'), page);
});

test('nfwalk web into a folder that does not exist exits 2 with one line', (t) => {
  const r = nfwalk(['web', '--out', join(tmp, 'no', 'such', 'dir', 'page.html')]);
  t.is(r.status, 2);
  t.regex(r.stderr, /^nfwalk: cannot write .*page\.html: ENOENT[^\n]*\n$/);
});
