/**
 * Benchmarks, each against a baseline measured in the same run on the same input (no absolute thresholds).
 *   parse: nfwalk parse of a 10,000-service kube-proxy dump vs `iptables-restore --test` on the same file, each
 *   a whole process as a user runs it (Node's start included), in wall time and in CPU time (user + system).
 * Usage: npm run bench [-- --services N --runs N]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kubeProxyBenchFile, withBaselineNetns } from './kube-proxy-input';
import { type Timing, canRun, fmtMs, timeCommand } from './measure';

const { values } = parseArgs({
  options: { services: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } },
});
const services = Number(values.services);
const runs = Number(values.runs);
const { file, text, rules } = kubeProxyBenchFile(services);
console.log(`input: ${file}\n       ${services} services, ${rules} rules, ${(text.length / 1e6).toFixed(1)} MB\n`);

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const nfwalk = timeCommand(process.execPath, [cli, 'parse', file], runs);

const cpu = (t: Timing) => (t.cpuMedianMs === undefined ? '' : `   CPU ${fmtMs(t.cpuMedianMs)}`);
console.log('parse and model (wall time, then CPU time; medians of', runs, 'runs)');
console.log(`  nfwalk parse (CLI process)          ${fmtMs(nfwalk.medianMs)}${cpu(nfwalk)}`);

const baselines: [string, string][] = [
  ['iptables-restore --test', 'iptables-restore'],
  ['iptables-legacy-restore --test', 'iptables-legacy-restore'],
];
withBaselineNetns((netns) => {
  let goal: boolean | undefined;
  for (const [label, tool] of baselines) {
    if (!canRun('sh', ['-c', `command -v ${tool}`])) {
      console.log(`  ${label.padEnd(36)} not installed`);
      continue;
    }
    const base = timeCommand('ip', ['netns', 'exec', netns, tool, '--test'], runs, text);
    const ratio = nfwalk.medianMs / base.medianMs;
    const cpuRatio =
      nfwalk.cpuMedianMs !== undefined && base.cpuMedianMs !== undefined
        ? `, CPU ${(nfwalk.cpuMedianMs / base.cpuMedianMs).toFixed(2)}`
        : '';
    console.log(
      `  ${label.padEnd(36)}${fmtMs(base.medianMs)}${cpu(base)}   nfwalk/baseline = ${ratio.toFixed(2)}${cpuRatio}`,
    );
    if (tool === 'iptables-restore') goal = ratio <= 0.5;
  }
  if (goal !== undefined)
    console.log(`\ngoal (issue #2): nfwalk ≤ 0.5 × iptables-restore --test: ${goal ? 'met' : 'NOT met'}`);
});
