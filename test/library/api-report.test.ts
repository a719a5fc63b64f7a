/**
 * The library's surface is reviewed: the API report made from the built declarations (scripts/api-report.mjs,
 * run by `npm run build`) must equal the committed docs/api/nfwalk.api.md, so no export changes unseen
 * (`npm run api-report` accepts a change). Importing the built library reads no environment and loads no
 * browser driver or renderer.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { repoRoot } from '../helpers/shared';

test.before(() => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), '--types'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
});

test('the API report of the built declarations is the committed one', (t) => {
  const built = readFileSync(join(repoRoot, 'build', 'api', 'nfwalk.api.md'), 'utf8');
  t.is(
    built,
    readFileSync(join(repoRoot, 'docs', 'api', 'nfwalk.api.md'), 'utf8'),
    'the library API changed: review build/api/nfwalk.api.md, then npm run api-report',
  );
  for (const name of ['readInputs', 'readText', 'parse', 'analyze', 'services', 'stale', 'trace'])
    t.regex(built, new RegExp(`^export function ${name}\\(`, 'm'));
});

// Keys Node's own module loader looks up while importing anything.
const NODE_LOADER = new Set(['WATCH_REPORT_DEPENDENCIES', 'NODE_V8_COVERAGE']);

test('importing the library reads no environment and imports no renderer', (t) => {
  const probe = `
    const reads = new Set();
    process.env = new Proxy(process.env, { get: (o, k) => (typeof k === 'string' && reads.add(k), Reflect.get(o, k)), has: (o, k) => (reads.add(String(k)), Reflect.has(o, k)) });
    await import(${JSON.stringify(join(repoRoot, 'dist', 'index.js'))});
    console.log(JSON.stringify([...reads]));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.deepEqual(
    (JSON.parse(r.stdout) as string[]).filter((k) => !NODE_LOADER.has(k)),
    [],
  );
  const bundle = readFileSync(join(repoRoot, 'dist', 'index.js'), 'utf8');
  t.notRegex(
    bundle,
    /^import .* from "(puppeteer|mermaid|beautiful-mermaid|yargs|picocolors)"/m,
    'no static import of a renderer or the CLI',
  );
});
