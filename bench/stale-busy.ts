/**
 * stale on tables of the shape busy nodes have (issue #30): a 10,000-service kube-proxy dump and conntrack tables
 * of 100,000 and 1,000,000 entries with ~60,000 distinct clients, every cluster IP of the dump and 1,000 that are
 * in no rule, most entries stale. In the same run: an awk field scan of each table (stale's baseline), and
 * `iptables-restore --test` of the dump (the baseline of `parse` and `services --json`). Peak RSS beyond the
 * rules is stale's on the table less its peak on an empty table of the same dump.
 * Usage: node --import=tsx bench/stale-busy.ts [--services N --entries N,N,... --runs N --memory-entries N --skip-rules --network]
 *          [--seed N --clients N --udp-share F --nft --ipv6-share F]
 *   --seed, --clients, --udp-share: other tables of the same shape (the generator's seed, distinct clients, share of
 *   the service entries to UDP services). --nft: the dump of kube-proxy's nftables mode (v1.34 layout) instead of
 *   iptables mode; its `services --json` and `parse` are timed against `nft -c -f` of the dump. --ipv6-share F: a
 *   dual-stack node, the nft dump's ip and ip6 tables (implies --nft) and a share F of IPv6 entries.
 *   --network adds an `ip -o addr` and a 513-route `ip route` of the node (Calico-like: a /24 per other node via
 *   tunl0, a /32 per local pod) instead of --node-ip, so that classing addresses by route is part of the work.
 *   --memory-entries 5000000 adds a one-run memory measurement on a table that big (an 800 MB file).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type TableService, busyConntrackLines } from '../test/generators/conntrack-table';
import { kubeProxyServices } from '../test/generators/kube-proxy-dump';
import { kubeProxyNftRuleset } from '../test/generators/kube-proxy-nft';
import { AWK_SCAN, BENCH_NODE_IP, benchNetworkFile, writeTable } from './conntrack-input';
import { kubeProxyBenchFile, withBaselineNetns } from './kube-proxy-input';
import { fmtMs, median, timeCommand } from './measure';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    entries: { type: 'string', default: '100000,1000000' },
    runs: { type: 'string', default: '3' },
    'memory-entries': { type: 'string', default: '0' },
    /** Leaves out parse and services against iptables-restore --test. */
    'skip-rules': { type: 'boolean', default: false },
    network: { type: 'boolean', default: false },
    seed: { type: 'string' },
    clients: { type: 'string' },
    'udp-share': { type: 'string' },
    nft: { type: 'boolean', default: false },
    'ipv6-share': { type: 'string' },
  },
});
const services = Number(values.services);
const sizes = values.entries.split(',').map(Number);
const runs = Number(values.runs);
const memoryEntries = Number(values['memory-entries']);

const ipv6Share = values['ipv6-share'] === undefined ? undefined : Number(values['ipv6-share']);
const nft = values.nft || ipv6Share !== undefined;

/** kube-proxy's nftables-mode dump of the same size: the ip table, and for a dual-stack node the ip6 table too. */
function nftBenchFile(): { file: string; text: string; rules: number; services: TableService[]; v6?: TableService[] } {
  const v4 = kubeProxyNftRuleset({ services, layout: 'v1.34' });
  const v6 = ipv6Share === undefined ? undefined : kubeProxyNftRuleset({ services, layout: 'v1.34', family: 'ipv6' });
  const text = v6 ? `${v4.text}${v6.text}` : v4.text;
  mkdirSync(join(import.meta.dirname, 'out'), { recursive: true });
  const file = join(import.meta.dirname, 'out', `kube-proxy-nft-${services}${v6 ? '-dual' : ''}.nft`);
  writeFileSync(file, text);
  const rules = text.split('\n').filter((l) => /^\t\t[^\t}]/.test(l) && !/^\t\t(type|elements|flags|policy)\b/.test(l));
  return {
    file,
    text,
    rules: rules.length,
    services: [...v4.services],
    ...(v6 ? { v6: [...v6.services] } : {}),
  };
}

const rules = nft ? nftBenchFile() : { ...kubeProxyBenchFile(services), services: kubeProxyServices({ services }) };
const table = {
  nodeIp: BENCH_NODE_IP,
  ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
  ...(values.clients !== undefined ? { clients: Number(values.clients) } : {}),
  ...(values['udp-share'] !== undefined ? { udpShare: Number(values['udp-share']) } : {}),
  ...('v6' in rules && rules.v6 && ipv6Share !== undefined
    ? { ipv6: { services: rules.v6, share: ipv6Share, nodeIp: '2001:db8::1' } }
    : {}),
};
const variant = [
  nft ? (ipv6Share !== undefined ? `nft-dual${ipv6Share}` : 'nft') : '',
  values.seed !== undefined ? `seed${values.seed}` : '',
  values.clients !== undefined ? `clients${values.clients}` : '',
  values['udp-share'] !== undefined ? `udp${values['udp-share']}` : '',
]
  .filter(Boolean)
  .map((v) => `-${v}`)
  .join('');
const tableOf = (n: number) =>
  writeTable(`conntrack-busy-${services}${variant}-${n}.txt`, busyConntrackLines(rules.services, n, table));

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const node = values.network ? [benchNetworkFile()] : ['--node-ip', BENCH_NODE_IP];
const staleArgs = (table: string) => [cli, 'stale', '--json', '--fail-on', 'none', ...node, rules.file, table];

/**
 * Peak RSS in MB (the median of `times` runs: one run's peak moves by ±10 MB with when V8 collects) and output size in
 * MB (counted by wc: it can exceed a string's length).
 */
function peakOf(args: readonly string[], times = runs): { peakMb: number; outMb: number } {
  const quoted = [process.execPath, ...args].map((a) => `'${a}'`).join(' ');
  const each = Array.from({ length: times }, () => {
    const r = spawnSync('sh', ['-c', `/usr/bin/time -f %M ${quoted} | wc -c`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { peakMb: Number(r.stderr.trim().split('\n').pop()) / 1024, outMb: Number(r.stdout.trim()) / 1e6 };
  });
  return { peakMb: median(each.map((e) => e.peakMb)), outMb: each[0]!.outMb };
}

const empty = await tableOf(0);
const rulesOnly = peakOf(staleArgs(empty));
console.log(`stale --json on an empty table of the same dump: peak ${rulesOnly.peakMb.toFixed(0)} MB\n`);

const rows: { entries: number; staleMs: number; awkMs: number }[] = [];
for (const n of sizes) {
  const table = await tableOf(n);
  const awk = timeCommand('awk', [AWK_SCAN, table], runs);
  const stale = timeCommand(process.execPath, staleArgs(table), runs);
  const { peakMb, outMb } = peakOf(staleArgs(table));
  const perEntry = ((peakMb - rulesOnly.peakMb) * 1024 * 1024) / n;
  rows.push({ entries: n, staleMs: stale.medianMs, awkMs: awk.medianMs });
  console.log(`${n} entries, ${(statSync(table).size / 1e6).toFixed(0)} MB (wall time, median of ${runs} runs)`);
  console.log(`  awk scan of the table`.padEnd(40) + fmtMs(awk.medianMs));
  console.log(
    `  nfwalk stale --json`.padEnd(40) +
      `${fmtMs(stale.medianMs)}   stale/awk = ${(stale.medianMs / awk.medianMs).toFixed(2)}`,
  );
  console.log(
    `  peak RSS`.padEnd(40) +
      `${peakMb.toFixed(0).padStart(7)} MB   ${perEntry.toFixed(0)} bytes per entry beyond the rules; ${outMb.toFixed(0)} MB of JSON\n`,
  );
}
if (rows.length > 1) {
  const [a, b] = [rows[0]!, rows[rows.length - 1]!];
  console.log(
    `growth: ${(b.entries / a.entries).toFixed(0)}× entries, ${(b.staleMs / a.staleMs).toFixed(1)}× time (goal: ≤ ${((b.entries / a.entries) * 1.1).toFixed(0)}×)`,
  );
  const last = rows[rows.length - 1]!;
  const ratio = last.staleMs / last.awkMs;
  console.log(
    `goal (issue #30): stale --json ≤ 10 × awk on ${last.entries} entries: ${ratio <= 10 ? 'met' : 'NOT met'}`,
  );
}
if (memoryEntries > 0) {
  const table = await tableOf(memoryEntries);
  const { peakMb } = peakOf(staleArgs(table), 1);
  const perEntry = ((peakMb - rulesOnly.peakMb) * 1024 * 1024) / memoryEntries;
  console.log(
    `\n${memoryEntries} entries: peak RSS ${peakMb.toFixed(0)} MB, ${perEntry.toFixed(0)} bytes per entry beyond the rules (goal: < 1 GB, ≤ 120)`,
  );
}

if (values['skip-rules']) process.exit(0);
const services_ = timeCommand(process.execPath, [cli, 'services', '--json', '--fail-on', 'none', rules.file], runs);
const parse = timeCommand(process.execPath, [cli, 'parse', rules.file], runs);
console.log(`\n${services} services, ${rules.rules} rules`);
console.log(`  nfwalk services --json`.padEnd(40) + fmtMs(services_.medianMs));
console.log(`  nfwalk parse`.padEnd(40) + fmtMs(parse.medianMs));
withBaselineNetns((netns) => {
  const base = nft
    ? timeCommand('ip', ['netns', 'exec', netns, 'nft', '-c', '-f', rules.file], runs)
    : timeCommand('ip', ['netns', 'exec', netns, 'iptables-restore', '--test'], runs, rules.text);
  console.log(
    `  ${nft ? 'nft -c -f' : 'iptables-restore --test'}`.padEnd(40) +
      `${fmtMs(base.medianMs)}   services/baseline = ${(services_.medianMs / base.medianMs).toFixed(2)} (goal ≤ 1.5), parse/baseline = ${(parse.medianMs / base.medianMs).toFixed(2)} (goal ≤ 1)`,
  );
});
