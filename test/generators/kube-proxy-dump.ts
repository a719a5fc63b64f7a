/**
 * kube-proxy (iptables mode, v1.32 layout) dumps at any size, as iptables-save prints them: chain names from
 * kube-proxy's own hash (sha256 → base32 → 16 characters), statistic ladders 1/n, 1/(n-1), …, NodePorts through
 * KUBE-EXT, REJECT rules for services without endpoints, and large-cluster mode (no per-endpoint comments
 * above 1,000 endpoints). Reference: shared/reference/kube-proxy-tracer.md §4, captures/iptables-save.txt.
 */
import { createHash } from 'node:crypto';

export interface GeneratedService {
  readonly name: string;
  readonly protocol: 'tcp' | 'udp';
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort: number | null;
  readonly endpoints: readonly { readonly ip: string; readonly port: number }[];
  readonly svcChain: string;
}

export interface KubeProxyDumpOptions {
  readonly services: number;
  /** Endpoints of service i; default cycles 1, 2, 3, 0 (no endpoints every 40th), … */
  readonly endpoints?: (i: number) => number;
  /** Every n-th service gets a NodePort (default 3). */
  readonly nodePortEvery?: number;
  readonly clusterCidr?: string;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(buf: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** kube-proxy's portProtoHash / servicePortEndpointChainName. */
export const chainHash = (...parts: string[]) => base32(createHash('sha256').update(parts.join('')).digest()).slice(0, 16);

const defaultEndpoints = (i: number) => (i % 40 === 39 ? 0 : (i % 3) + 1);

function serviceIp(i: number): string {
  // 10.96.0.0/12 holds 2^20 addresses; skip .0 of each /24 for realism.
  const n = i + 10 + Math.floor(i / 255);
  return `10.${96 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`;
}

function podIp(n: number): string {
  return `10.244.${(n >> 8) & 255}.${(n & 255) || 1}`;
}

/** `%0.10f` of 1/(n-i) as kube-proxy writes it, quantised and printed `%.11f` as iptables-save shows it. */
export function probability(remaining: number): string {
  const written = Number((1 / remaining).toFixed(10));
  return (Math.round(written * 0x80000000) / 0x80000000).toFixed(11);
}

export function kubeProxyServices(opts: KubeProxyDumpOptions): GeneratedService[] {
  const count = opts.endpoints ?? defaultEndpoints;
  const nodePortEvery = opts.nodePortEvery ?? 3;
  let pod = 0;
  return Array.from({ length: opts.services }, (_, i) => {
    const protocol = i % 10 === 7 ? 'udp' : 'tcp';
    const name = `ns${i % 97}/svc-${i}:${protocol === 'udp' ? 'dns' : 'http'}`;
    const endpoints = Array.from({ length: count(i) }, () => ({ ip: podIp(++pod), port: protocol === 'udp' ? 5353 : 8080 }));
    return {
      name,
      protocol,
      clusterIP: serviceIp(i),
      port: protocol === 'udp' ? 53 : 80,
      nodePort: i % nodePortEvery === 0 ? 30000 + (i % 2768) : null,
      endpoints,
      svcChain: `KUBE-SVC-${chainHash(name, protocol)}`,
    };
  });
}

export function kubeProxyDump(opts: KubeProxyDumpOptions): { text: string; services: GeneratedService[] } {
  const services = kubeProxyServices(opts);
  const clusterCidr = opts.clusterCidr ?? '10.244.0.0/16';
  const largeCluster = services.reduce((n, s) => n + s.endpoints.length, 0) > 1000;
  const filter = new Map<string, string[]>();
  const nat = new Map<string, string[]>();
  const add = (table: Map<string, string[]>, chain: string, rule?: string) => {
    const rules = table.get(chain) ?? [];
    table.set(chain, rules);
    if (rule !== undefined) rules.push(`-A ${chain} ${rule}`);
  };
  for (const c of ['KUBE-EXTERNAL-SERVICES', 'KUBE-FIREWALL', 'KUBE-FORWARD', 'KUBE-KUBELET-CANARY', 'KUBE-NODEPORTS', 'KUBE-PROXY-CANARY', 'KUBE-PROXY-FIREWALL', 'KUBE-SERVICES']) add(filter, c);
  add(filter, 'INPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL');
  add(filter, 'INPUT', '-m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS');
  add(filter, 'INPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES');
  add(filter, 'INPUT', '-j KUBE-FIREWALL');
  add(filter, 'FORWARD', '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL');
  add(filter, 'FORWARD', '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD');
  add(filter, 'FORWARD', '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  add(filter, 'FORWARD', '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES');
  add(filter, 'OUTPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL');
  add(filter, 'OUTPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  add(filter, 'OUTPUT', '-j KUBE-FIREWALL');
  add(filter, 'KUBE-FIREWALL', '! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP');
  add(filter, 'KUBE-FORWARD', '-m conntrack --ctstate INVALID -m comment --comment "kubernetes forwarding rules" -j DROP');
  add(filter, 'KUBE-FORWARD', '-m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT');
  add(filter, 'KUBE-FORWARD', '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');

  for (const c of ['KUBE-MARK-MASQ', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-SERVICES']) add(nat, c);
  add(nat, 'PREROUTING', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  add(nat, 'OUTPUT', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  add(nat, 'POSTROUTING', '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  add(nat, 'KUBE-MARK-MASQ', '-j MARK --set-xmark 0x4000/0x4000');
  add(nat, 'KUBE-POSTROUTING', '-m mark ! --mark 0x4000/0x4000 -j RETURN');
  add(nat, 'KUBE-POSTROUTING', '-j MARK --set-xmark 0x4000/0x0');
  add(nat, 'KUBE-POSTROUTING', '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');

  for (const s of services) {
    const p = s.protocol;
    const svcMatch = `-d ${s.clusterIP}/32 -p ${p} -m comment --comment "${s.name} cluster IP" -m ${p} --dport ${s.port}`;
    if (s.endpoints.length === 0) {
      add(filter, 'KUBE-SERVICES', `-d ${s.clusterIP}/32 -p ${p} -m comment --comment "${s.name} has no endpoints" -m ${p} --dport ${s.port} -j REJECT --reject-with icmp-port-unreachable`);
      if (s.nodePort !== null) add(filter, 'KUBE-EXTERNAL-SERVICES', `-p ${p} -m comment --comment "${s.name} has no endpoints" -m addrtype --dst-type LOCAL -m ${p} --dport ${s.nodePort} -j REJECT --reject-with icmp-port-unreachable`);
      continue;
    }
    add(nat, 'KUBE-SERVICES', `${svcMatch} -j ${s.svcChain}`);
    add(nat, s.svcChain, `! -s ${clusterCidr} ${svcMatch} -j KUBE-MARK-MASQ`);
    if (s.nodePort !== null) {
      const ext = `KUBE-EXT-${s.svcChain.slice('KUBE-SVC-'.length)}`;
      add(nat, 'KUBE-NODEPORTS', `-p ${p} -m comment --comment "${s.name}" -m ${p} --dport ${s.nodePort} -j ${ext}`);
      add(nat, ext, `-m comment --comment "masquerade traffic for ${s.name} external destinations" -j KUBE-MARK-MASQ`);
      add(nat, ext, `-j ${s.svcChain}`);
    }
    s.endpoints.forEach((ep, i) => {
      const sep = `KUBE-SEP-${chainHash(s.name, p, `${ep.ip}:${ep.port}`)}`;
      const comment = largeCluster ? '' : `-m comment --comment "${s.name}" `;
      const jumpComment = largeCluster ? '' : `-m comment --comment "${s.name} -> ${ep.ip}:${ep.port}" `;
      const remaining = s.endpoints.length - i;
      add(nat, s.svcChain, `${jumpComment}${remaining > 1 ? `-m statistic --mode random --probability ${probability(remaining)} ` : ''}-j ${sep}`);
      add(nat, sep, `-s ${ep.ip}/32 ${comment}-j KUBE-MARK-MASQ`);
      add(nat, sep, `-p ${p} ${comment}-m ${p} -j DNAT --to-destination ${ep.ip}:${ep.port}`);
    });
  }
  add(nat, 'KUBE-SERVICES', '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');

  const text = [
    printTable('filter', ['INPUT', 'FORWARD', 'OUTPUT'], filter),
    printTable('nat', ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'], nat),
  ].join('');
  return { text, services };
}

/** iptables-save layout: built-ins in hook order, then user chains sorted; rules grouped in the same order. */
function printTable(name: string, builtins: readonly string[], chains: Map<string, string[]>): string {
  const user = [...chains.keys()].filter((c) => !builtins.includes(c)).sort();
  const order = [...builtins, ...user];
  const lines = [
    `# Generated by iptables-save v1.8.9 (nf_tables) on Sat Nov 21 13:24:00 2026`,
    `*${name}`,
    ...order.map((c) => `:${c} ${builtins.includes(c) ? 'ACCEPT' : '-'} [0:0]`),
    ...order.flatMap((c) => chains.get(c) ?? []),
    'COMMIT',
    `# Completed on Sat Nov 21 13:24:00 2026`,
  ];
  return `${lines.join('\n')}\n`;
}
