/**
 * A three-namespace lab where the kernel walks real packets: "node" (eth0 192.168.50.1/24 to the client,
 * pods0 10.99.0.1/16 carrying the default route to "sink", a namespace that forwards nothing, so routed
 * packets end there and nothing leaves the machine) and "client" (eth0 192.168.50.2/24 plus extra
 * source addresses, default route via the node).
 * The kernel's own trace (`-j TRACE`, read with `xtables-monitor --trace`, or `nft -a monitor trace` in an
 * IPv6 lab) is parsed into the steps contracts.md defines, with nft rule handles turned into 1-based positions.
 * An IPv6 lab (`new TraceLab(LAB_V6)`) is the same lab with its addresses carried over by `v6Of`, every address
 * without duplicate address detection and static neighbours, so that neighbour discovery stays out of the traces.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './exec';
import { LAB_V4, type LabFamily } from './lab-family';
import { type TraceEvent, nftMonitorEvents, xtablesMonitorEvents } from './trace-events';
import { startTraceMonitor } from './trace-monitor';

export const NODE_IP = '192.168.50.1';
export const PODS_IP = '10.99.0.1';
export const CLIENT_IPS = ['192.168.50.2', '203.0.113.5', '10.244.200.7', '198.51.100.9'] as const;

export interface LabProbe {
  /** icmp is an echo request: ICMPv6's in an IPv6 lab. */
  readonly proto: 'tcp' | 'udp' | 'icmp';
  readonly src: string;
  readonly dst: string;
  readonly sport?: number;
  readonly dport?: number;
  /** Sent by the node itself, else by the client over eth0. */
  readonly local: boolean;
}

export type KernelStep =
  | { readonly table: string; readonly chain: string; readonly rule: number }
  | { readonly table: string; readonly chain: string; readonly policy: string };

export interface KernelTrace {
  readonly steps: KernelStep[];
  /** The header the last PACKET line of the trace showed (after the NAT the kernel did). */
  readonly last?: { src: string; dst: string; sport?: number; dport?: number };
}

/** npm puts node_modules/.bin first on PATH, where @vercel/nft (an ava dependency) is also called `nft`. */
const NFT = ['/usr/sbin/nft', '/sbin/nft'].find((p) => existsSync(p)) ?? 'nft';

const SENDER = fileURLToPath(new URL('./send-probes.mjs', import.meta.url));

function must(cmd: string, args: readonly string[], input?: string): string {
  const r = run(cmd, args, input);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

export class TraceLab {
  readonly node: string;
  readonly client: string;
  /** Where routed packets end: a namespace that forwards nothing. */
  readonly sink: string;
  private readonly dir = mkdtempSync(join(tmpdir(), 'nfwalk-lab-'));

  constructor(readonly family: LabFamily = LAB_V4) {
    const v6 = family.family === 'ipv6';
    const at = family.at;
    this.node = `${family.namespaces}node-${process.pid}`;
    this.client = `${family.namespaces}client-${process.pid}`;
    this.sink = `${family.namespaces}sink-${process.pid}`;
    for (const ns of [this.node, this.client, this.sink]) {
      run('ip', ['netns', 'del', ns]);
      must('ip', ['netns', 'add', ns]);
      // Before the links exist, so that their link-local addresses skip duplicate address detection too.
      if (v6)
        must('ip', [
          'netns',
          'exec',
          ns,
          'sysctl',
          '-q',
          '-w',
          'net.ipv6.conf.default.accept_dad=0',
          'net.ipv6.conf.all.accept_dad=0',
        ]);
    }
    const n = (...a: string[]) => must('ip', ['-n', this.node, family.ipFlag, ...a]);
    const c = (...a: string[]) => must('ip', ['-n', this.client, family.ipFlag, ...a]);
    const s = (...a: string[]) => must('ip', ['-n', this.sink, family.ipFlag, ...a]);
    const nodad = v6 ? ['nodad'] : [];
    must('ip', [
      'link',
      'add',
      'nfw-veth-n',
      'netns',
      this.node,
      'type',
      'veth',
      'peer',
      'name',
      'nfw-veth-c',
      'netns',
      this.client,
    ]);
    n('link', 'set', 'nfw-veth-n', 'name', 'eth0');
    c('link', 'set', 'nfw-veth-c', 'name', 'eth0');
    must('ip', [
      'link',
      'add',
      'nfw-pods-n',
      'netns',
      this.node,
      'type',
      'veth',
      'peer',
      'name',
      'nfw-pods-s',
      'netns',
      this.sink,
    ]);
    n('link', 'set', 'nfw-pods-n', 'name', 'pods0');
    n('addr', 'add', at(`${NODE_IP}/24`), 'dev', 'eth0', ...nodad);
    n('addr', 'add', at(`${PODS_IP}/16`), 'dev', 'pods0', ...nodad);
    for (const l of ['lo', 'eth0', 'pods0']) n('link', 'set', l, 'up');
    n('route', 'add', 'default', 'via', at('10.99.0.2'), 'dev', 'pods0');
    s('addr', 'add', at('10.99.0.2/16'), 'dev', 'nfw-pods-s', ...nodad);
    s('link', 'set', 'nfw-pods-s', 'up');
    for (const net of ['203.0.113.0/24', '10.244.200.0/24', '198.51.100.0/24'])
      n('route', 'add', at(net), 'via', at('192.168.50.2'));
    c('addr', 'add', at('192.168.50.2/24'), 'dev', 'eth0', ...nodad);
    for (const ip of CLIENT_IPS.slice(1)) c('addr', 'add', at(`${ip}/32`), 'dev', 'eth0', ...nodad);
    for (const l of ['lo', 'eth0']) c('link', 'set', l, 'up');
    c('route', 'add', 'default', 'via', at(NODE_IP));
    const sysctl = (...kv: string[]) => must('ip', ['netns', 'exec', this.node, 'sysctl', '-q', '-w', ...kv]);
    if (!v6)
      sysctl(
        'net.ipv4.ip_forward=1',
        'net.ipv4.conf.all.rp_filter=0',
        'net.ipv4.conf.eth0.rp_filter=0',
        'net.ipv4.conf.default.rp_filter=0',
      );
    else {
      sysctl('net.ipv6.conf.all.forwarding=1');
      const mac = (ns: string, dev: string) =>
        /link\/ether (\S+)/.exec(must('ip', ['-n', ns, 'link', 'show', dev]))![1]!;
      // Static neighbours: no neighbour solicitation delays a probe or shows up beside it.
      n('neigh', 'replace', at('192.168.50.2'), 'lladdr', mac(this.client, 'eth0'), 'dev', 'eth0', 'nud', 'permanent');
      n(
        'neigh',
        'replace',
        at('10.99.0.2'),
        'lladdr',
        mac(this.sink, 'nfw-pods-s'),
        'dev',
        'pods0',
        'nud',
        'permanent',
      );
      c('neigh', 'replace', at(NODE_IP), 'lladdr', mac(this.node, 'eth0'), 'dev', 'eth0', 'nud', 'permanent');
      s('neigh', 'replace', at(PODS_IP), 'lladdr', mac(this.node, 'pods0'), 'dev', 'nfw-pods-s', 'nud', 'permanent');
    }
  }

  exec(ns: string, cmd: string, args: readonly string[], input?: string): string {
    return must('ip', ['netns', 'exec', ns, cmd, ...args], input);
  }

  /** Replaces the node's ruleset and ipsets. */
  load(ruleset: string, ipsets = ''): void {
    // Rules that reference a set keep it alive: empty the tables, then replace the sets, then load.
    this.exec(
      this.node,
      this.family.restore,
      [],
      ['raw', 'mangle', 'nat', 'filter'].map((t) => `*${t}\nCOMMIT\n`).join(''),
    );
    run('ip', ['netns', 'exec', this.node, 'ipset', 'destroy']);
    if (ipsets) this.exec(this.node, 'ipset', ['restore'], ipsets);
    this.exec(this.node, this.family.restore, [], ruleset);
    run('ip', ['netns', 'exec', this.node, 'conntrack', '-F']);
  }

  /** Replaces the rules the way kube-proxy's sync does, leaving the conntrack table as it is. */
  restore(ruleset: string): void {
    this.exec(this.node, this.family.restore, [], ruleset);
  }

  /** The dumps a support bundle of this node would hold, as one pasted text. */
  dumps(): string {
    return [
      `root@lab:~# ip -o addr\n${this.exec(this.node, 'ip', ['-o', 'addr'])}`,
      `root@lab:~# ip ${this.family.ipFlag} route show table all\n${this.exec(this.node, 'ip', [this.family.ipFlag, 'route', 'show', 'table', 'all'])}`,
      `root@lab:~# sysctl ${this.family.sysctls.join(' ')}\n${this.exec(this.node, 'sysctl', this.family.sysctls)}`,
      `root@lab:~# ipset save\n${this.exec(this.node, 'ipset', ['save'])}`,
      `root@lab:~# ${this.family.save}\n${this.exec(this.node, this.family.save, [])}`,
    ].join('');
  }

  /** nft handle → 1-based rule position, per `table:chain`. */
  private positions(): Map<string, number> {
    const out = new Map<string, number>();
    const text = listOr(this, 'raw') + listOr(this, 'mangle') + listOr(this, 'nat') + listOr(this, 'filter');
    let table = '';
    let chain = '';
    let n = 0;
    for (const line of text.split('\n')) {
      const t = /^table ip6? (\S+)/.exec(line);
      if (t) table = t[1]!;
      const c = /^\s*chain (\S+) \{/.exec(line);
      if (c) {
        chain = c[1]!;
        n = 0;
        continue;
      }
      const h = /# handle (\d+)$/.exec(line);
      if (h && chain && !/^\s*(type|policy)/.test(line) && !/^\s*chain/.test(line) && !/^table/.test(line))
        out.set(`${table}:${chain}:${h[1]}`, ++n);
    }
    return out;
  }

  /** Sends the probes and returns, per probe, the kernel's trace of its first packet. */
  send(probes: readonly LabProbe[]): Promise<(KernelTrace | undefined)[]> {
    return this.untilTraced(() => this.sendOnce(probes));
  }

  /**
   * Runs `once`, which sends probes with a trace monitor running and gives what the monitor said if it stopped early.
   * On a loaded machine the monitor can fall behind and lose events (ENOBUFS); then the probes' conntrack entries are
   * flushed, so that they are first packets again, and they are sent once more.
   */
  async untilTraced<T extends object>(once: () => Promise<T | string>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const traced = await once();
      if (typeof traced !== 'string') return traced;
      if (attempt === 3 || !traced.includes('No buffer space'))
        throw new Error(`the trace monitor stopped early: ${traced}`);
      run('ip', ['netns', 'exec', this.node, 'conntrack', '-F']);
    }
  }

  /** The traces, or what the monitor said when it stopped early. */
  private async sendOnce(probes: readonly LabProbe[]): Promise<(KernelTrace | undefined)[] | string> {
    const positions = this.positions();
    // The monitor writes to a file: a pipe we only read later would fill, and the kernel then drops trace events.
    const outFile = join(this.dir, 'trace.txt');
    const errFile = join(this.dir, 'trace.err');
    const command = this.family.family === 'ipv4' ? ['xtables-monitor', '--trace'] : [NFT, '-a', 'monitor', 'trace'];
    const monitor = await startTraceMonitor(this.node, command, outFile, errFile);
    this.fire(probes);
    const stopped = await monitor.stop();
    if (stopped !== undefined) return stopped;
    const output = readFileSync(outFile, 'utf8');
    return assignTraces(
      this.family.family === 'ipv4' ? xtablesMonitorEvents(output) : nftMonitorEvents(output),
      probes,
      positions,
    );
  }

  /** Sends the probes, from the client or (`local`) from the node, and returns once they are out. */
  fire(probes: readonly LabProbe[]): void {
    for (const [ns, list] of [
      [this.client, probes.filter((p) => !p.local)],
      [this.node, probes.filter((p) => p.local)],
    ] as const) {
      if (list.length === 0) continue;
      const file = join(this.dir, 'probes.json');
      writeFileSync(file, JSON.stringify(list));
      this.exec(ns, process.execPath, [SENDER, file]);
    }
  }

  /** `conntrack -L` of the node, of the lab's family. */
  conntrack(): string {
    return run('ip', ['netns', 'exec', this.node, 'conntrack', '-L', '-f', this.family.family]).stdout;
  }

  close(): void {
    run('ip', ['netns', 'del', this.node]);
    run('ip', ['netns', 'del', this.client]);
    run('ip', ['netns', 'del', this.sink]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function listOr(lab: TraceLab, table: string): string {
  const r = run('ip', ['netns', 'exec', lab.node, NFT, '-a', 'list', 'table', lab.family.nft, table]);
  return r.status === 0 ? r.stdout : '';
}

type PacketLine = Extract<TraceEvent, { kind: 'packet' }>;

function sameHeader(a: KernelTrace['last'], b: PacketLine): boolean {
  return a !== undefined && a.src === b.src && a.dst === b.dst && a.sport === b.sport && a.dport === b.dport;
}

/** Hands each probe the events of its own packet ids. */
function assignTraces(
  events: readonly TraceEvent[],
  probes: readonly LabProbe[],
  positions: Map<string, number>,
): (KernelTrace | undefined)[] {
  const owner = new Map<string, number>();
  const traces: { steps: KernelStep[]; last?: KernelTrace['last']; looped: boolean }[] = probes.map(() => ({
    steps: [],
    looped: false,
  }));
  const bySport = new Map<string, number>();
  probes.forEach((p, i) => bySport.set(p.proto === 'icmp' ? `icmp ${p.src} ${p.dst}` : `${p.src} ${p.sport}`, i));
  for (const e of events) {
    if (e.kind === 'packet') {
      const p = e;
      let i = owner.get(p.id);
      if (i === undefined) {
        // A packet the node sent to itself comes back in on lo under a new id, with the header NAT left it.
        // POSTROUTING may have masqueraded it after the last PACKET line, so the source may differ.
        if (p.in === 'lo') {
          const open = traces.flatMap((t, n) =>
            probes[n]!.local && !t.looped && t.steps.length > 0 && t.last?.dst === p.dst && t.last?.dport === p.dport
              ? [n]
              : [],
          );
          const k = open.length === 1 ? open[0] : open.find((n) => sameHeader(traces[n]!.last, p));
          if (k !== undefined) {
            traces[k]!.looped = true;
            i = k;
          }
        }
        if (i === undefined) {
          i = bySport.get(p.sport === undefined ? `icmp ${p.src} ${p.dst}` : `${p.src} ${p.sport}`);
          // Only the first packet of a probe counts: later ids with the same key are retransmissions.
          if (i === undefined || traces[i]!.steps.length > 0) continue;
        }
        owner.set(p.id, i);
      }
      traces[i]!.last = {
        src: p.src,
        dst: p.dst,
        ...(p.sport !== undefined ? { sport: p.sport } : {}),
        ...(p.dport !== undefined ? { dport: p.dport } : {}),
      };
      continue;
    }
    const i = owner.get(e.id);
    if (i === undefined) continue;
    if (e.kind === 'policy') traces[i]!.steps.push({ table: e.table, chain: e.chain, policy: e.policy });
    else {
      const rule = positions.get(`${e.table}:${e.chain}:${e.handle}`);
      if (rule === undefined) throw new Error(`no rule with handle ${e.handle} in ${e.table} ${e.chain}`);
      traces[i]!.steps.push({ table: e.table, chain: e.chain, rule });
    }
  }
  return traces.map((t) => (t.steps.length ? { steps: t.steps, ...(t.last ? { last: t.last } : {}) } : undefined));
}
