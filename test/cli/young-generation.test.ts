/**
 * services and parse keep V8's young generation at the size the start left it (src/cli/young-generation.ts); other
 * commands leave V8's factor of 2. A flag set at run time cannot be read back: a hook loaded before the CLI makes the
 * new space grow at exit if it can, and prints by how much.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { buildCli, cliPath } from '../helpers/cli';
import { repoRoot } from '../helpers/shared';

test.before(() => buildCli());

const sample = join(repoRoot, 'samples', 'incident-node');

// Objects kept in an array survive every scavenge until V8 grows the new space (or the loop's bound: it is at its most).
// Only growth counts: a loaded machine's memory reducer may shrink the new space meanwhile (CI saw 0.5).
const hook = `
const { getHeapSpaceStatistics } = require('node:v8');
const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
process.on('exit', () => {
  const atExit = newSpace();
  let most = atExit;
  const kept = [];
  while (most === atExit && kept.length < 1e6) {
    kept.push({ n: kept.length });
    most = Math.max(most, newSpace());
  }
  process.stderr.write('growth ' + most / atExit + '\\n');
});
`;

/** How much the new space grew at the exit of the CLI running `args`, when made to. */
function growth(args: readonly string[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-young-'));
  try {
    const file = join(dir, 'hook.cjs');
    writeFileSync(file, hook);
    const r = spawnSync(process.execPath, ['-r', file, cliPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const found = /^growth (\S+)$/m.exec(r.stderr);
    if (!found) throw new Error(`no growth printed: ${r.stderr}`);
    return Number(found[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('services and parse keep the young generation at its size', (t) => {
  for (const args of [
    ['services', '--json', '--fail-on', 'none', sample],
    ['services', '--fail-on', 'none', sample],
    ['parse', sample],
    ['parse', '--json', sample],
  ])
    t.is(growth(args), 1, args.join(' '));
});

test("other commands leave V8's growth of the young generation: twice its size", (t) => {
  for (const args of [['chains', sample], ['stale', '--json', '--fail-on', 'none', sample], ['--version']])
    t.is(growth(args), 2, args.join(' '));
});

test('the code caches the build trains on services and parse are taken at start', (t) => {
  const dist = join(repoRoot, 'dist');
  const [bundle] = readdirSync(dist).filter((name) => /^cli-\w+\.cjs$/.test(name));
  const caches = readdirSync(dist).filter((name) => name.endsWith('.cache'));
  t.is(caches.length, 2);
  // As src/cli/start.ts reads them (a 4-byte checksum last), in a process started without V8 flags.
  const taken = `
    const { readFileSync } = require('node:fs');
    const { Script } = require('node:vm');
    const [bundle, cache] = process.argv.slice(1);
    const written = readFileSync(cache);
    const script = new Script(readFileSync(bundle, 'latin1'), { filename: bundle, cachedData: written.subarray(0, written.length - 4) });
    process.stdout.write(String(!script.cachedDataRejected));
  `;
  for (const cache of caches) {
    const r = spawnSync(process.execPath, ['-e', taken, join(dist, bundle!), join(dist, cache)], { encoding: 'utf8' });
    t.is(r.stdout, 'true', `${cache}: ${r.stderr}`);
  }
});
