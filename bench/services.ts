/**
 * services: `nfwalk services --json` on a 10,000-service kube-proxy dump (every entry point walked) against
 * `iptables-restore --test` on the same file, in the same run (issue #5 goal: at most half its time).
 * `nfwalk parse` of the file is timed too, to show how much of it is reading and how much analysis.
 * Usage: node --import=tsx bench/services.ts [--services N --runs N]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kubeProxyDump } from '../test/generators/kube-proxy-dump';
import { canRun, fmtMs, timeCommand } from './measure';

const { values } = parseArgs({ options: { services: { type: 'string', default: '10000' }, runs: { type: 'string', default: '3' } } });
const services = Number(values.services);
const runs = Number(values.runs);
const outDir = join(import.meta.dirname, 'out');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `kube-proxy-${services}.iptables-save`);
const { text } = kubeProxyDump({ services });
writeFileSync(file, text);

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const analysis = timeCommand(process.execPath, [cli, 'services', '--json', '--fail-on', 'none', file], runs);
const parse = timeCommand(process.execPath, [cli, 'parse', file], runs);
console.log(`services: ${services} services, ${text.split('\n').filter((l) => l.startsWith('-A ')).length} rules (wall time, median of ${runs} runs)`);
console.log(`  nfwalk services --json               ${fmtMs(analysis.medianMs)}`);
console.log(`  nfwalk parse (reading alone)         ${fmtMs(parse.medianMs)}`);

const netns = `nfwalk-bench-${process.pid}`;
if (process.getuid?.() !== 0 || !canRun('ip', ['netns', 'add', netns])) {
  console.log('\nbaseline: skipped (needs root and iptables to run iptables-restore --test in a network namespace)');
  process.exit(0);
}
try {
  const base = timeCommand('ip', ['netns', 'exec', netns, 'iptables-restore', '--test'], runs, text);
  const ratio = analysis.medianMs / base.medianMs;
  console.log(`  iptables-restore --test              ${fmtMs(base.medianMs)}   services/baseline = ${ratio.toFixed(2)}, parse/baseline = ${(parse.medianMs / base.medianMs).toFixed(2)}`);
  console.log(`\ngoal (issue #5): nfwalk services --json ≤ 0.5 × iptables-restore --test: ${ratio <= 0.5 ? 'met' : 'NOT met'}`);
} finally {
  canRun('ip', ['netns', 'del', netns]);
}
