/**
 * stale: `nfwalk stale --json` on a 1,000,000-entry conntrack table of a node with a 10,000-service kube-proxy
 * ruleset (1% of the service entries pointing at pods that are gone), against an awk scan of the conntrack file
 * in the same run (issue #6 goal: at most twice the awk time). `nfwalk parse` of the table is timed too, to
 * show how much of it is reading.
 * Usage: node --import=tsx bench/stale.ts [--services N --entries N --runs N]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AWK_SCAN, BENCH_NODE_IP, staleBenchFiles } from './conntrack-input';
import { fmtMs, timeCommand } from './measure';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    entries: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
  },
});
const services = Number(values.services);
const entries = Number(values.entries);
const runs = Number(values.runs);
const { rules, table } = await staleBenchFiles(services, entries);

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const args = [cli, 'stale', '--json', '--fail-on', 'none', '--node-ip', BENCH_NODE_IP, rules.file, table];
const awk = timeCommand('awk', [AWK_SCAN, table], runs);
const stale = timeCommand(process.execPath, args, runs);
const parse = timeCommand(process.execPath, [cli, 'parse', table], runs);
const peak = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], {
  encoding: 'utf8',
  stdio: ['ignore', 'ignore', 'pipe'],
});
const peakMb = Number(peak.stderr.trim().split('\n').pop()) / 1024;

const ratio = stale.medianMs / awk.medianMs;
console.log(
  `stale: ${services} services (${rules.rules} rules), ${entries} conntrack entries (wall time, median of ${runs} runs)`,
);
console.log(`  awk scan of the conntrack file`.padEnd(40) + fmtMs(awk.medianMs));
console.log(`  nfwalk stale --json`.padEnd(40) + `${fmtMs(stale.medianMs)}   stale/awk = ${ratio.toFixed(2)}`);
console.log(
  `  nfwalk parse (reading the table alone)`.padEnd(40) +
    `${fmtMs(parse.medianMs)}   parse/awk = ${(parse.medianMs / awk.medianMs).toFixed(2)}`,
);
console.log(`  nfwalk stale peak RSS`.padEnd(40) + `${peakMb.toFixed(0).padStart(7)} MB`);
console.log(`\ngoal (issue #6): nfwalk stale --json ≤ 2 × awk: ${ratio <= 2 ? 'met' : 'NOT met'}`);
