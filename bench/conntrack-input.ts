/** The conntrack benchmarks' shared parts: writing a generated table to bench/out, and the awk scan they are measured against. */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceConntrackLines } from '../test/generators/conntrack-table';
import { kubeProxyServices } from '../test/generators/kube-proxy-dump';
import { kubeProxyBenchFile } from './kube-proxy-input';

/**
 * What a shell user would script over the same file: every line split into fields, key=value pairs counted,
 * entries tallied per protocol and NAT.
 */
export const AWK_SCAN = String.raw`{ n[$1]++; for (i = 1; i <= NF; i++) if (index($i, "=")) kv++; if ($0 ~ /src=[^ ]+ dst=([^ ]+) .*src=([^ ]+) /) { split($0, f, " "); nat++ } } END { for (p in n) print p, n[p]; print kv, nat }`;

/** Writes the lines to bench/out/NAME in batches and says how big the file is. */
export async function writeTable(name: string, lines: Iterable<string>): Promise<string> {
  const outDir = join(import.meta.dirname, 'out');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, name);
  const out = createWriteStream(file);
  let batch: string[] = [];
  let count = 0;
  for (const line of lines) {
    batch.push(line);
    count++;
    if (batch.length === 10000) {
      if (!out.write(`${batch.join('\n')}\n`)) await once(out, 'drain');
      batch = [];
    }
  }
  out.end(batch.length ? `${batch.join('\n')}\n` : '');
  await once(out, 'finish');
  console.log(`input: ${file}\n       ${count - 1} entries, ${(statSync(file).size / 1e6).toFixed(1)} MB\n`);
  return file;
}

/** The node address the stale benchmarks' tables and `--node-ip` share. */
export const BENCH_NODE_IP = '192.168.0.2';

/**
 * The stale benchmarks' input: a kube-proxy dump of `services` services and a conntrack table of `entries`
 * connections to them, 1% of the service entries pointing at pods that are gone.
 */
export async function staleBenchFiles(
  services: number,
  entries: number,
): Promise<{ rules: { file: string; rules: number }; table: string }> {
  const rules = kubeProxyBenchFile(services);
  const table = await writeTable(
    `conntrack-services-${services}-${entries}.txt`,
    serviceConntrackLines(kubeProxyServices({ services }), entries, { nodeIp: BENCH_NODE_IP, staleShare: 0.01 }),
  );
  return { rules, table };
}

/**
 * The bench node's `ip -o addr` and a Calico-like `ip route` (a /24 per other node via tunl0, a /32 per local
 * pod), as a support bundle has them: classing addresses by route becomes part of stale's work.
 */
export function benchNetworkFile(): string {
  const lines = [
    'root@node-1:~# ip -o addr',
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    `2: eth0    inet ${BENCH_NODE_IP}/16 brd 192.168.255.255 scope global eth0\\       valid_lft forever preferred_lft forever`,
    '3: tunl0    inet 10.244.7.0/32 scope global tunl0\\       valid_lft forever preferred_lft forever',
    'root@node-1:~# ip route',
    `default via 192.168.0.1 dev eth0 proto dhcp src ${BENCH_NODE_IP} metric 100`,
    `192.168.0.0/16 dev eth0 proto kernel scope link src ${BENCH_NODE_IP}`,
  ];
  for (let b = 0; b < 400; b++)
    lines.push(
      `10.${244 + (b >> 8)}.${b & 255}.0/24 via 192.168.${b >> 8}.${(b & 255) + 3} dev tunl0 proto bird onlink`,
    );
  for (let p = 0; p < 110; p++)
    lines.push(`10.244.7.${p + 2} dev cali${p.toString(16).padStart(8, '0')}abc scope link`);
  lines.push('blackhole 10.244.7.0/26 proto bird');
  const file = join(import.meta.dirname, 'out', 'node-network.txt');
  mkdirSync(join(import.meta.dirname, 'out'), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
