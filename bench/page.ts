/**
 * The paste page against the CLI on the same inputs as the CLI benchmarks, in the same run (issue #26 goal:
 * the page's analysis at most 1.5 × the time of `nfwalk analyze --json`). Inputs: the 10,000-service
 * kube-proxy dump of bench/services.ts, then the same with a conntrack table (bench/stale.ts; 1,000,000
 * entries there, fewer by default here, `--entries` to change). The page gets the files through its file
 * input (contracts.md hooks) and is timed by its own marks from the click on Analyze to the results being
 * shown (the diagrams are drawn after; that time is printed too). Memory: the worker's JS heap, sampled, against the
 * CLI's peak resident size (which includes its heap and more, so the ratio flatters the CLI).
 * Usage: node --import=tsx bench/page.ts [--services N --entries N --runs N]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findChromium } from '../src/report/render/chromium';
import { PasteGate } from '../test/helpers/page';
import { staleBenchFiles } from './conntrack-input';
import { kubeProxyBenchFile } from './kube-proxy-input';
import { fmtMs, median, timeCommand } from './measure';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    entries: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '3' },
  },
});
const services = Number(values.services);
const entries = Number(values.entries);
const runs = Number(values.runs);
const chromium = findChromium();
if (!chromium) {
  console.log('page: skipped (no Chromium: apt-get install chromium)');
  process.exit(0);
}

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const rules = kubeProxyBenchFile(services);
const stale = await staleBenchFiles(services, entries);

interface PageTiming {
  analysisMs: number;
  doneMs: number;
  heapMb: number;
}

async function timePage(files: readonly string[]): Promise<PageTiming> {
  // A fresh browser per run: no run inherits another's warmed-up worker or heap.
  const gate = await PasteGate.open(chromium!);
  try {
    await gate.choose(...files);
    const worker = gate.page.workers()[0];
    if (!worker) throw new Error('the page started no worker');
    const session = worker.client;
    await gate.page.click('[data-nfwalk="analyze"]');
    let heap = 0;
    const sampler = setInterval(() => {
      session
        .send('Runtime.getHeapUsage')
        .then((u) => (heap = Math.max(heap, u.usedSize)))
        .catch(() => {});
    }, 100);
    await gate.page.waitForFunction(
      () => (document.querySelector('[data-nfwalk="status"]') as HTMLElement).dataset.state !== 'running',
      { polling: 50, timeout: 1_800_000 },
    );
    clearInterval(sampler);
    const state = await gate.page.$eval('[data-nfwalk="status"]', (e) => (e as HTMLElement).dataset.state);
    if (state !== 'done') throw new Error(`the page ended in ${state}`);
    if (gate.network.length) throw new Error(`the page made requests: ${gate.network.join(', ')}`);
    // The page's own marks (page.ts): the click's handler, the results shown, the diagrams drawn.
    const marks = await gate.page.evaluate(() =>
      Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])),
    );
    const analysisMs = marks['nfwalk:shown']! - marks['nfwalk:start']!;
    const doneMs = marks['nfwalk:drawn']! - marks['nfwalk:start']!;
    return { analysisMs, doneMs, heapMb: heap / 2 ** 20 };
  } finally {
    await gate.close();
  }
}

function peakRssMb(args: readonly string[]): number {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return Number(r.stderr.trim().split('\n').pop()) / 1024;
}

const cases = [
  { name: `${services} services (${rules.rules} rules)`, files: [rules.file] },
  { name: `${services} services + ${entries} conntrack entries`, files: [stale.rules.file, stale.table] },
];
console.log(`page: the paste page (Chromium) against the CLI on the same files (wall time, median of ${runs} runs)`);
let worst = 0;
for (const c of cases) {
  // The page has no --node-ip (bench/stale.ts gives one): both get the same files and nothing else.
  const args = [cli, 'analyze', '--json', '--fail-on', 'none', ...c.files];
  // Interleaved, a CLI run then a page run: the load of a shared machine drifts over minutes.
  const cliMs: number[] = [];
  const page: PageTiming[] = [];
  for (let i = 0; i < runs; i++) {
    cliMs.push(timeCommand(process.execPath, args, 1).medianMs);
    page.push(await timePage(c.files));
  }
  const cliTime = { medianMs: median(cliMs) };
  const analysis = median(page.map((p) => p.analysisMs));
  const done = median(page.map((p) => p.doneMs));
  const heap = Math.max(...page.map((p) => p.heapMb));
  const rss = peakRssMb(args);
  const ratio = analysis / cliTime.medianMs;
  worst = Math.max(worst, ratio);
  console.log(`\n  ${c.name}`);
  console.log(`    nfwalk analyze --json                 ${fmtMs(cliTime.medianMs)}   peak RSS ${rss.toFixed(0)} MB`);
  console.log(
    `    page: analysis shown                  ${fmtMs(analysis)}   page/CLI = ${ratio.toFixed(2)}   worker heap peak ${heap.toFixed(0)} MB (${(heap / rss).toFixed(2)} × CLI RSS)`,
  );
  console.log(`    page: diagrams drawn too              ${fmtMs(done)}`);
}
console.log(
  `\ngoal (issue #26): page ≤ 1.5 × CLI time: ${worst <= 1.5 ? 'met' : 'NOT met'} (worst ${worst.toFixed(2)})`,
);
