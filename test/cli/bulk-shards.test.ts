/**
 * nfwalk bulk as a distributed run: 4 shards of a generated 50-bundle archive run as separate processes (as
 * pods would), their NDJSON merged in any order, give exactly the summary of one run, text and JSON, with
 * or without filters; every bundle falls in one shard, and which one does not depend on where the archive
 * is mounted, how it was named, or on bundles added beside it.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import test from 'ava';
import { type CorpusBundle, writeCorpus } from '../generators/bundle-corpus';
import { buildCli, nfwalk, nfwalkAsync } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'nfwalk-shards-'));
const archive = join(dir, 'archive');
let corpus: CorpusBundle[] = [];
test.before(async () => {
  buildCli();
  corpus = await writeCorpus(archive, { bundles: 50, services: 20, entries: 300, brokenEvery: 7 });
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

interface Line {
  path: string;
  findings: unknown[];
}
const lines = (ndjson: string) =>
  ndjson
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
const summaryOf = (json: string) => JSON.stringify((JSON.parse(json) as { summary: unknown }).summary);

test('4 shards in separate processes, merged in any order, print exactly what one run prints', async (t) => {
  const shards = await Promise.all(
    [1, 2, 3, 4].map((k) =>
      nfwalkAsync(['bulk', archive, '--shard', `${k}/4`, '--ndjson', '--workers', '1', '--fail-on', 'none']),
    ),
  );
  const out = join(dir, 'shards');
  const cache = join(dir, 'one-run');
  mkdirSync(out);
  shards.forEach((s, i) => {
    t.is(s.status, 0, s.stderr);
    t.regex(s.stderr, new RegExp(`^nfwalk: shard ${i + 1}/4: ${lines(s.stdout).length} of 50 bundles$`, 'm'));
    writeFileSync(join(out, `shard-${i + 1}.ndjson`), s.stdout);
  });
  const paths = shards.flatMap((s) => lines(s.stdout).map((l) => l.path));
  t.deepEqual([...paths].sort(), corpus.map((b) => b.path).sort(), 'every bundle in exactly one shard');
  t.true(
    shards.every((s) => lines(s.stdout).length >= 5),
    'the shards share the work',
  );

  const one = nfwalk(['bulk', archive, '--fail-on', 'none', '--results', cache]);
  const oneJson = nfwalk(['bulk', archive, '--json', '--fail-on', 'none', '--results', cache]);
  const merged = nfwalk(['bulk', '--merge', out, '--fail-on', 'none']);
  t.is(merged.status, 0, merged.stderr);
  t.is(merged.stdout, one.stdout);
  t.true(merged.stdout.startsWith('bulk: 50 bundles (43 analysed, 7 failed), 52 nodes\n'));
  // The files in another order, and all of them concatenated into standard input in yet another.
  const files = [3, 1, 4, 2].map((k) => join(out, `shard-${k}.ndjson`));
  const mergedJson = nfwalk(['bulk', '--merge', ...files, '--json', '--fail-on', 'none']);
  t.is(summaryOf(mergedJson.stdout), summaryOf(oneJson.stdout));
  const cat = [2, 4, 1, 3].map((k) => readFileSync(join(out, `shard-${k}.ndjson`), 'utf8')).join('');
  const fromStdin = nfwalk(['bulk', '--merge', '-', '--json', '--fail-on', 'none'], cat);
  t.is(summaryOf(fromStdin.stdout), summaryOf(oneJson.stdout));
  // Bundles are listed as one run over the folder lists them, with the same findings.
  const strip = (json: string) =>
    (JSON.parse(json) as { bundles: (Line & { ms: number })[] }).bundles.map(({ ms: _, ...b }) => b);
  t.deepEqual(strip(mergedJson.stdout), strip(oneJson.stdout));
  // Exit codes follow the findings as a run's do.
  t.is(nfwalk(['bulk', '--merge', out]).status, 1);

  // Filters at merge time give what the same filters give one run (whose analyses the first run kept).
  for (const filter of [
    ['--only', 'STALE_*'],
    ['--where', 'severity=error and subject~:dns$'],
    ['--node', corpus.find((b) => b.layout === 'calico')?.nodes[0] as string],
    ['--since', '2000-01-01', '--only', 'CT_*'],
  ]) {
    const run = nfwalk(['bulk', archive, '--results', cache, '--fail-on', 'none', ...filter]);
    t.regex(run.stderr, /^nfwalk: 50 of 50 bundles done before/m);
    const merge = nfwalk(['bulk', '--merge', out, '--fail-on', 'none', ...filter]);
    t.is(merge.stdout, run.stdout, filter.join(' '));
    const runJson = nfwalk(['bulk', archive, '--results', cache, '--json', '--fail-on', 'none', ...filter]);
    const mergeJson = nfwalk(['bulk', '--merge', out, '--json', '--fail-on', 'none', ...filter]);
    t.is(summaryOf(mergeJson.stdout), summaryOf(runJson.stdout), filter.join(' '));
  }
  const none = nfwalk(['bulk', '--merge', out, '--since', '2999-01-01']);
  t.is(none.status, 2);
  t.regex(none.stderr, /^nfwalk: no bundle results in .* since 2999-01-01\n$/);

  // A line that is no result is named by file and line; the rest is merged, and the run says it is partial.
  const broken = join(dir, 'broken.ndjson');
  writeFileSync(broken, `${readFileSync(files[0] as string, 'utf8')}{"path": 3}\nnot json\n`);
  const partial = nfwalk(['bulk', '--merge', broken, files[1] as string, '--json', '--fail-on', 'none']);
  t.is(partial.status, 0);
  t.regex(
    partial.stderr,
    new RegExp(`^${broken}:${lines(shards[2]!.stdout).length + 1}:1: error: not a bundle result`, 'm'),
  );
  t.regex(partial.stderr, new RegExp(`^${broken}:${lines(shards[2]!.stdout).length + 2}:1: error: not JSON`, 'm'));
  t.is(
    (JSON.parse(partial.stdout) as { bundles: unknown[] }).bundles.length,
    lines(shards[2]!.stdout).length + lines(shards[0]!.stdout).length,
  );
  t.is(nfwalk(['bulk', '--merge', broken]).status, 1, 'a partial merge fails at --fail-on error');
});

test('a shard depends on the path inside what the bundle was found through: not the mount, not other bundles', (t) => {
  const shardsOf = (args: string[]) =>
    new Map<string, number>(
      [1, 2, 3]
        .flatMap((k) =>
          (
            JSON.parse(nfwalk(['bulk', ...args, '--shard', `${k}/3`, '--json', '--fail-on', 'none']).stdout) as {
              bundles: Line[];
            }
          ).bundles.map((b) => [basename(b.path), k] as const),
        )
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  const subset = corpus.filter((b) => b.layout === 'eks' || b.layout === 'plain').slice(0, 8);
  const here = join(dir, 'mount-a', 'incidents');
  mkdirSync(here, { recursive: true });
  for (const b of subset) cpSync(b.path, join(here, basename(b.path)), { recursive: true });
  const before = shardsOf([here]);
  t.is(before.size, subset.length);
  t.true(new Set(before.values()).size > 1, 'the bundles spread over the shards');
  // Mounted elsewhere (a link to the same folder), named by a glob, or given one by one: the same shards.
  const there = join(dir, 'mount-b');
  symlinkSync(here, there);
  t.deepEqual(shardsOf([there]), before);
  t.deepEqual(shardsOf([join(there, '*')]), before);
  t.deepEqual(shardsOf(subset.map((b) => join(here, basename(b.path)))), before);
  // Bundles added later move no other bundle.
  for (const b of corpus.filter((x) => x.layout === 'sos').slice(0, 4))
    cpSync(b.path, join(here, basename(b.path)), { recursive: true });
  const after = shardsOf([here]);
  t.is(after.size, subset.length + 4);
  for (const [name, k] of before) t.is(after.get(name), k, name);
});

test('--shards N takes the shard from JOB_COMPLETION_INDEX; an empty shard is no failure; bad specs are one line', async (t) => {
  const small = join(dir, 'small');
  mkdirSync(small);
  for (const b of corpus.filter((x) => x.layout === 'plain' || x.layout === 'paste').slice(0, 6))
    cpSync(b.path, join(small, basename(b.path)), { recursive: true });
  const byIndex = await Promise.all(
    [0, 1].map((i) =>
      nfwalkAsync(['bulk', small, '--shards', '2', '--ndjson', '--fail-on', 'none'], {
        JOB_COMPLETION_INDEX: String(i),
      }),
    ),
  );
  const byK = [1, 2].map((k) => nfwalk(['bulk', small, '--shard', `${k}/2`, '--ndjson', '--fail-on', 'none']));
  for (const i of [0, 1])
    t.deepEqual(
      lines(byIndex[i]!.stdout)
        .map((l) => l.path)
        .sort(),
      lines(byK[i]!.stdout)
        .map((l) => l.path)
        .sort(),
    );
  const single = corpus.find((b) => b.layout === 'plain')!.path;
  const shards = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => nfwalk(['bulk', single, '--shard', `${k}/8`, '--json']));
  t.is(shards.filter((s) => (JSON.parse(s.stdout) as { bundles: unknown[] }).bundles.length === 1).length, 1);
  for (const s of shards) t.true(s.status === 0 || s.status === 1, s.stderr);
  for (const [args, env, message] of [
    [['--shard', '5/4'], {}, /^nfwalk: --shard 5\/4: write K\/N with 1 ≤ K ≤ N/],
    [['--shard', 'two'], {}, /^nfwalk: --shard two: write K\/N/],
    [['--shards', '4'], {}, /^nfwalk: --shards N takes the shard from JOB_COMPLETION_INDEX/],
    [['--shards', '4'], { JOB_COMPLETION_INDEX: '4' }, /^nfwalk: JOB_COMPLETION_INDEX=4 is not a shard of --shards 4/],
    [['--merge', '--shard', '1/2'], {}, /^nfwalk: --merge reads results: --shard is for the runs/],
  ] as const) {
    const r = await nfwalkAsync(['bulk', small, ...args], env);
    t.is(r.status, 2, args.join(' '));
    t.regex(r.stderr, message);
  }
});
