/**
 * bulk: `nfwalk bulk` on a corpus of support bundles (default 200 bundles of 1,000-service nodes with 50,000
 * conntrack entries each) against the same bundles analysed one `nfwalk analyze` process at a time, minus
 * each process's start-up, in the same run (issue #8 goal: throughput within 20% of that, peak memory
 * under 1 GB). Prints throughput, per-bundle time and peak memory.
 * Usage: node --import=tsx bench/bulk.ts [--bundles N --services N --entries N --workers N]
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
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
  },
});
const size = { bundles: Number(values.bundles), services: Number(values.services), entries: Number(values.entries) };
const { dir } = await benchCorpus(size);
const bundles = readdirSync(dir)
  .filter((f) => !f.startsWith('.'))
  .sort()
  .map((f) => join(dir, f));
const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
console.log(
  `bulk: ${bundles.length} bundles of ${size.services} services and ${size.entries} conntrack entries each (wall time, one run)`,
);

// Bulk first, with its peak resident memory (the workers are threads of the same process).
const start = process.hrtime.bigint();
const run = spawnSync(
  '/usr/bin/time',
  [
    '-f',
    '%M',
    process.execPath,
    cli,
    'bulk',
    dir,
    '--json',
    '--fail-on',
    'none',
    ...(values.workers ? ['--workers', values.workers] : []),
  ],
  { encoding: 'utf8', maxBuffer: 1 << 30 },
);
const bulkMs = Number(process.hrtime.bigint() - start) / 1e6;
if (run.status !== 0) throw new Error(`nfwalk bulk failed: ${run.stderr}`);
const peakMb = Number(run.stderr.trim().split('\n').pop()) / 1024;
const doc = JSON.parse(run.stdout) as { bundles: { ms: number; error?: string }[] };
const perBundle = doc.bundles.map((b) => b.ms).sort((a, b) => a - b);
console.log(
  `  nfwalk bulk                           ${fmtMs(bulkMs)}   ${(bundles.length / (bulkMs / 1000)).toFixed(2)} bundles/s, peak RSS ${peakMb.toFixed(0)} MB`,
);
console.log(
  `    per bundle inside bulk: median ${fmtMs(perBundle[Math.floor(perBundle.length / 2)] ?? 0)}, max ${fmtMs(perBundle.at(-1) ?? 0)}; ${doc.bundles.filter((b) => b.error).length} failed`,
);

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
  `\ngoal (issue #8): bulk time ≤ 1.2 × the analyses back to back without start-up: ${ratio <= 1.2 ? 'met' : 'NOT met'} (ratio ${ratio.toFixed(2)}); peak memory < 1 GB: ${peakMb < 1024 ? 'met' : 'NOT met'}`,
);
