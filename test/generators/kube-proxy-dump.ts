/**
 * kube-proxy (iptables mode, v1.32 layout) dumps at any size, as iptables-save prints them: chain names from
 * kube-proxy's own hash (sha256 → base32 → 16 characters), statistic ladders 1/n, 1/(n-1), …, NodePorts through
 * KUBE-EXT, REJECT rules for services without endpoints, and large-cluster mode (no per-endpoint comments
 * above 1,000 endpoints). Reference: shared/reference/kube-proxy-tracer.md §4, captures/iptables-save.txt.
 */
import { createHash } from 'node:crypto';

export interface GeneratedEndpoint {
  readonly ip: string;
  readonly port: number;
  /** On this node (counts for the Local traffic policies). */
  readonly local?: boolean;
}

/** One service port as the API holds it; kubeProxyRuleset writes what kube-proxy v1.32 would for it. */
export interface GeneratedService {
  readonly name: string;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort: number | null;
  readonly endpoints: readonly GeneratedEndpoint[];
  readonly svcChain: string;
  readonly externalIPs?: readonly string[];
  readonly loadBalancerIPs?: readonly string[];
  readonly sourceRanges?: readonly string[];
  readonly healthCheckNodePort?: number;
  readonly externalTrafficPolicy?: 'Cluster' | 'Local';
  readonly internalTrafficPolicy?: 'Cluster' | 'Local';
  readonly affinitySeconds?: number;
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
export const chainHash = (...parts: string[]) =>
  base32(createHash('sha256').update(parts.join('')).digest()).slice(0, 16);

/** A service as tests write it: the KUBE-SVC chain kube-proxy would name it, no NodePort unless `extra` says. */
export function serviceSpec(
  name: string,
  protocol: GeneratedService['protocol'],
  clusterIP: string,
  port: number,
  endpoints: readonly GeneratedEndpoint[],
  extra: Partial<GeneratedService> = {},
): GeneratedService {
  return {
    name,
    protocol,
    clusterIP,
    port,
    nodePort: null,
    endpoints,
    svcChain: `KUBE-SVC-${chainHash(name, protocol)}`,
    ...extra,
  };
}

/** Endpoints written as `ip:port`. */
export const endpointsAt = (...targets: readonly string[]): GeneratedEndpoint[] =>
  targets.map((t) => {
    const colon = t.lastIndexOf(':');
    return { ip: t.slice(0, colon), port: Number(t.slice(colon + 1)) };
  });

const defaultEndpoints = (i: number) => (i % 40 === 39 ? 0 : (i % 3) + 1);

function serviceIp(i: number): string {
  // 10.96.0.0/12 holds 2^20 addresses; skip .0 of each /24 for realism.
  const n = i + 10 + Math.floor(i / 255);
  return `10.${96 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`;
}

/** Pod n of the node's /16: .1 to .254 of each /24, so no two pods share an address. */
function podIp(n: number): string {
  return `10.244.${Math.floor(n / 254) & 255}.${(n % 254) + 1}`;
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
    const endpoints = Array.from({ length: count(i) }, () => ({
      ip: podIp(++pod),
      port: protocol === 'udp' ? 5353 : 8080,
    }));
    // One NodePort per service index, so none repeats: in the default range 30000-32767 below 2,768 services,
    // past it as in a cluster run with --service-node-port-range=30000-39999 (none beyond that range).
    const nodePort = 30000 + i;
    return serviceSpec(name, protocol, serviceIp(i), protocol === 'udp' ? 53 : 80, endpoints, {
      nodePort: i % nodePortEvery === 0 && nodePort <= 39999 ? nodePort : null,
    });
  });
}

export function kubeProxyDump(opts: KubeProxyDumpOptions): { text: string; services: GeneratedService[] } {
  const services = kubeProxyServices(opts);
  return { text: kubeProxyRuleset(services, { clusterCidr: opts.clusterCidr ?? '10.244.0.0/16' }), services };
}

export interface RulesetOptions {
  readonly clusterCidr: string;
  readonly family?: 'ipv4' | 'ipv6';
}

/**
 * What kube-proxy v1.32's syncProxyRules writes for these services (pkg/proxy/iptables/proxier.go): the
 * cluster IP, external IP, load-balancer and NodePort captures, the KUBE-EXT / KUBE-FW / KUBE-SVC / KUBE-SVL
 * chains by traffic policy, session affinity, filter REJECT/DROP rules for frontends without (local)
 * endpoints, and health-check NodePorts. Ready endpoints only; serving-terminating fallback is not written.
 */
export function kubeProxyRuleset(services: readonly GeneratedService[], opts: RulesetOptions): string {
  const v6 = opts.family === 'ipv6';
  const host = v6 ? '/128' : '/32';
  const rejectWith = v6 ? 'icmp6-port-unreachable' : 'icmp-port-unreachable';
  const largeCluster = services.reduce((n, s) => n + s.endpoints.length, 0) > 1000;
  const filter = new Map<string, string[]>();
  const nat = new Map<string, string[]>();
  const add = (table: Map<string, string[]>, chain: string, rule?: string) => {
    const rules = table.get(chain) ?? [];
    table.set(chain, rules);
    if (rule !== undefined) rules.push(`-A ${chain} ${rule}`);
  };
  for (const c of [
    'KUBE-EXTERNAL-SERVICES',
    'KUBE-FIREWALL',
    'KUBE-FORWARD',
    'KUBE-KUBELET-CANARY',
    'KUBE-NODEPORTS',
    'KUBE-PROXY-CANARY',
    'KUBE-PROXY-FIREWALL',
    'KUBE-SERVICES',
  ])
    add(filter, c);
  add(
    filter,
    'INPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
  );
  add(filter, 'INPUT', '-m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS');
  add(
    filter,
    'INPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
  );
  add(filter, 'INPUT', '-j KUBE-FIREWALL');
  add(
    filter,
    'FORWARD',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
  );
  add(filter, 'FORWARD', '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD');
  add(
    filter,
    'FORWARD',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  );
  add(
    filter,
    'FORWARD',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
  );
  add(
    filter,
    'OUTPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
  );
  add(
    filter,
    'OUTPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  );
  add(filter, 'OUTPUT', '-j KUBE-FIREWALL');
  if (!v6)
    add(
      filter,
      'KUBE-FIREWALL',
      '! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    );
  add(
    filter,
    'KUBE-FORWARD',
    '-m conntrack --ctstate INVALID -m comment --comment "kubernetes forwarding rules" -j DROP',
  );
  add(
    filter,
    'KUBE-FORWARD',
    '-m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
  );
  add(
    filter,
    'KUBE-FORWARD',
    '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  );

  for (const c of ['KUBE-MARK-MASQ', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-SERVICES']) add(nat, c);
  add(nat, 'PREROUTING', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  add(nat, 'OUTPUT', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  add(nat, 'POSTROUTING', '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  add(nat, 'KUBE-MARK-MASQ', '-j MARK --set-xmark 0x4000/0x4000');
  add(nat, 'KUBE-POSTROUTING', '-m mark ! --mark 0x4000/0x4000 -j RETURN');
  add(nat, 'KUBE-POSTROUTING', '-j MARK --set-xmark 0x4000/0x0');
  add(
    nat,
    'KUBE-POSTROUTING',
    '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  );

  for (const s of services) {
    const p = s.protocol;
    const hash = s.svcChain.slice('KUBE-SVC-'.length);
    const [svl, ext, fw] = ['KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-'].map((prefix) => `${prefix}${hash}`) as [
      string,
      string,
      string,
    ];
    const cluster = s.endpoints;
    const local = s.endpoints.filter((e) => e.local);
    const hasEndpoints = cluster.length > 0;
    const iLocal = s.internalTrafficPolicy === 'Local';
    const eLocal = s.externalTrafficPolicy === 'Local';
    const internalChain = iLocal ? svl : s.svcChain;
    const hasInternal = iLocal ? local.length > 0 : hasEndpoints;
    const externalPolicyChain = eLocal ? svl : s.svcChain;
    const hasExternal = eLocal ? local.length > 0 : hasEndpoints;
    const lbIPs = s.loadBalancerIPs ?? [];
    const externallyAccessible = s.nodePort !== null || (s.externalIPs ?? []).length > 0 || lbIPs.length > 0;
    const usesExt = hasEndpoints && externallyAccessible;
    const usesFw = hasEndpoints && lbIPs.length > 0 && (s.sourceRanges ?? []).length > 0;
    const filterTarget = (localPolicy: boolean) =>
      localPolicy && hasEndpoints
        ? { comment: `${s.name} has no local endpoints`, jump: 'DROP' }
        : { comment: `${s.name} has no endpoints`, jump: `REJECT --reject-with ${rejectWith}` };
    const internalFilter = filterTarget(iLocal);
    const externalFilter = filterTarget(eLocal);
    const capture = (ip: string) => `-d ${ip}${host} -p ${p}`;

    if (hasInternal)
      add(
        nat,
        'KUBE-SERVICES',
        `${capture(s.clusterIP)} -m comment --comment "${s.name} cluster IP" -m ${p} --dport ${s.port} -j ${internalChain}`,
      );
    else
      add(
        filter,
        'KUBE-SERVICES',
        `${capture(s.clusterIP)} -m comment --comment "${internalFilter.comment}" -m ${p} --dport ${s.port} -j ${internalFilter.jump}`,
      );
    for (const ip of s.externalIPs ?? []) {
      if (hasEndpoints)
        add(
          nat,
          'KUBE-SERVICES',
          `${capture(ip)} -m comment --comment "${s.name} external IP" -m ${p} --dport ${s.port} -j ${ext}`,
        );
      if (!hasExternal)
        add(
          filter,
          'KUBE-EXTERNAL-SERVICES',
          `${capture(ip)} -m comment --comment "${externalFilter.comment}" -m ${p} --dport ${s.port} -j ${externalFilter.jump}`,
        );
    }
    for (const ip of lbIPs) {
      if (hasEndpoints)
        add(
          nat,
          'KUBE-SERVICES',
          `${capture(ip)} -m comment --comment "${s.name} loadbalancer IP" -m ${p} --dport ${s.port} -j ${usesFw ? fw : ext}`,
        );
      if (usesFw)
        add(
          filter,
          'KUBE-PROXY-FIREWALL',
          `${capture(ip)} -m comment --comment "${s.name} traffic not accepted by ${fw}" -m ${p} --dport ${s.port} -j DROP`,
        );
    }
    if (!hasExternal)
      for (const ip of lbIPs)
        add(
          filter,
          'KUBE-EXTERNAL-SERVICES',
          `${capture(ip)} -m comment --comment "${externalFilter.comment}" -m ${p} --dport ${s.port} -j ${externalFilter.jump}`,
        );
    if (s.nodePort !== null) {
      if (hasEndpoints)
        add(nat, 'KUBE-NODEPORTS', `-p ${p} -m comment --comment "${s.name}" -m ${p} --dport ${s.nodePort} -j ${ext}`);
      if (!hasExternal)
        add(
          filter,
          'KUBE-EXTERNAL-SERVICES',
          `-p ${p} -m comment --comment "${externalFilter.comment}" -m addrtype --dst-type LOCAL -m ${p} --dport ${s.nodePort} -j ${externalFilter.jump}`,
        );
    }
    if (s.healthCheckNodePort !== undefined)
      add(
        filter,
        'KUBE-NODEPORTS',
        `-p tcp -m comment --comment "${s.name} health check node port" -m tcp --dport ${s.healthCheckNodePort} -j ACCEPT`,
      );

    if (hasInternal)
      add(
        nat,
        internalChain,
        `! -s ${opts.clusterCidr} ${capture(s.clusterIP)} -m comment --comment "${s.name} cluster IP" -m ${p} --dport ${s.port} -j KUBE-MARK-MASQ`,
      );
    if (usesExt) {
      if (!eLocal)
        add(
          nat,
          ext,
          `-m comment --comment "masquerade traffic for ${s.name} external destinations" -j KUBE-MARK-MASQ`,
        );
      else {
        add(
          nat,
          ext,
          `-s ${opts.clusterCidr} -m comment --comment "pod traffic for ${s.name} external destinations" -j ${s.svcChain}`,
        );
        add(
          nat,
          ext,
          `-m comment --comment "masquerade LOCAL traffic for ${s.name} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
        );
        add(
          nat,
          ext,
          `-m comment --comment "route LOCAL traffic for ${s.name} external destinations" -m addrtype --src-type LOCAL -j ${s.svcChain}`,
        );
      }
      if (hasExternal) add(nat, ext, `-j ${externalPolicyChain}`);
    }
    if (usesFw) {
      for (const range of s.sourceRanges!)
        add(nat, fw, `-s ${range} -m comment --comment "${s.name} loadbalancer IP" -j ${ext}`);
      add(nat, fw, `-m comment --comment "other traffic to ${s.name} will be dropped by KUBE-PROXY-FIREWALL"`);
    }

    const sepOf = (ep: GeneratedEndpoint) => `KUBE-SEP-${chainHash(s.name, p, `${ep.ip}:${ep.port}`)}`;
    const epText = (ep: GeneratedEndpoint) => (v6 ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`);
    const ladder = (chain: string, eps: readonly GeneratedEndpoint[]) => {
      if (s.affinitySeconds !== undefined) {
        for (const ep of eps)
          add(
            nat,
            chain,
            `-m comment --comment "${s.name} -> ${epText(ep)}" -m recent --rcheck --seconds ${s.affinitySeconds} --reap --name ${sepOf(ep)} --mask ${v6 ? 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' : '255.255.255.255'} --rsource -j ${sepOf(ep)}`,
          );
      }
      eps.forEach((ep, i) => {
        const jumpComment = largeCluster ? '' : `-m comment --comment "${s.name} -> ${epText(ep)}" `;
        const remaining = eps.length - i;
        add(
          nat,
          chain,
          `${jumpComment}${remaining > 1 ? `-m statistic --mode random --probability ${probability(remaining)} ` : ''}-j ${sepOf(ep)}`,
        );
      });
    };
    // The cluster chain serves internal traffic unless iTP is Local, and KUBE-EXT's pod/LOCAL/Cluster jumps.
    const usesCluster = hasEndpoints && (!iLocal || usesExt);
    const usesLocal = local.length > 0 && (iLocal || eLocal);
    if (usesCluster) ladder(s.svcChain, cluster);
    if (usesLocal) ladder(svl, local);
    for (const ep of usesCluster ? cluster : usesLocal ? local : []) {
      const sep = sepOf(ep);
      const comment = largeCluster ? '' : `-m comment --comment "${s.name}" `;
      const recent =
        s.affinitySeconds !== undefined
          ? `-m recent --set --name ${sep} --mask ${v6 ? 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' : '255.255.255.255'} --rsource `
          : '';
      add(nat, sep, `-s ${ep.ip}${host} ${comment}-j KUBE-MARK-MASQ`);
      add(nat, sep, `-p ${p} ${comment}-m ${p} ${recent}-j DNAT --to-destination ${epText(ep)}`);
    }
  }
  add(
    nat,
    'KUBE-SERVICES',
    '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  );

  const tool = v6 ? 'ip6tables-save' : 'iptables-save';
  return [
    printTable(tool, 'filter', ['INPUT', 'FORWARD', 'OUTPUT'], filter),
    printTable(tool, 'nat', ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'], nat),
  ].join('');
}

/** iptables-save layout: built-ins in hook order, then user chains sorted; rules grouped in the same order. */
function printTable(tool: string, name: string, builtins: readonly string[], chains: Map<string, string[]>): string {
  const user = [...chains.keys()].filter((c) => !builtins.includes(c)).sort();
  const order = [...builtins, ...user];
  const lines = [
    `# Generated by ${tool} v1.8.9 (nf_tables) on Sat Nov 21 13:24:00 2026`,
    `*${name}`,
    ...order.map((c) => `:${c} ${builtins.includes(c) ? 'ACCEPT' : '-'} [0:0]`),
    ...order.flatMap((c) => chains.get(c) ?? []),
    'COMMIT',
    `# Completed on Sat Nov 21 13:24:00 2026`,
  ];
  return `${lines.join('\n')}\n`;
}
