/** The conntrack benchmarks' shared parts: writing a generated table to bench/out, and the awk scan they are measured against. */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, statSync } from 'node:fs';
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
