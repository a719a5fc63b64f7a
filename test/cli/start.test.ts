/** dist/cli.js runs the CLI's bundle with V8's code cache (src/cli/start.ts): the same output with or without one. */
import { spawnSync } from 'node:child_process';
import { isAscii } from 'node:buffer';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { buildCli, nfwalk } from '../helpers/cli';
import { repoRoot } from '../helpers/shared';

test.before(() => buildCli());

const dist = join(repoRoot, 'dist');
const sample = join(repoRoot, 'samples', 'incident-node');
const [bundle] = readdirSync(dist).filter((name) => /^cli-\w+\.cjs$/.test(name));

test('the build writes one bundle, in ASCII alone, and its code cache', (t) => {
  t.truthy(bundle);
  t.true(isAscii(readFileSync(join(dist, bundle!))));
  t.true(readFileSync(join(dist, bundle!.replace(/\.cjs$/, '.cache'))).length > 0);
});

/** dist/cli.js and its bundle copied into a folder of their own, with `cache` as the bundle's code cache. */
function runCopy(cache: Buffer | undefined, args: readonly string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-start-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    copyFileSync(join(dist, 'cli.js'), join(dir, 'cli.js'));
    copyFileSync(join(dist, bundle!), join(dir, bundle!));
    if (cache) writeFileSync(join(dir, bundle!.replace(/\.cjs$/, '.cache')), cache);
    const r = spawnSync(process.execPath, [join(dir, 'cli.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('without a code cache, or with a broken or foreign one, the CLI prints the same', (t) => {
  const args = ['parse', '--json', sample];
  const expected = nfwalk(args);
  t.is(expected.status, 0, expected.stderr);
  const cache = readFileSync(join(dist, bundle!.replace(/\.cjs$/, '.cache')));
  const broken = Buffer.from(cache);
  broken.fill(7, 64, 4096);
  for (const c of [undefined, cache.subarray(0, cache.length >> 1), broken, Buffer.from('not a cache')])
    t.deepEqual(runCopy(c, args), expected);
});

test('nfwalk parse FILE... without options (read without yargs) prints what yargs gives the same command', (t) => {
  const dump = join(repoRoot, 'samples', 'kube-node.iptables-save');
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-parse-'));
  const broken = join(dir, 'broken.iptables-save');
  writeFileSync(broken, '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 1.2.3.4/33 -j ACCEPT\n-A NOPE -j DROP\n');
  try {
    for (const inputs of [[sample], [dump, sample], ['no-such-file'], [broken], [dump, broken]]) {
      // An option given at its default sends the command line through yargs.
      const byYargs = nfwalk(['parse', '--fail-on', 'error', ...inputs]);
      t.deepEqual(nfwalk(['parse', ...inputs]), byYargs, inputs.join(' '));
    }
    t.is(nfwalk(['parse', broken]).status, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a parse of a plain file loads none of Node's modules that only other runs need", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-modules-'));
  const hook = join(dir, 'modules.cjs');
  const list = join(dir, 'modules.json');
  // Node's own list of the internal modules it has loaded, written at exit.
  writeFileSync(
    hook,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(process.moduleLoadList)));`,
  );
  try {
    const r = spawnSync(process.execPath, ['-r', hook, join(dist, 'cli.js'), 'parse', sample], { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
    const loaded = JSON.parse(readFileSync(list, 'utf8')) as string[];
    t.true(loaded.includes('NativeModule fs'));
    // crypto: the code cache's checksum; worker_threads: asking whether the run is a bulk worker.
    for (const name of ['crypto', 'worker_threads']) t.false(loaded.includes(`NativeModule ${name}`), name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
