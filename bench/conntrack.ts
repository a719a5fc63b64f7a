/**
 * conntrack: `nfwalk parse` of a generated 1,000,000-entry `conntrack -L` table against an awk scan of the same
 * file in the same run (every line split into fields, key=value pairs counted, entries tallied per protocol and
 * NAT, as a shell user would script it). Goal (issue #3): at most 2x the awk time, peak memory under 1 GB.
 * Usage: npm run bench -- --entries N --runs N
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { conntrackLines } from '../test/generators/conntrack-table';
import { fmtMs, timeCommand } from './measure';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } }, strict: false });
const entries = Number(values.entries);
const runs = Number(values.runs);
const outDir = join(import.meta.dirname, 'out');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `conntrack-${entries}.txt`);

const out = createWriteStream(file);
let batch: string[] = [];
for (const line of conntrackLines(entries)) {
  batch.push(line);
  if (batch.length === 10000) {
    if (!out.write(`${batch.join('\n')}\n`)) await once(out, 'drain');
    batch = [];
  }
}
out.end(batch.length ? `${batch.join('\n')}\n` : '');
await once(out, 'finish');
console.log(`input: ${file}\n       ${entries} entries, ${(statSync(file).size / 1e6).toFixed(1)} MB\n`);

const AWK = String.raw`{ n[$1]++; for (i = 1; i <= NF; i++) if (index($i, "=")) kv++; if ($0 ~ /src=[^ ]+ dst=([^ ]+) .*src=([^ ]+) /) { split($0, f, " "); nat++ } } END { for (p in n) print p, n[p]; print kv, nat }`;
const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const awk = timeCommand('awk', [AWK, file], runs);
const nfwalk = timeCommand(process.execPath, [cli, 'parse', file], runs);
const peak = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, 'parse', file], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
const peakMb = Number(peak.stderr.trim().split('\n').pop()) / 1024;

const ratio = nfwalk.medianMs / awk.medianMs;
console.log(`read and model (wall time, median of ${runs} runs)`);
console.log(`  awk scan (${spawnSync('awk', ['-W', 'version'], { encoding: 'utf8' }).stdout.split('\n')[0] || 'awk'})`.padEnd(40) + fmtMs(awk.medianMs));
console.log(`  nfwalk parse (CLI process)`.padEnd(40) + `${fmtMs(nfwalk.medianMs)}   nfwalk/awk = ${ratio.toFixed(2)}`);
console.log(`  nfwalk peak RSS`.padEnd(40) + `${peakMb.toFixed(0).padStart(7)} MB`);
console.log(`\ngoal (issue #3): nfwalk ≤ 2 × awk: ${ratio <= 2 ? 'met' : 'NOT met'}; peak memory < 1 GB: ${peakMb < 1024 ? 'met' : 'NOT met'}`);
