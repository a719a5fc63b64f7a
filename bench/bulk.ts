/**
 * bulk: `nfwalk bulk` on a corpus of support bundles (default 200 bundles of 1,000-service nodes with 50,000
 * conntrack entries each) against the same bundles analysed one `nfwalk analyze` process at a time, minus
 * each process's start-up, in the same run (issue #8 goal: throughput within 20% of that, peak memory
 * under 1 GB). Prints throughput (per core, too), per-bundle time and peak memory; then the same corpus as
 * N shards run one after another on this machine, as N pods would run them, and merged, against the one run
 * (issue #29 goal: shard overhead ≤ 1.1), for each N of `--shards N,M,…`.
 * Usage: node --import=tsx bench/bulk.ts [--bundles N --services N --entries N --workers N --shards N[,M…] --no-baseline]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchCorpus } from './corpus';
import { fmtMs, timeCommand } from './measure';

const { values } = parseArgs({
  options: {
    bundles: { type: 'string', default: '200' },
    services: { type: 'string', default: '1000' },
    entries: { type: 'string', default: '50000' },
    workers: { type: 'string' },
    shards: { type: 'string', default: '4' },
    'no-baseline': { type: 'boolean', default: false },
  },
});
const size = { bundles: Number(values.bundles), services: Number(values.services), entries: Number(values.entries) };
const { dir } = await benchCorpus(size);
const bundles = readdirSync(dir)
  .filter((f) => !f.startsWith('.'))
  .sort()
  .map((f) => join(dir, f));
const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
console.log(`bulk: ${bundles.length} bundles of ${size.services} services and ${size.entries} conntrack entries each`);

/**
 * One CLI run with its wall time, its CPU time (user + system of the process and its worker threads) and its
 * peak resident memory. CPU time is what the shard overhead is measured by: it counts the work each way, and
 * holds on a machine that others share, where wall time follows their load.
 */
function measured(args: readonly string[]) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', process.execPath, cli, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`nfwalk ${args.join(' ')} failed: ${r.stderr}`);
  const [rssKb, user, sys] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return { wallMs, cpuMs: ((user ?? 0) + (sys ?? 0)) * 1000, peakMb: (rssKb ?? 0) / 1024, stdout: r.stdout };
}
const workerArgs = values.workers ? ['--workers', values.workers] : [];

// Bulk first, with its peak resident memory (the workers are threads of the same process).
const one = measured(['bulk', dir, '--json', '--fail-on', 'none', ...workerArgs]);
const bulkMs = one.wallMs;
const doc = JSON.parse(one.stdout) as { bundles: { ms: number; error?: string }[]; summary: unknown };
const perBundle = doc.bundles.map((b) => b.ms).sort((a, b) => a - b);
const workers = values.workers ? Number(values.workers) : Math.min(availableParallelism(), 4);
const cores = Math.min(workers, availableParallelism());
console.log(
  `  nfwalk bulk                           ${fmtMs(bulkMs)}   ${(bundles.length / (bulkMs / 1000)).toFixed(2)} bundles/s with ${workers} workers on ${cores} cores, peak RSS ${one.peakMb.toFixed(0)} MB`,
);
console.log(
  `    per core: ${(bundles.length / (one.cpuMs / 1000)).toFixed(2)} bundles per CPU second (${(one.cpuMs / 1000).toFixed(1)} CPU s in all)`,
);
console.log(
  `    per bundle inside bulk: median ${fmtMs(perBundle[Math.floor(perBundle.length / 2)] ?? 0)}, max ${fmtMs(perBundle.at(-1) ?? 0)}; ${doc.bundles.filter((b) => b.error).length} failed`,
);

// Shards: the same bundles as N runs one after another (each with the same workers), then the merge; for
// each N asked, so that the overhead shows as a function of the bundles a shard holds.
for (const shards of values.shards.split(',').map(Number)) {
  const out = mkdtempSync(join(tmpdir(), 'nfwalk-bench-shards-'));
  const runs = Array.from({ length: shards }, (_, i) =>
    measured([
      'bulk',
      dir,
      '--shard',
      `${i + 1}/${shards}`,
      '--results',
      join(out, 'results'),
      '--fail-on',
      'none',
      ...workerArgs,
    ]),
  );
  const merged = measured(['bulk', '--merge', join(out, 'results'), '--json', '--fail-on', 'none']);
  rmSync(out, { recursive: true, force: true });
  const all = [...runs, merged];
  const shardedCpu = all.reduce((n, r) => n + r.cpuMs, 0);
  const shardedWall = all.reduce((n, r) => n + r.wallMs, 0);
  const same =
    JSON.stringify((JSON.parse(merged.stdout) as { summary: unknown }).summary) === JSON.stringify(doc.summary);
  const cpuList =
    shards <= 8
      ? runs.map((r) => (r.cpuMs / 1000).toFixed(1)).join(' + ')
      : `${(runs.reduce((n, r) => n + r.cpuMs, 0) / 1000).toFixed(1)} in all`;
  console.log(
    `  ${shards} shards of ${(bundles.length / shards).toFixed(0)} bundles one after another + merge  ${fmtMs(shardedWall)}   ${(shardedCpu / 1000).toFixed(1)} CPU s (shards ${cpuList}, merge ${(merged.cpuMs / 1000).toFixed(1)}); peak RSS ${Math.max(...all.map((r) => r.peakMb)).toFixed(0)} MB; merged summary ${same ? '=' : '≠'} one run's`,
  );
  const overhead = shardedCpu / one.cpuMs;
  console.log(
    `    goal (issue #29): ${shards} shards and the merge ≤ 1.1 × one run in CPU time: ${overhead <= 1.1 && same ? 'met' : 'NOT met'} (ratio ${overhead.toFixed(2)}; wall time ratio ${(shardedWall / bulkMs).toFixed(2)})`,
  );
}
if (values['no-baseline']) process.exit(0);

// Baseline: one process per bundle, back to back, less what starting a process costs.
const startup = timeCommand(process.execPath, [cli, '--version'], 5).medianMs;
let alone = 0;
for (const b of bundles)
  alone += timeCommand(process.execPath, [cli, 'analyze', b, '--json', '--fail-on', 'none'], 1).medianMs;
const baseline = alone - startup * bundles.length;
console.log(
  `  nfwalk analyze, one bundle at a time  ${fmtMs(alone)}   less ${bundles.length} start-ups of ${startup.toFixed(0)} ms = ${fmtMs(baseline)}, ${(bundles.length / (baseline / 1000)).toFixed(2)} bundles/s`,
);
const ratio = bulkMs / baseline;
console.log(
  `\ngoal (issue #8): bulk time ≤ 1.2 × the analyses back to back without start-up: ${ratio <= 1.2 ? 'met' : 'NOT met'} (ratio ${ratio.toFixed(2)}); peak memory < 1 GB: ${one.peakMb < 1024 ? 'met' : 'NOT met'}`,
);
