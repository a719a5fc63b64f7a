/**
 * nft parse (issue #24): nfwalk `parse` of kube-proxy's nftables table for 10,000 services against `nft -c -f`
 * (the nft tool's check of the same file, which parses, evaluates and sends the batch to the kernel as a dry
 * run) in a throw-away namespace, both in this run. Layouts v1.33 and v1.34
 * (test/generators/kube-proxy-nft.ts); the in-process read is printed beside it. `nft -c -f` of 10,000 services
 * takes minutes (nearly all of it in the kernel), so it runs once by default: at that size one run is not noise.
 * Usage: node --import=tsx bench/nft-parse.ts [--services N --runs N --nft-runs N]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseNft } from '../grammar/nft/index';
import { type KubeProxyNftLayout, kubeProxyNftRuleset } from '../test/generators/kube-proxy-nft';
import { canRun, fmtMs, median, timeCommand } from './measure';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '5' },
    'nft-runs': { type: 'string', default: '1' },
  },
});
const services = Number(values.services);
const runs = Number(values.runs);
const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const outDir = join(import.meta.dirname, 'out');
mkdirSync(outDir, { recursive: true });

const nft = ['/usr/sbin/nft', '/sbin/nft'].find((p) => canRun('test', ['-x', p]));
const netns = `nfwr-bench-${process.pid}`;
const kernel = process.getuid?.() === 0 && nft !== undefined && canRun('ip', ['netns', 'add', netns]);
if (!kernel) console.log('baseline: skipped (needs root and nft to run nft -c -f in a network namespace)');

try {
  for (const layout of ['v1.33', 'v1.34'] as const satisfies readonly KubeProxyNftLayout[]) {
    const { text } = kubeProxyNftRuleset({ services, layout, seed: 1 });
    const file = join(outDir, `kube-proxy-nft-${services}-${layout}.nft`);
    writeFileSync(file, text);
    const lines = text.split('\n').length - 1;
    const inProcess = medianOf(() => parseNft(text).records);
    console.log(
      `\ninput: ${file}\n       ${services} services (${layout}), ${lines} lines, ${(text.length / 1e6).toFixed(1)} MB`,
    );
    console.log(`  parseNft in process (median)        ${fmtMs(inProcess)}`);
    const nfwalk = timeCommand(process.execPath, [cli, 'parse', file], runs);
    console.log(`  nfwalk parse (CLI process)          ${fmtMs(nfwalk.medianMs)}`);
    if (!kernel) continue;
    const base = timeCommand('ip', ['netns', 'exec', netns, nft!, '-c', '-f', file], Number(values['nft-runs']));
    const ratio = nfwalk.medianMs / base.medianMs;
    console.log(
      `  nft -c -f                           ${fmtMs(base.medianMs)}   nfwalk/baseline = ${ratio.toFixed(2)}`,
    );
    console.log(`  goal (issue #24): ≤ 1× nft -c -f: ${ratio <= 1 ? 'met' : 'NOT met'}; on the way to 0.5×`);
  }
} finally {
  if (kernel) canRun('ip', ['netns', 'del', netns]);
}

function medianOf(run: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
}
