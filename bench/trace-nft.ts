/**
 * nft: one packet walk through a 10,000-service kube-proxy nftables table (issue #25 goal: under 5 ms), and
 * `services` of the same listing against `nft -c -f` of it (the kernel tool's own check of the file, run in the
 * same process tree and the same run: the baseline; goal: services ≤ 1× it). nft runs only where it is
 * installed (in an unprivileged user namespace when not root); otherwise that ratio is left out and said so.
 * Usage: node --import=tsx bench/trace-nft.ts [--services N --walks N]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeServices } from '../src/analyses/services/index';
import { prepareTracer } from '../src/analyses/trace/index';
import { findSectionsInText } from '../src/input/sections';
import { nodesOfInputs, singleNode } from '../src/model/node';
import { kubeProxyNftRuleset } from '../test/generators/kube-proxy-nft';
import { timeWalks, walkGoal } from './walk-timing';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    walks: { type: 'string', default: '2000' },
    // The generator gives NodePorts 30000 + i mod 2768: beyond that nft refuses the duplicates, so the
    // comparison with `nft -c -f` uses a listing nft accepts.
    compare: { type: 'string', default: '2500' },
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

const c = kubeProxyNftRuleset({ services: Number(values.compare), seed: 1, layout: 'v1.34' });
const t3 = performance.now();
const analysis = analyzeServices(nodesOfInputs(findSectionsInText(node + c.text, 'bench', 'bench').sections));
const servicesMs = performance.now() - t3;

const nft = ['/usr/sbin/nft', '/sbin/nft'].find((p) => existsSync(p));
let nftMs: number | undefined;
let nftNote = '';
if (nft) {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-bench-'));
  const file = join(dir, 'ruleset.nft');
  writeFileSync(file, c.text);
  const root = process.getuid?.() === 0;
  const cmd = root ? ['ip', ['netns', 'exec']] : ['unshare', ['-rn']];
  try {
    // A namespace of its own, so the check sees no other ruleset.
    const ns = `nfwalk-bench-${process.pid}`;
    if (root) execFileSync('ip', ['netns', 'add', ns]);
    const args = root ? ['netns', 'exec', ns, nft, '-c', '-f', file] : ['-rn', nft, '-c', '-f', file];
    const t4 = performance.now();
    execFileSync(cmd[0] as string, args, { stdio: 'ignore' });
    nftMs = performance.now() - t4;
    if (root) execFileSync('ip', ['netns', 'del', ns]);
  } catch (e) {
    nftNote = `nft -c -f could not run here (${(e as Error).message.split('\n')[0]})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else nftNote = 'nft is not installed: the services/nft ratio is left out';

console.log(
  `trace (nft): ${services.length} services, ${g.text.split('\n').length} lines, ${t.walks} walks (${t.pathsPerWalk.toFixed(2)} paths each)`,
);
console.log(`  read, model and prepare the walk     ${prepareMs.toFixed(0)} ms`);
console.log(`  first walk (compiles its chains)     ${t.firstMs.toFixed(2)} ms`);
console.log(`  one walk per service (compiles all)  ${t.warmMs.toFixed(0)} ms`);
console.log(`  walk, median / p99                   ${t.median.toFixed(3)} ms / ${t.p99.toFixed(3)} ms`);
console.log(
  `  services of a ${values.compare}-service listing   ${servicesMs.toFixed(0)} ms (${analysis.services.length} service ports)`,
);
if (nftMs !== undefined)
  console.log(
    `  nft -c -f of the same file (baseline) ${nftMs.toFixed(0)} ms   services/nft = ${(servicesMs / nftMs).toFixed(2)}×`,
  );
else console.log(`  ${nftNote}`);
console.log(`\ngoal (issue #25): a walk through a 10,000-service nft ruleset under 5 ms: ${walkGoal(t)}`);
if (nftMs !== undefined)
  console.log(`goal (issue #25): services ≤ 1× nft -c -f: ${servicesMs <= nftMs ? 'met' : 'NOT met'}`);
