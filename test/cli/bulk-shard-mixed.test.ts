/**
 * Sharding and merging an archive unlike the generated one of bulk-shards.test.ts (mixed-bundle-corpus.ts):
 * nftables-, iptables- and IPVS-mode nodes, folders, tarballs, xz, zip and nested archives, broken and empty
 * bundles, a paste, spaces, glob characters and non-ASCII letters in names, the same names in different folders,
 * bundles in year/month folders found through a glob, real-world dumps of ../shared, and inputs that overlap
 * and are not in path order. Split 1, 2, 3, 5 and 7 ways in separate processes (and by JOB_COMPLETION_INDEX),
 * every bundle lands in exactly one shard, and the shards' NDJSON, merged in any order from files, a folder or
 * standard input, prints exactly what one run prints, text and --json, with or without filters; a run stopped
 * by SIGTERM resumes; bundles added later move no other.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { type MixedCorpus, writeMixedCorpus } from '../generators/mixed-bundle-corpus';
import { buildCli, cliPath, nfwalk, nfwalkAsync } from '../helpers/cli';
import { repoRoot, sharedAvailable, sharedDir } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'nfwalk-mixed-shards-'));
/** Results of the one run, which the filtered runs read back instead of analysing again. */
const cache = join(dir, 'one-run');
const OLD = new Date('2023-03-01T00:00:00Z');
const CUT = '2024-01-01';
const quiet = ['--workers', '1', '--fail-on', 'none'];

let corpus: MixedCorpus;
let inputs: string[] = [];
let expected: string[] = [];
let oneText = '';
let oneJson = '';
/** Shard of each bundle for each N, from the first test. */
const assigned = new Map<number, Map<string, number>>();

test.before(async () => {
  buildCli();
  corpus = await writeMixedCorpus(dir, {
    services: 6,
    entries: 60,
    samples: join(repoRoot, 'samples'),
    ...(sharedAvailable ? { shared: sharedDir } : {}),
  });
  // Every third bundle of this corpus is old (links and ../shared keep their targets' times).
  corpus.bundles
    .filter((b) => b.path.startsWith(dir) && b.kind !== 'dangling' && b.kind !== 'realworld')
    .forEach((b, i) => {
      if (i % 3 === 0) utimesSync(b.path, OLD, OLD);
    });
  // Not in path order, and overlapping: one bundle is also named by itself.
  const xz = corpus.bundles.find((b) => b.path.endsWith('node-7.tar.xz'))!.path;
  inputs = [...corpus.loose, corpus.glob, corpus.archive, xz];
  expected = corpus.bundles.map((b) => b.path).sort();
  oneText = nfwalk(['bulk', ...inputs, '--results', cache, ...quiet]).stdout;
  oneJson = nfwalk(['bulk', ...inputs, '--results', cache, '--json', ...quiet]).stdout;
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  path: string;
  ms: number;
}
const lines = (ndjson: string) =>
  ndjson
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Result);
const doc = (json: string) => JSON.parse(json) as { bundles: Result[]; summary: unknown };
/** A --json document without the analysis times, which differ from run to run. */
const timeless = (json: string) => {
  const d = doc(json);
  return { bundles: d.bundles.map(({ ms: _, ...b }) => b), summary: d.summary };
};

test.serial('one run lists every bundle of the mixed archive once', (t) => {
  const one = doc(oneJson);
  t.deepEqual(
    one.bundles.map((b) => b.path),
    expected,
    'each bundle once (the one named twice too), listed by path',
  );
  const failing = corpus.bundles.filter((b) => ['corrupt', 'empty', 'dangling'].includes(b.kind)).length;
  t.regex(
    oneText,
    new RegExp(`^bulk: ${expected.length} bundles \\(${expected.length - failing} analysed, ${failing} failed\\)`),
  );
  const kinds = new Set(corpus.bundles.map((b) => b.kind));
  t.true(kinds.has('sos-nft') && kinds.has('ipvs') && kinds.has('nested') && kinds.has('paste'));
});

for (const n of [1, 2, 3, 5, 7])
  test.serial(
    `${n} shard(s) in separate processes, merged in any order, print exactly what one run prints`,
    async (t) => {
      const shards = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          nfwalkAsync(['bulk', ...inputs, '--shard', `${i + 1}/${n}`, '--ndjson', ...quiet]),
        ),
      );
      const out = join(dir, `shards-${n}`);
      mkdirSync(out);
      const byShard = new Map<string, number>();
      shards.forEach((s, i) => {
        t.true(s.status === 0 || s.status === 1, s.stderr);
        const got = lines(s.stdout);
        t.regex(
          s.stderr,
          new RegExp(`^nfwalk: shard ${i + 1}/${n}: ${got.length} of ${expected.length} bundles$`, 'm'),
        );
        for (const r of got) {
          t.false(byShard.has(r.path), `${r.path} in one shard only`);
          byShard.set(r.path, i + 1);
        }
        writeFileSync(join(out, `shard-${i + 1}.ndjson`), s.stdout);
      });
      t.deepEqual([...byShard.keys()].sort(), expected, 'every bundle in a shard');
      assigned.set(n, byShard);

      // Files in an order unlike the shards', the folder, and standard input in yet another order.
      const file = (k: number) => join(out, `shard-${k}.ndjson`);
      const rotated = Array.from({ length: n }, (_, i) => file(((i + 1) % n) + 1)).reverse();
      const merged = nfwalk(['bulk', '--merge', ...rotated, '--fail-on', 'none']);
      t.is(merged.status, 0, merged.stderr);
      t.is(merged.stdout, oneText);
      t.deepEqual(timeless(nfwalk(['bulk', '--merge', out, '--json', '--fail-on', 'none']).stdout), timeless(oneJson));
      const evensFirst = [...rotated].sort(
        (a, b) => Number(/[02468]\.ndjson$/.test(b)) - Number(/[02468]\.ndjson$/.test(a)),
      );
      const cat = evensFirst.map((f) => readFileSync(f, 'utf8')).join('');
      t.is(nfwalk(['bulk', '--merge', '-', '--fail-on', 'none'], cat).stdout, oneText);
      // Exit codes follow the findings, as a run's do.
      t.is(nfwalk(['bulk', '--merge', out]).status, nfwalk(['bulk', ...inputs, '--results', cache]).status);
    },
  );

test.serial('--shards N with JOB_COMPLETION_INDEX picks what --shard K/N picks', async (t) => {
  const byIndex = await Promise.all(
    [0, 1, 2].map((i) =>
      nfwalkAsync(['bulk', ...inputs, '--shards', '3', '--ndjson', '--results', cache, ...quiet], {
        JOB_COMPLETION_INDEX: String(i),
      }),
    ),
  );
  const three = assigned.get(3)!;
  byIndex.forEach((s, i) =>
    t.deepEqual(
      lines(s.stdout)
        .map((r) => r.path)
        .sort(),
      expected.filter((p) => three.get(p) === i + 1),
    ),
  );
});

test.serial('filters give the same at merge time, in the shards, or in one run', (t) => {
  const out = join(dir, 'shards-5');
  const node = corpus.bundles.find((b) => b.kind === 'ipvs')!.path.replace(/^.*\/(.*)\.zip$/, '$1');
  for (const filter of [
    ['--only', 'STALE_*'],
    ['--only', 'LINT_*', '--only', 'SVC_*'],
    ['--where', 'bundle~Störung|事件|nöde'],
    ['--where', 'node=node-a and severity=error'],
    ['--node', node],
    ['--since', CUT],
    ['--since', CUT, '--only', 'STALE_*', '--where', 'severity!=info'],
  ]) {
    const what = filter.join(' ');
    const run = nfwalk(['bulk', ...inputs, '--results', cache, '--fail-on', 'none', ...filter]);
    t.is(run.status, 0, run.stderr);
    t.is(nfwalk(['bulk', '--merge', out, '--fail-on', 'none', ...filter]).stdout, run.stdout, what);
    const runJson = nfwalk(['bulk', ...inputs, '--results', cache, '--json', '--fail-on', 'none', ...filter]).stdout;
    t.deepEqual(
      timeless(nfwalk(['bulk', '--merge', out, '--json', '--fail-on', 'none', ...filter]).stdout),
      timeless(runJson),
      what,
    );
    // Filtered in the shards, merged without.
    const filtered = [1, 2]
      .map((k) => nfwalk(['bulk', ...inputs, '--results', cache, '--shard', `${k}/2`, '--ndjson', ...quiet, ...filter]))
      .map((s) => s.stdout)
      .join('');
    t.is(nfwalk(['bulk', '--merge', '-', '--fail-on', 'none'], filtered).stdout, run.stdout, `${what} in the shards`);
  }
  t.not(
    nfwalk(['bulk', '--merge', out, '--fail-on', 'none', '--since', CUT]).stdout,
    oneText,
    'some bundles are older than the cut',
  );
});

test.serial('a result kept from before carries the bundle folder time of now, so --since agrees', (t) => {
  // A folder whose own time moved (an entry added and removed) while its files did not: its kept result is reused.
  const folder = corpus.bundles.find((b) => b.path.endsWith('Störung Knoten 6'))!.path;
  utimesSync(folder, OLD, OLD);
  const fresh = nfwalk(['bulk', ...inputs, '--since', CUT, ...quiet]);
  const shards = [1, 2]
    .map((k) => nfwalk(['bulk', ...inputs, '--results', cache, '--shard', `${k}/2`, '--ndjson', ...quiet]))
    .map((s) => s.stdout)
    .join('');
  t.regex(nfwalk(['bulk', ...inputs, '--results', cache, ...quiet]).stderr, /; 0 to analyse$/m, 'reused');
  t.is(nfwalk(['bulk', '--merge', '-', '--since', CUT, '--fail-on', 'none'], shards).stdout, fresh.stdout);
  t.is(nfwalk(['bulk', ...inputs, '--results', cache, '--since', CUT, ...quiet]).stdout, fresh.stdout);
});

test.serial('SIGTERM midway keeps what is done; the rerun and the shards finish from it', async (t) => {
  const results = join(dir, 'resumed');
  const child = spawn(process.execPath, [cliPath, 'bulk', ...inputs, '--results', results, '--json', ...quiet]);
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const kept = () => {
    try {
      return readdirSync(results).filter((f) => f.endsWith('.ndjson'));
    } catch {
      return [];
    }
  };
  const deadline = Date.now() + 120_000;
  while (kept().length < 6 && Date.now() < deadline) await sleep(50);
  child.kill('SIGTERM');
  t.is(await exited, 2, stderr);
  t.is(stdout, '');
  const done = kept().length;
  t.true(done >= 6 && done < expected.length, `${done} kept`);
  t.deepEqual(
    readdirSync(results).filter((f) => f.startsWith('.')),
    [],
    'nothing half-written',
  );
  const rerun = nfwalk(['bulk', ...inputs, '--results', results, ...quiet]);
  t.regex(
    rerun.stderr,
    new RegExp(
      `^nfwalk: ${done} of ${expected.length} bundles done before in .*; ${expected.length - done} to analyse$`,
      'm',
    ),
  );
  t.is(rerun.stdout, oneText);
  t.is(nfwalk(['bulk', '--merge', results, '--fail-on', 'none']).stdout, oneText);
  for (const k of [1, 2, 3]) {
    const shard = nfwalk(['bulk', ...inputs, '--results', results, '--shard', `${k}/3`, ...quiet]);
    t.regex(shard.stderr, /^nfwalk: (\d+) of \1 bundles done before in .*; 0 to analyse$/m);
  }
});

test.serial('bundles added later move no other bundle between shards', async (t) => {
  const archive = corpus.archive;
  const added = [
    join(archive, 'sosreport-nftnode-01-2024-06-01-abcdef copy'),
    join(archive, 'новый узел.tgz'),
    join(corpus.deep, '2026', '02', 'node-a.tgz'),
    join(corpus.deep, '2024', '06', 'node-b.zip'),
  ];
  cpSync(join(archive, 'sosreport-nftnode-01-2024-06-01-abcdef'), added[0]!, { recursive: true });
  cpSync(join(archive, 'kube proxy node 4.tgz'), added[1]!);
  mkdirSync(join(added[2]!, '..'), { recursive: true });
  cpSync(join(corpus.deep, '2024', '06', 'node-a.tgz'), added[2]!);
  cpSync(join(corpus.deep, '2025', 'Ünïcode node b.zip'), added[3]!);
  for (const n of [5, 7]) {
    const before = assigned.get(n)!;
    const after = new Map<string, number>();
    const shards = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        nfwalkAsync(['bulk', ...inputs, '--results', cache, '--shard', `${i + 1}/${n}`, '--ndjson', ...quiet]),
      ),
    );
    shards.forEach((s, i) => {
      for (const r of lines(s.stdout)) {
        t.false(after.has(r.path), r.path);
        after.set(r.path, i + 1);
      }
    });
    t.deepEqual([...after.keys()].sort(), [...expected, ...added].sort());
    for (const [path, k] of before) t.is(after.get(path), k, `${path} stays in shard ${k} of ${n}`);
  }
});
