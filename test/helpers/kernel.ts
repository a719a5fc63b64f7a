/**
 * The kernel as the reference: throw-away network namespaces for differential tests. Nothing here sends
 * a packet off the machine. Without root or iptables these tests skip with the reason, unless
 * NFWALK_REQUIRE_KERNEL=1 (set by .ci/run), which turns a skip into a failure.
 */
import { existsSync } from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { run } from './exec';

export { run };

export interface Exec {
  (cmd: string, args: readonly string[], input?: string): { status: number; stdout: string; stderr: string };
}

function probe(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of [
    'ip',
    'iptables-restore',
    'ip6tables-restore',
    'iptables-save',
    'iptables-legacy-restore',
    'iptables-legacy-save',
    'ipset',
    'conntrack',
    'ping',
    'xtables-monitor',
  ]) {
    if (run('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return `${tool} is not installed (apt-get install iptables ipset conntrack iproute2 iputils-ping nftables)`;
  }
  // Not `command -v nft`: under npm, node_modules/.bin holds an unrelated `nft` (@vercel/nft).
  if (!['/usr/sbin/nft', '/sbin/nft'].some((p) => existsSync(p)))
    return 'nft is not installed (apt-get install nftables)';
  const ns = `nfwalk-probe-${process.pid}`;
  const add = run('ip', ['netns', 'add', ns]);
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  const ok = run('ip', ['netns', 'exec', ns, 'iptables-restore', '--test'], '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n');
  run('ip', ['netns', 'del', ns]);
  return ok.status === 0 ? undefined : `iptables-restore does not work in a namespace: ${ok.stderr.trim()}`;
}

const unavailable = probe();

/** A test that needs the kernel: runs, skips with the reason, or fails where the kernel is required. */
export function kernelTest(title: string, fn: (t: ExecutionContext) => void | Promise<void>): void {
  if (!unavailable) return test.serial(title, fn);
  if (process.env.NFWALK_REQUIRE_KERNEL === '1')
    return test(title, (t) => t.fail(`kernel tests are required here but cannot run: ${unavailable}`));
  test.skip(`${title} (skipped: ${unavailable})`, () => {});
}

let counter = 0;

/** Namespaces are named `<prefix><pid>-<n>`; NFWALK_NETNS_PREFIX keeps parallel runs on one machine apart. */
const netnsPrefix = process.env.NFWALK_NETNS_PREFIX ?? 'nfwalk-t';

/** Runs `fn` with an executor inside a fresh network namespace (and its name), deleted afterwards. */
export async function withNetnsAsync<T>(fn: (exec: Exec, name: string) => Promise<T>): Promise<T> {
  const ns = `${netnsPrefix}${process.pid}-${counter++}`;
  const add = run('ip', ['netns', 'add', ns]);
  if (add.status !== 0) throw new Error(`ip netns add ${ns}: ${add.stderr}`);
  try {
    return await fn((cmd, args, input) => run('ip', ['netns', 'exec', ns, cmd, ...args], input), ns);
  } finally {
    run('ip', ['netns', 'del', ns]);
  }
}

/** Runs `fn` with an executor inside a fresh network namespace, deleted afterwards. */
export function withNetns<T>(fn: (exec: Exec) => T): T {
  const ns = `${netnsPrefix}${process.pid}-${counter++}`;
  const add = run('ip', ['netns', 'add', ns]);
  if (add.status !== 0) throw new Error(`ip netns add ${ns}: ${add.stderr}`);
  try {
    return fn((cmd, args, input) => run('ip', ['netns', 'exec', ns, cmd, ...args], input));
  } finally {
    run('ip', ['netns', 'del', ns]);
  }
}

/** Creates the ipsets a ruleset's `--match-set` rules name (iptables-restore refuses unknown sets). */
export function createReferencedSets(exec: Exec, ruleset: string, family: 'inet' | 'inet6'): void {
  const types = ['hash:ip', 'hash:ip,port', 'hash:ip,port,ip', 'hash:ip,port,net'];
  const seen = new Set<string>();
  for (const m of ruleset.matchAll(/--match-set (\S+) (\S+)/g)) {
    const [, name, dirs] = m;
    if (!name || seen.has(name)) continue;
    seen.add(name);
    const type = types[Math.min(dirs!.split(',').length, types.length) - 1]!;
    const r = exec('ipset', ['create', name, type, 'family', family]);
    if (r.status !== 0) throw new Error(`ipset create ${name} ${type}: ${r.stderr}`);
  }
}
