/**
 * stale --json on other tables of the busy shape (issue #30's hidden checks): other seeds, 10,000 and 200,000
 * distinct clients, UDP-heavy, the node's routes instead of --node-ip, IPv6 entries, kube-proxy's nftables mode
 * and a dual-stack nft dump, each timed with an awk scan of its table, all variants interleaved in one run.
 * Times are CPU (user + system, by /usr/bin/time) as well as wall, because on a shared machine wall time follows
 * the load; "beyond fixed" subtracts the variant's run on a one-entry table of the same dump (the rules' cost),
 * so a variant many times slower per entry than the base shows as a cliff.
 * Usage: npm run build && node --import=tsx bench/stale-variants.ts [--services N --entries N,N --runs N --only a,b]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BusyTableOptions, type TableService, busyConntrackLines } from '../test/generators/conntrack-table';
import { kubeProxyDump, kubeProxyServices } from '../test/generators/kube-proxy-dump';
import { kubeProxyNftRuleset } from '../test/generators/kube-proxy-nft';
import { AWK_SCAN, BENCH_NODE_IP, benchNetworkFile, writeTable } from './conntrack-input';
import { median } from './measure';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    entries: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '1' },
    only: { type: 'string' },
  },
});
const services = Number(values.services);
const sizes = [1, ...values.entries.split(',').map(Number)];
const runs = Number(values.runs);
const out = join(import.meta.dirname, 'out');
mkdirSync(out, { recursive: true });
const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');

function rulesFile(name: string, text: string): string {
  const file = join(out, name);
  writeFileSync(file, text);
  return file;
}
const ipt = rulesFile(`kube-proxy-${services}.iptables-save`, kubeProxyDump({ services }).text);
const iptServices = kubeProxyServices({ services });
const nft4 = kubeProxyNftRuleset({ services, layout: 'v1.34' });
const nft6 = kubeProxyNftRuleset({ services, layout: 'v1.34', family: 'ipv6' });
const nftFile = rulesFile(`kube-proxy-nft-${services}.nft`, nft4.text);
const dualFile = rulesFile(`kube-proxy-nft-${services}-dual.nft`, nft4.text + nft6.text);
const ipv6 = { services: nft6.services, share: 0.3, nodeIp: nft6.nodeIP };

interface Variant {
  readonly name: string;
  readonly rules: string;
  readonly services: readonly TableService[];
  readonly table: Partial<BusyTableOptions>;
  readonly node?: readonly string[];
}
const variants: Variant[] = [
  { name: 'base', rules: ipt, services: iptServices, table: {} },
  { name: 'seed11', rules: ipt, services: iptServices, table: { seed: 11 } },
  { name: 'seed23', rules: ipt, services: iptServices, table: { seed: 23 } },
  { name: 'clients10k', rules: ipt, services: iptServices, table: { clients: 10_000 } },
  { name: 'clients200k', rules: ipt, services: iptServices, table: { clients: 200_000 } },
  { name: 'udp0.8', rules: ipt, services: iptServices, table: { udpShare: 0.8 } },
  { name: 'network', rules: ipt, services: iptServices, table: {}, node: [benchNetworkFile()] },
  { name: 'ipt+v6-0.3', rules: ipt, services: iptServices, table: { ipv6 } },
  { name: 'nft', rules: nftFile, services: nft4.services, table: {} },
  { name: 'nft-clients10k', rules: nftFile, services: nft4.services, table: { clients: 10_000 } },
  { name: 'nft-clients200k', rules: nftFile, services: nft4.services, table: { clients: 200_000 } },
  { name: 'nft-dual0.3', rules: dualFile, services: nft4.services, table: { ipv6 } },
].filter((v) => values.only === undefined || values.only.split(',').includes(v.name));

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakMb: number;
}
function time(cmd: readonly string[]): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...cmd], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const [wall, user, sys, kb] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return { wallMs: wall! * 1000, cpuMs: (user! + sys!) * 1000, peakMb: kb! / 1024 };
}

const fixed = new Map<string, number>();
for (const n of sizes) {
  const tables = new Map<string, string>();
  for (const v of variants)
    tables.set(
      v.name,
      await writeTable(
        `conntrack-variant-${services}-${v.name}-${n}.txt`,
        busyConntrackLines(v.services, n, { nodeIp: BENCH_NODE_IP, ...v.table }),
      ),
    );
  const runsOf = new Map<string, { stale: Run[]; awk: Run[] }>();
  for (let r = 0; r < runs; r++)
    for (const v of variants) {
      const table = tables.get(v.name)!;
      const seen = runsOf.get(v.name) ?? { stale: [], awk: [] };
      seen.awk.push(time(['awk', AWK_SCAN, table]));
      const node = v.node ?? ['--node-ip', BENCH_NODE_IP];
      seen.stale.push(time([process.execPath, cli, 'stale', '--json', '--fail-on', 'none', ...node, v.rules, table]));
      runsOf.set(v.name, seen);
    }
  console.log(
    `\n${services} services, ${n} entries, median of ${runs} (load ${spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim()})`,
  );
  console.log('variant            stale CPU ms  wall ms  awk CPU ms  CPU ratio  µs/entry beyond fixed  peak MB');
  for (const v of variants) {
    const { stale, awk } = runsOf.get(v.name)!;
    const cpu = median(stale.map((x) => x.cpuMs));
    const awkCpu = median(awk.map((x) => x.cpuMs));
    if (n === 1) fixed.set(v.name, cpu);
    const beyond = n === 1 ? '' : (((cpu - (fixed.get(v.name) ?? 0)) * 1000) / n).toFixed(0);
    console.log(
      `${v.name.padEnd(18)} ${cpu.toFixed(0).padStart(12)} ${median(stale.map((x) => x.wallMs))
        .toFixed(0)
        .padStart(
          8,
        )} ${awkCpu.toFixed(0).padStart(11)} ${(cpu / Math.max(awkCpu, 10)).toFixed(1).padStart(10)} ${beyond.padStart(22)} ${median(
        stale.map((x) => x.peakMb),
      )
        .toFixed(0)
        .padStart(8)}`,
    );
  }
}
