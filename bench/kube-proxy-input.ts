/** The input of the whole-file benchmarks, and the kernel baseline they are measured against. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubeProxyDump } from '../test/generators/kube-proxy-dump';
import { canRun } from './measure';

/** A kube-proxy dump of `services` services, written to bench/out for the CLI and the baseline to read. */
export function kubeProxyBenchFile(services: number): { file: string; text: string; rules: number } {
  const outDir = join(import.meta.dirname, 'out');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `kube-proxy-${services}.iptables-save`);
  const { text } = kubeProxyDump({ services });
  writeFileSync(file, text);
  return { file, text, rules: text.split('\n').filter((l) => l.startsWith('-A ')).length };
}

/**
 * Runs `measure` with a throw-away network namespace, where `iptables-restore --test` can run without
 * touching the host's rules; says so instead when this machine cannot (no root, no iptables). Whether it ran.
 */
export function withBaselineNetns(measure: (netns: string) => void): boolean {
  // NFWALK_NETNS_PREFIX: where several people share a machine, each names their namespaces apart.
  const netns = `${process.env.NFWALK_NETNS_PREFIX ?? 'nfwalk-bench-'}${process.pid}`;
  if (process.getuid?.() !== 0 || !canRun('ip', ['netns', 'add', netns])) {
    console.log('\nbaseline: skipped (needs root and iptables to run iptables-restore --test in a network namespace)');
    return false;
  }
  try {
    measure(netns);
    return true;
  } finally {
    canRun('ip', ['netns', 'del', netns]);
  }
}
