/**
 * trace: one packet walk through a 10,000-service kube-proxy ruleset (issue #4 goal: under 5 ms), next to
 * the time nfwalk takes to read and model the same dump in this process (the baseline of this run).
 * Walks go to random services' ClusterIPs and NodePorts; the first walk compiles the chains it enters.
 * Usage: node --import=tsx bench/trace.ts [--services N --walks N]
 */
import { parseArgs } from 'node:util';
import { prepareTracer } from '../src/analyses/trace/index';
import { findSectionsInText } from '../src/input/sections';
import { singleNode } from '../src/model/node';
import { kubeProxyDump } from '../test/generators/kube-proxy-dump';
import { timeWalks, walkGoal } from './walk-timing';

const { values } = parseArgs({
  options: { services: { type: 'string', default: '10000' }, walks: { type: 'string', default: '2000' } },
});
const { text, services } = kubeProxyDump({ services: Number(values.services) });
const node =
  'root@node:~# ip -o addr\n2: eth0    inet 192.168.0.2/24 brd 192.168.0.255 scope global eth0\\       valid_lft forever preferred_lft forever\nroot@node:~# ip route\ndefault via 192.168.0.1 dev eth0\n192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.2\nroot@node:~# iptables-save\n';

const t0 = performance.now();
const found = findSectionsInText(node + text, 'bench', 'bench');
const tracer = prepareTracer(singleNode(found.sections)!, 'ipv4');
const parseMs = performance.now() - t0;

const t = timeWalks(tracer, services, '192.168.0.2', Number(values.walks));
console.log(
  `trace: ${services.length} services, ${text.split('\n').filter((l) => l.startsWith('-A ')).length} rules, ${t.walks} walks (${t.pathsPerWalk.toFixed(2)} paths each)`,
);
console.log(`  read and model the dump (baseline)  ${parseMs.toFixed(0)} ms`);
console.log(`  first walk (compiles its chains)    ${t.firstMs.toFixed(2)} ms`);
console.log(`  one walk per service (compiles all) ${t.warmMs.toFixed(0)} ms`);
console.log(
  `  walk, median / p99                  ${t.median.toFixed(3)} ms / ${t.p99.toFixed(3)} ms   walk/baseline = ${(t.median / parseMs).toExponential(1)}`,
);
console.log(`\ngoal (issue #4): a walk through a 10,000-service ruleset under 5 ms: ${walkGoal(t)}`);
