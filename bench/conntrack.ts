/**
 * conntrack: `nfwalk parse` of a generated 1,000,000-entry `conntrack -L` table against an awk scan of the same
 * file in the same run (every line split into fields, key=value pairs counted, entries tallied per protocol and
 * NAT, as a shell user would script it). Goal (issue #3): at most 2x the awk time, peak memory under 1 GB.
 * Usage: npm run bench -- --entries N --runs N
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { conntrackLines } from '../test/generators/conntrack-table';
import { AWK_SCAN, writeTable } from './conntrack-input';
import { fmtMs, timeCommand } from './measure';

const { values } = parseArgs({
  options: { entries: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } },
  strict: false,
});
const entries = Number(values.entries);
const runs = Number(values.runs);
const file = await writeTable(`conntrack-${entries}.txt`, conntrackLines(entries));

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const awk = timeCommand('awk', [AWK_SCAN, file], runs);
const nfwalk = timeCommand(process.execPath, [cli, 'parse', file], runs);
const peak = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, 'parse', file], {
  encoding: 'utf8',
  stdio: ['ignore', 'ignore', 'pipe'],
});
const peakMb = Number(peak.stderr.trim().split('\n').pop()) / 1024;

const ratio = nfwalk.medianMs / awk.medianMs;
console.log(`read and model (wall time, median of ${runs} runs)`);
console.log(
  `  awk scan (${spawnSync('awk', ['-W', 'version'], { encoding: 'utf8' }).stdout.split('\n')[0] || 'awk'})`.padEnd(
    40,
  ) + fmtMs(awk.medianMs),
);
console.log(`  nfwalk parse (CLI process)`.padEnd(40) + `${fmtMs(nfwalk.medianMs)}   nfwalk/awk = ${ratio.toFixed(2)}`);
console.log(`  nfwalk peak RSS`.padEnd(40) + `${peakMb.toFixed(0).padStart(7)} MB`);
console.log(
  `\ngoal (issue #3): nfwalk ≤ 2 × awk: ${ratio <= 2 ? 'met' : 'NOT met'}; peak memory < 1 GB: ${peakMb < 1024 ? 'met' : 'NOT met'}`,
);
