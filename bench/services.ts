/**
 * services: `nfwalk services --json` on a 10,000-service kube-proxy dump (every entry point walked) against
 * `iptables-restore --test` on the same file, in the same run (issue #30's goal: at most 1.5 times its time).
 * `nfwalk parse` of the file is timed too, to show how much of it is reading and how much analysis.
 * Usage: node --import=tsx bench/services.ts [--services N --runs N]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kubeProxyBenchFile, withBaselineNetns } from './kube-proxy-input';
import { fmtMs, timeInTurn } from './measure';

const { values } = parseArgs({
  options: { services: { type: 'string', default: '10000' }, runs: { type: 'string', default: '3' } },
});
const services = Number(values.services);
const runs = Number(values.runs);
const { file, text, rules } = kubeProxyBenchFile(services);

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const servicesCommand = { cmd: process.execPath, args: [cli, 'services', '--json', '--fail-on', 'none', file] };
const parseCommand = { cmd: process.execPath, args: [cli, 'parse', file] };

/** nfwalk's two commands, and the baseline when a namespace is given, timed in turn (bench/measure.ts). */
function report(netns: string | undefined): void {
  const baseline = netns && {
    cmd: 'ip',
    args: ['netns', 'exec', netns, 'iptables-restore', '--test'],
    stdinFile: text,
  };
  const [analysis, parse, base] = timeInTurn(
    baseline ? [servicesCommand, parseCommand, baseline] : [servicesCommand, parseCommand],
    runs,
  );
  console.log(`services: ${services} services, ${rules} rules (wall time, median of ${runs} runs, taken in turn)`);
  console.log(`  nfwalk services --json               ${fmtMs(analysis!.medianMs)}`);
  console.log(`  nfwalk parse (reading alone)         ${fmtMs(parse!.medianMs)}`);
  if (!base) return;
  const ratio = analysis!.medianMs / base.medianMs;
  console.log(
    `  iptables-restore --test              ${fmtMs(base.medianMs)}   services/baseline = ${ratio.toFixed(2)}, parse/baseline = ${(parse!.medianMs / base.medianMs).toFixed(2)}`,
  );
  console.log(
    `\ngoal (issue #30): nfwalk services --json ≤ 1.5 × iptables-restore --test: ${ratio <= 1.5 ? 'met' : 'NOT met'}`,
  );
}

if (!withBaselineNetns(report)) report(undefined);
