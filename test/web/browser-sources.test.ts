/**
 * The page's file reading (src/web/browser-sources.ts) with the web platform's Blob, streams and
 * DecompressionStream, which Node has too: the same files and bundles must give exactly the sections, skipped
 * lines and failures that the CLI's reading of the same paths gives.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ZipFile } from 'yazl';
import { findSections } from '../../src/input/sections';
import { findSectionsInSources } from '../../src/input/text-sections';
import type { InputFailure } from '../../src/model/section';
import { type PickedFile, browserSources } from '../../src/web/browser-sources';
import { sortedPicks } from '../../src/web/dropped-files';
import { SourceTexts } from '../../src/web/source-texts';
import { repoRoot } from '../helpers/shared';

const tmp = mkdtempSync(join(tmpdir(), 'nfwalk-browser-sources-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));
// Paths relative to the folder, as the browser names what it is given.
process.chdir(tmp);
cpSync(join(repoRoot, 'samples', 'incident-node'), 'incident-node', { recursive: true });
execFileSync('tar', ['-czf', 'incident-node.tar.gz', 'incident-node']);
execFileSync('tar', ['-cJf', 'incident-node.tar.xz', 'incident-node']);
writeFileSync('binary.bin', Buffer.from([0, 1, 2, 3, 10, 0, 0]));
writeFileSync('broken.tgz', Buffer.from('not gzip at all\n'));
writeFileSync('old.tar.bz2', Buffer.from('BZh'));

async function zipOf(members: Record<string, Buffer>): Promise<Buffer> {
  const z = new ZipFile();
  for (const [name, content] of Object.entries(members)) z.addBuffer(content, name);
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A chosen folder's files as the page has them: `folder/…` (webkitRelativePath), put in order. */
function folder(path: string): PickedFile[] {
  return sortedPicks(
    readdirSync(path, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => pick(join(d.parentPath, d.name))),
  );
}

function pick(path: string): PickedFile {
  return { path, file: new Blob([readFileSync(path)]) };
}

async function inPage(files: readonly PickedFile[]) {
  const failures: InputFailure[] = [];
  return findSectionsInSources(browserSources(files, failures), failures);
}

for (const bundle of ['incident-node.tar.gz', 'incident-node.tar.xz', 'binary.bin', 'broken.tgz', 'old.tar.bz2'])
  test(`${bundle} reads in the page as the CLI reads it`, async (t) => {
    t.deepEqual(await inPage([pick(bundle)]), await findSections([bundle]));
  });

test('a chosen folder reads in the page as the CLI reads the directory', async (t) => {
  t.deepEqual(await inPage(folder('incident-node')), await findSections(['incident-node']));
});

test('a zip holding a tarball and a folder reads as the CLI reads it', async (t) => {
  writeFileSync(
    'sysdump.zip',
    await zipOf({
      'sysdump/inner.tgz': readFileSync('incident-node.tar.gz'),
      'sysdump/node-b/iptables-save.txt': readFileSync(join(repoRoot, 'samples', 'kube-node.iptables-save')),
    }),
  );
  const page = await inPage([pick('sysdump.zip')]);
  t.deepEqual(page, await findSections(['sysdump.zip']));
  t.true(page.sections.length > 5);
  t.true(page.sections.some((s) => s.source.path === 'sysdump.zip/sysdump/inner.tgz/incident-node/conntrack-L.txt'));
});

test('bytes read are counted for the progress bar, up to the files’ size', async (t) => {
  const seen: number[] = [];
  const files = [pick('incident-node.tar.gz'), pick('binary.bin')];
  await findSectionsInSources(browserSources(files, [], (n) => seen.push(n)));
  t.is(
    seen.at(-1),
    files.reduce((s, f) => s + f.file.size, 0),
  );
});

test('a folder’s files are put in the order the CLI walks a directory', (t) => {
  const names = ['b/x', 'a.txt', 'a/z', 'a/b/c', 'B'];
  const sorted = sortedPicks(names.map((path) => ({ path, file: new Blob([]) }))).map((p) => p.path);
  t.deepEqual(sorted, ['B', 'a/b/c', 'a/z', 'a.txt', 'b/x']);
});

test('evidence lines: the lines around one, and nothing for an input too large to keep', (t) => {
  const texts = new SourceTexts();
  texts.append('<stdin>', 'one\ntwo\nth');
  texts.append('<stdin>', 'ree\nfour\n');
  t.deepEqual(texts.around('<stdin>', 3, 1), { path: '<stdin>', from: 2, line: 3, lines: ['two', 'three', 'four'] });
  t.deepEqual(texts.around('<stdin>', 1, 5)?.lines, ['one', 'two', 'three', 'four', '']);
  t.is(texts.around('other', 1, 1), null);
});
