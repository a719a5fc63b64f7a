/**
 * nft: one packet walk through a 10,000-service kube-proxy nftables table (issue #25 goal: under 5 ms), and
 * `nfwalk services --json` of the same listing (the CLI process, `--node-ip` the node's address) against
 * `nft -c -f` of the same file (the kernel tool's own check of it, in a namespace of its own, in the same run:
 * the baseline; goal: services ≤ 1× it). nft runs only where it is installed (in an unprivileged user namespace
 * when not root); otherwise that ratio is left out and said so. `nft -c -f` of 10,000 services takes minutes,
 * nearly all in the kernel, so each command runs once by default (`--runs`).
 * Usage: npm run build && node --import=tsx bench/trace-nft.ts [--services N --walks N --runs N --netns NAME]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareTracer } from '../src/analyses/trace/index';
import { findSectionsInText } from '../src/input/sections';
import { singleNode } from '../src/model/node';
import { kubeProxyNftRuleset } from '../test/generators/kube-proxy-nft';
import { fmtMs, timeCommand } from './measure';
import { timeWalks, walkGoal } from './walk-timing';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    walks: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '1' },
    // The namespace nft -c -f runs in (root only); created and deleted here.
    netns: { type: 'string', default: `nfwalk-bench-${process.pid}` },
  },
});
const g = kubeProxyNftRuleset({ services: Number(values.services), seed: 1, layout: 'v1.34' });
const services = g.services.filter((s) => s.protocol !== 'sctp');
const node = `root@node:~# ip -o addr\n2: eth0    inet ${g.nodeIP}/24 brd 192.168.0.255 scope global eth0\\       valid_lft forever preferred_lft forever\nroot@node:~# ip route\ndefault via 192.168.0.1 dev eth0\n192.168.0.0/24 dev eth0 proto kernel scope link src ${g.nodeIP}\nroot@node:~# nft list ruleset\n`;

const t0 = performance.now();
const found = findSectionsInText(node + g.text, 'bench', 'bench');
const tracer = prepareTracer(singleNode(found.sections)!, 'ipv4');
const prepareMs = performance.now() - t0;

const t = timeWalks(tracer, services, g.nodeIP, Number(values.walks));

const runs = Number(values.runs);
const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'nfwalk-bench-'));
const file = join(dir, 'ruleset.nft');
writeFileSync(file, g.text);
const servicesRun = timeCommand(process.execPath, [cli, 'services', '--json', '--node-ip', g.nodeIP, file], runs);

const nft = ['/usr/sbin/nft', '/sbin/nft'].find((p) => existsSync(p));
let nftMs: number | undefined;
let nftNote = '';
if (nft) {
  const root = process.getuid?.() === 0;
  // A namespace of its own, so the check sees no other ruleset.
  const ns = values.netns;
  try {
    if (root) execFileSync('ip', ['netns', 'add', ns]);
    const [cmd, args] = root
      ? ['ip', ['netns', 'exec', ns, nft, '-c', '-f', file]]
      : ['unshare', ['-rn', nft, '-c', '-f', file]];
    nftMs = timeCommand(cmd as string, args as string[], runs).medianMs;
  } catch (e) {
    nftNote = `nft -c -f could not run here (${(e as Error).message.split('\n')[0]})`;
  } finally {
    if (root) execFileSync('ip', ['netns', 'del', ns]);
  }
} else nftNote = 'nft is not installed: the services/nft ratio is left out';
rmSync(dir, { recursive: true, force: true });

console.log(
  `trace (nft): ${services.length} services, ${g.text.split('\n').length} lines, ${t.walks} walks (${t.pathsPerWalk.toFixed(2)} paths each)`,
);
console.log(`  read, model and prepare the walk     ${prepareMs.toFixed(0)} ms`);
console.log(`  first walk (compiles its chains)     ${t.firstMs.toFixed(2)} ms`);
console.log(`  one walk per service (compiles all)  ${t.warmMs.toFixed(0)} ms`);
console.log(`  walk, median / p99                   ${t.median.toFixed(3)} ms / ${t.p99.toFixed(3)} ms`);
console.log(`  nfwalk services --json (CLI process)  ${fmtMs(servicesRun.medianMs)}`);
if (nftMs !== undefined)
  console.log(
    `  nft -c -f of the same file (baseline) ${fmtMs(nftMs)}   services/nft = ${(servicesRun.medianMs / nftMs).toFixed(2)}×`,
  );
else console.log(`  ${nftNote}`);
console.log(`\ngoal (issue #25): a walk through a 10,000-service nft ruleset under 5 ms: ${walkGoal(t)}`);
if (nftMs !== undefined)
  console.log(`goal (issue #25): services ≤ 1× nft -c -f: ${servicesRun.medianMs <= nftMs ? 'met' : 'NOT met'}`);
