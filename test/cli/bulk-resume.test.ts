/**
 * Resumable bulk runs: a run over a generated 50-bundle archive is stopped midway by a real SIGTERM (as a
 * pod being evicted gets), keeps every result it finished and nothing half-written, and the rerun analyses
 * only what was left and ends with the summary of an uninterrupted run. A bundle that changed is analysed
 * again; one that crashed its worker is kept as failed, with the reason, until a retry is asked for.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { type CorpusBundle, writeCorpus } from '../generators/bundle-corpus';
import { buildCli, cliPath, nfwalk } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'nfwalk-resume-'));
const archive = join(dir, 'archive');
let corpus: CorpusBundle[] = [];
test.before(async () => {
  buildCli();
  corpus = await writeCorpus(archive, { bundles: 50, services: 20, entries: 300, brokenEvery: 7 });
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const kept = (results: string) => readdirSync(results).filter((f) => f.endsWith('.ndjson'));
const summaryOf = (json: string) => JSON.stringify((JSON.parse(json) as { summary: unknown }).summary);
const analysedLines = (stderr: string) => stderr.split('\n').filter((l) => /^nfwalk: \[\d+\/\d+\] /.test(l));

test.serial(
  'SIGTERM midway keeps what is done; the rerun analyses only the rest and ends with the same summary',
  async (t) => {
    const results = join(dir, 'results');
    const child = spawn(process.execPath, [
      cliPath,
      'bulk',
      archive,
      '--results',
      results,
      '--workers',
      '1',
      '--json',
      '--fail-on',
      'none',
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 120_000;
    const seen = () => {
      try {
        return kept(results).length;
      } catch {
        return 0;
      }
    };
    while (seen() < 12 && Date.now() < deadline) await sleep(50);
    child.kill('SIGTERM');
    const status = await exited;
    t.is(status, 2, stderr);
    t.is(stdout, '', '--json prints no partial document');
    const done = kept(results);
    t.true(done.length >= 12 && done.length < 50, `${done.length} results kept`);
    t.regex(
      stderr,
      new RegExp(
        `^nfwalk: stopped by SIGTERM with ${done.length} of 50 bundles done; the results are kept in ${results}: run again to finish$`,
        'm',
      ),
    );
    t.deepEqual(
      readdirSync(results).filter((f) => f.startsWith('.')),
      [],
      'nothing half-written',
    );
    const times = new Map(done.map((f) => [f, statSync(join(results, f)).mtimeMs]));

    const rerun = nfwalk(['bulk', archive, '--results', results, '--fail-on', 'none']);
    t.is(rerun.status, 0, rerun.stderr);
    t.regex(
      rerun.stderr,
      new RegExp(
        `^nfwalk: ${done.length} of 50 bundles done before in ${results}; ${50 - done.length} to analyse$`,
        'm',
      ),
    );
    t.is(analysedLines(rerun.stderr).length, 50 - done.length, 'only the rest is analysed');
    for (const [f, mtime] of times) t.is(statSync(join(results, f)).mtimeMs, mtime, `${f} kept as it was`);
    t.is(kept(results).length, 50);
    const whole = nfwalk(['bulk', archive, '--fail-on', 'none']);
    t.is(rerun.stdout, whole.stdout);
    t.true(whole.stdout.startsWith('bulk: 50 bundles (43 analysed, 7 failed), 52 nodes\n'));
    // The kept results are what a merge reads, too.
    t.is(nfwalk(['bulk', '--merge', results, '--fail-on', 'none']).stdout, whole.stdout);
    t.is(
      summaryOf(nfwalk(['bulk', archive, '--results', results, '--json', '--fail-on', 'none']).stdout),
      summaryOf(nfwalk(['bulk', archive, '--json', '--fail-on', 'none']).stdout),
    );

    // Nothing left: a third run analyses nothing. A bundle that changes is analysed again, by time and size or,
    // on request, by content.
    const third = nfwalk(['bulk', archive, '--results', results, '--fail-on', 'none']);
    t.is(analysedLines(third.stderr).length, 0);
    const plain = corpus.find((b) => b.layout === 'plain')!.path;
    const file = join(plain, 'sysctl.txt');
    appendFileSync(file, 'net.ipv4.ip_forward = 1\n');
    const changed = nfwalk(['bulk', archive, '--results', results, '--fail-on', 'none']);
    t.deepEqual(
      analysedLines(changed.stderr).map((l) => l.replace(/^nfwalk: \[\d+\/50\] ([^:]+):.*$/, '$1')),
      [plain],
    );
    const touched = nfwalk(['bulk', archive, '--results', results, '--hash', '--fail-on', 'none']);
    t.is(analysedLines(touched.stderr).length, 50, 'the first run by content hashes every bundle');
    utimesSync(file, new Date(), new Date(Date.now() + 3_600_000));
    const byHash = nfwalk(['bulk', archive, '--results', results, '--hash', '--fail-on', 'none']);
    t.is(analysedLines(byHash.stderr).length, 0, 'a new file time alone changes no content');
    const byTime = nfwalk(['bulk', archive, '--results', results, '--fail-on', 'none']);
    t.is(analysedLines(byTime.stderr).length, 1, 'without --hash the new time counts');
  },
);

test('a bundle that crashes its worker is kept as failed with the reason, and retried only on request', (t) => {
  const results = join(dir, 'crashes');
  const bundles = corpus
    .filter((b) => b.layout === 'calico' || b.layout === 'sos')
    .slice(0, 3)
    .map((b) => b.path);
  // A heap far too small for any bundle, even analysed alone: each worker dies of it.
  const tight = ['--heap-budget', '4', '--lone-heap', '4', '--workers', '1'];
  const first = nfwalk(['bulk', ...bundles, ...tight, '--results', results, '--json', '--fail-on', 'none']);
  t.is(first.status, 2, 'nothing analysed');
  const doc = JSON.parse(first.stdout) as { bundles: { path: string; error?: string }[] };
  t.deepEqual(
    doc.bundles.map((b) => [b.path, b.error]),
    // Listed by path, as a merge lists them.
    [...bundles].sort().map((p) => [p, 'the analysis ran out of memory (its heap is limited to 4 MB)']),
  );
  t.is(kept(results).length, 3);
  const again = nfwalk(['bulk', ...bundles, '--results', results, '--json', '--fail-on', 'none']);
  t.regex(again.stderr, /^nfwalk: 3 of 3 bundles done before in .*; 0 to analyse$/m, 'not retried unasked');
  t.is((JSON.parse(again.stdout) as { summary: { failed: number } }).summary.failed, 3);
  const retried = nfwalk(['bulk', ...bundles, '--results', results, '--retry-failed', '--fail-on', 'none']);
  t.is(retried.status, 0, retried.stderr);
  t.is(analysedLines(retried.stderr).length, 3);
  t.true(retried.stdout.startsWith('bulk: 3 bundles (3 analysed, 0 failed)'), retried.stdout);
  const otherOptions = nfwalk(['bulk', ...bundles, '--results', results, '--client-cidr', '10.8.0.0/16']);
  t.is(analysedLines(otherOptions.stderr).length, 3, 'results made with other options are not reused');
  t.is(nfwalk(['bulk', ...bundles, '--retry-failed']).status, 2, '--retry-failed goes with --results');
});
