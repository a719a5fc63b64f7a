/**
 * parse keeps V8's young generation at the size the start left it, and parse and services inline less
 * (src/cli/v8-settings.ts); other commands leave V8's defaults. A flag set at run time cannot be read back: a hook
 * loaded before the CLI notes the flags it sets, and at exit makes the new space grow if it can and prints by how much.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { buildCli, cliPath } from '../helpers/cli';
import { repoRoot } from '../helpers/shared';

test.before(() => buildCli());

const sample = join(repoRoot, 'samples', 'incident-node');

// Objects kept in an array survive every scavenge until V8 grows the new space (or the loop's bound: it is at its most).
// Only growth counts: a loaded machine's memory reducer may shrink the new space meanwhile (CI saw 0.5).
const hook = `
const v8 = require('node:v8');
const { getHeapSpaceStatistics, setFlagsFromString } = v8;
const set = [];
v8.setFlagsFromString = (flags) => {
  set.push(flags);
  setFlagsFromString(flags);
};
const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
process.on('exit', () => {
  const atExit = newSpace();
  let most = atExit;
  const kept = [];
  while (most === atExit && kept.length < 1e6) {
    kept.push({ n: kept.length });
    most = Math.max(most, newSpace());
  }
  process.stderr.write('growth ' + most / atExit + '\\n' + 'flags ' + JSON.stringify(set) + '\\n');
});
`;

interface Settled {
  /** How much the new space grew at exit, when made to. */
  readonly growth: number;
  /** The V8 flags the CLI set, in order. */
  readonly flags: readonly string[];
}

function settled(args: readonly string[]): Settled {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-v8-'));
  try {
    const file = join(dir, 'hook.cjs');
    writeFileSync(file, hook);
    const r = spawnSync(process.execPath, ['-r', file, cliPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const growth = /^growth (\S+)$/m.exec(r.stderr)?.[1];
    const flags = /^flags (.*)$/m.exec(r.stderr)?.[1];
    if (growth === undefined || flags === undefined) throw new Error(`no growth or flags printed: ${r.stderr}`);
    return { growth: Number(growth), flags: JSON.parse(flags) as string[] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** V8's own budget of bytecode inlined into one function. */
const V8_INLINING = 920;
const INLINING = /^--max-inlined-bytecode-size-cumulative=(\d+)$/;

/** Each of `runs` grows the new space by `growth` and sets an inlining budget below V8's, or none. */
function macro(t: ExecutionContext, runs: readonly (readonly string[])[], growth: number, inlinesLess: boolean) {
  for (const args of runs) {
    const found = settled(args);
    const budgets = found.flags.flatMap((f) => INLINING.exec(f)?.[1] ?? []).map(Number);
    t.is(found.growth, growth, args.join(' '));
    t.deepEqual(
      budgets.map((b) => b < V8_INLINING),
      inlinesLess ? [true] : [],
      `${args.join(' ')}: ${found.flags.join(' ')}`,
    );
  }
}

test(
  'parse keeps the young generation at its size and inlines less',
  macro,
  [
    ['parse', sample],
    ['parse', '--json', sample],
  ],
  1,
  true,
);

test(
  "services inlines less and leaves V8's growth of the young generation: twice its size",
  macro,
  [
    ['services', '--json', '--fail-on', 'none', sample],
    ['services', '--fail-on', 'none', sample],
  ],
  2,
  true,
);

test(
  "other commands leave V8's inlining and growth of the young generation",
  macro,
  [['chains', sample], ['stale', '--json', '--fail-on', 'none', sample], ['--version']],
  2,
  false,
);

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
