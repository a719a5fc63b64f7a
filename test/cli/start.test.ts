/** dist/cli.js runs the CLI's bundle with V8's code cache (src/cli/start.ts): the same output with or without one. */
import { spawnSync } from 'node:child_process';
import { isAscii } from 'node:buffer';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import test from 'ava';
import { buildCli, nfwalk } from '../helpers/cli';
import { repoRoot } from '../helpers/shared';

test.before(() => buildCli());

const dist = join(repoRoot, 'dist');
const sample = join(repoRoot, 'samples', 'incident-node');
const [bundle] = readdirSync(dist).filter((name) => /^cli-\w+\.cjs$/.test(name));

/** The code cache of the bundle for the runs of parse and most commands, or, named, the one of some commands. */
const cacheName = (name?: string) => bundle!.replace(/\.cjs$/, name === undefined ? '.cache' : `.${name}.cache`);

test('the build writes one bundle, in ASCII alone, and its code caches', (t) => {
  t.truthy(bundle);
  t.true(isAscii(readFileSync(join(dist, bundle!))));
  const plain = readFileSync(join(dist, cacheName())).length;
  t.true(plain > 0);
  // Trained on services after the parse: it holds more compiled code than the parse's.
  t.true(readFileSync(join(dist, cacheName('services'))).length > plain);
});

test('the bundle is compiled as written and its caches are read in place', (t) => {
  // A wrapper joined at start would be a second copy of the bundle, flattened by V8 before compiling.
  t.true(readFileSync(join(dist, bundle!), 'latin1').startsWith('(function (exports, require, module, __filename, '));
  // The checksum after the cache, which starts the file: V8 copies a cache that is not 8-byte aligned.
  for (const name of [undefined, 'services']) {
    const written = readFileSync(join(dist, cacheName(name)));
    t.is(written.readUInt32BE(written.length - 4), crc32(written.subarray(0, written.length - 4)));
  }
});

/**
 * dist/cli.js and its bundle copied into a folder of their own, with `cache` as the bundle's code cache and
 * `services` as the services cache; the folder is read-only while the CLI runs, which writes nothing there.
 */
function runCopy(cache: Buffer | undefined, args: readonly string[], services?: Buffer) {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-start-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    copyFileSync(join(dist, 'cli.js'), join(dir, 'cli.js'));
    copyFileSync(join(dist, bundle!), join(dir, bundle!));
    if (cache) writeFileSync(join(dir, cacheName()), cache);
    if (services) writeFileSync(join(dir, cacheName('services')), services);
    const files = readdirSync(dir).sort();
    chmodSync(dir, 0o555);
    const r = spawnSync(process.execPath, [join(dir, 'cli.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
    chmodSync(dir, 0o755);
    return {
      status: r.status,
      stdout: r.stdout,
      stderr: r.stderr,
      written: readdirSync(dir).sort().join() !== files.join(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A code cache with its body damaged: its checksum no longer matches. */
function damaged(cache: Buffer): Buffer {
  const broken = Buffer.from(cache);
  broken.fill(7, 64, 4096);
  return broken;
}

test('without a code cache, or with a broken or foreign one, the CLI prints the same', (t) => {
  const args = ['parse', '--json', sample];
  const expected = { ...nfwalk(args), written: false };
  t.is(expected.status, 0, expected.stderr);
  const cache = readFileSync(join(dist, cacheName()));
  for (const c of [undefined, cache.subarray(0, cache.length >> 1), damaged(cache), Buffer.from('not a cache')])
    t.deepEqual(runCopy(c, args), expected);
});

test("services prints the same with its own code cache, a broken one (the parse's is read), or none", (t) => {
  const args = ['services', '--json', '--fail-on', 'none', sample];
  const expected = { ...nfwalk(args), written: false };
  t.is(expected.status, 0, expected.stderr);
  const cache = readFileSync(join(dist, cacheName()));
  const services = readFileSync(join(dist, cacheName('services')));
  for (const [c, s] of [
    [cache, services],
    [cache, damaged(services)],
    [undefined, damaged(services)],
    [cache, undefined],
    [undefined, undefined],
  ] as const)
    t.deepEqual(runCopy(c, args, s), expected);
  // A parse reads the parse's cache whatever the services one holds.
  const parse = ['parse', '--json', sample];
  t.deepEqual(runCopy(cache, parse, damaged(services)), { ...nfwalk(parse), written: false });
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

test("services --json, through yargs, loads no more of Node's modules than a parse", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-modules-'));
  const hook = join(dir, 'modules.cjs');
  const list = join(dir, 'modules.json');
  writeFileSync(
    hook,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(process.moduleLoadList)));`,
  );
  // Run from a directory with no package.json above it and a dot in its name, where yargs's guess of a version
  // (from the package.json above where it lies, scripts/build.mjs) would find none and load node:assert.
  const cwd = join(dir, 'in.a.dir');
  mkdirSync(cwd);
  const loadedBy = (args: readonly string[]) => {
    const r = spawnSync(process.execPath, ['-r', hook, join(dist, 'cli.js'), ...args], { encoding: 'utf8', cwd });
    t.is(r.status, 0, r.stderr);
    return (JSON.parse(readFileSync(list, 'utf8')) as string[]).filter((m) => m.startsWith('NativeModule '));
  };
  try {
    const dump = join(repoRoot, 'samples', 'kube-node.iptables-save');
    const parse = new Set(loadedBy(['parse', dump]));
    // node:assert (yargs's checks of its own arguments) and node:fs/promises (writing diagrams) were loaded.
    t.deepEqual(
      loadedBy(['services', '--json', '--fail-on', 'none', dump]).filter((m) => !parse.has(m)),
      [],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
