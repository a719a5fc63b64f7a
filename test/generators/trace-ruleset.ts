/**
 * Random rulesets and probes for the kernel differential test of `nfwalk trace`: kube-proxy style services
 * (ClusterIP, NodePort, externalTrafficPolicy Local, statistic ladders, masquerade marks) plus random rules
 * in raw, mangle, nat and filter built from every match and target the walk decides. Addresses fit the
 * lab of test/helpers/trace-lab.ts, in either family (written in IPv4, carried over by the lab's `at`).
 * Seeded, so a failing seed can be replayed.
 */
import { LAB_V4, type LabFamily } from '../helpers/lab-family';
import { CLIENT_IPS, PODS_IP, type LabProbe, NODE_IP } from '../helpers/trace-lab';
import { probability } from './kube-proxy-dump';

export type Random = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: Random, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const chance = (r: Random, p: number) => r() < p;

export interface LabService {
  readonly name: string;
  readonly proto: 'tcp' | 'udp';
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort?: number;
  readonly local: boolean;
  readonly endpoints: readonly string[];
}

export interface LabRuleset {
  readonly text: string;
  readonly ipsets: string;
  readonly services: readonly LabService[];
}

type Table = 'raw' | 'mangle' | 'nat' | 'filter';

const BUILTINS: Record<Table, readonly string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

const IN_HOOKS = new Set(['PREROUTING', 'INPUT', 'FORWARD']);
const OUT_HOOKS = new Set(['FORWARD', 'OUTPUT', 'POSTROUTING']);

/** The family's spelling of what differs beyond addresses. */
function spelling(f: LabFamily) {
  const v6 = f.family === 'ipv6';
  return {
    icmpEcho: v6 ? '-p ipv6-icmp -m icmp6 --icmpv6-type 128' : '-p icmp -m icmp --icmp-type 8',
    rejects: v6
      ? ['icmp6-port-unreachable', 'icmp6-adm-prohibited']
      : ['icmp-port-unreachable', 'icmp-host-prohibited'],
    hostMask: v6 ? 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' : '255.255.255.255',
    endpoint: (ip: string, port: string | number) => (v6 ? `[${ip}]:${port}` : `${ip}:${port}`),
    setFamily: v6 ? 'inet6' : 'inet',
  };
}

/** A match that iptables accepts in this table and hook (user chains: only what every hook allows). */
function randomMatch(r: Random, table: Table, hook: string | undefined, f: LabFamily): string {
  const A = f.at;
  const sp = spelling(f);
  const options: (() => string)[] = [
    () => `-s ${A(pick(r, ['192.168.50.2/32', '203.0.113.0/24', '10.244.0.0/16', `${NODE_IP}/32`, '127.0.0.0/8']))}`,
    () => `! -s ${A(pick(r, ['10.244.0.0/16', '192.168.50.0/24']))}`,
    () => `-d ${A(pick(r, ['10.96.0.0/16', `${NODE_IP}/32`, '10.244.0.0/16', '198.51.100.0/24']))}`,
    () => `-p tcp -m tcp --dport ${pick(r, ['80', '443', '30000:30100', '22'])}`,
    () => '-p tcp -m tcp --sport 20000:24999',
    () => '-p tcp -m tcp --tcp-flags SYN,ACK SYN',
    () => `-p udp -m udp --dport ${pick(r, ['53', '30000:32767'])}`,
    () => '-p tcp -m multiport --dports 80,443,30000:30050',
    () => sp.icmpEcho,
    () => `-m addrtype ${pick(r, ['--dst-type LOCAL', '! --dst-type LOCAL', '--src-type LOCAL'])}`,
    () => `-m mark ${pick(r, ['--mark 0x10/0x10', '! --mark 0x4000/0x4000'])}`,
    () => '-m connmark --mark 0x1/0x1',
    () => `-m iprange --src-range ${A('203.0.113.1')}-${A('203.0.113.10')}`,
    () => `-m set --match-set NFW-PORTS ${pick(r, ['dst,dst', 'src,dst'])}`,
    () => '-m set ! --match-set NFW-NETS src',
    () => `-m statistic --mode random --probability ${pick(r, ['0.25000000000', '0.50000000000', '0.75000000000'])}`,
    () => `-m comment --comment "${pick(r, ['lab rule', 'x'])}"`,
    () => `-m pkttype --pkt-type ${pick(r, ['unicast', 'broadcast'])}`,
    () => `-m recent --rcheck --seconds 60 --name ${pick(r, ['LAB-A', 'LAB-B'])} --mask ${sp.hostMask} --rsource`,
    () => '-m limit --limit 100/sec --limit-burst 1000',
  ];
  // IPv6 addresses are of several types at once (xt_addrtype's match_type6): UNICAST as well as LOCAL.
  if (f.family === 'ipv6')
    options.push(
      () =>
        `-m addrtype ${pick(r, ['--dst-type UNICAST', '! --dst-type UNICAST', '--src-type UNICAST', '--dst-type LOCAL,UNICAST', '--dst-type MULTICAST', '--dst-type ANYCAST'])}`,
    );
  if (table !== 'raw')
    options.push(
      () => `-m conntrack --ctstate ${pick(r, ['NEW', 'DNAT', 'NEW,ESTABLISHED', 'RELATED,ESTABLISHED', 'UNTRACKED'])}`,
      () => '-m state --state NEW',
    );
  if (hook && IN_HOOKS.has(hook))
    options.push(
      () => `-i ${pick(r, ['eth0', 'eth+', 'lo'])}`,
      () => '! -i lo',
    );
  if (hook && OUT_HOOKS.has(hook)) options.push(() => `-o ${pick(r, ['eth0', 'pods0', 'lo', 'pod+'])}`);
  if (hook === 'OUTPUT' || hook === 'POSTROUTING')
    options.push(() => `-m owner ${pick(r, ['--uid-owner 0', '! --uid-owner 0', '--socket-exists'])}`);
  return pick(r, options)();
}

/** iptables takes each of -p, -s, -d, -i, -o once per rule; a second one is skipped. */
function randomMatches(r: Random, table: Table, hook: string | undefined, count: number, f: LabFamily): string {
  const used = new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const m = randomMatch(r, table, hook, f);
    const options = [...m.matchAll(/(?:^|\s)(-[psdio])\s/g)].map((x) => x[1]!);
    if (options.some((o) => used.has(o))) continue;
    for (const o of options) used.add(o);
    out.push(m);
  }
  return out.join(' ');
}

function randomTarget(
  r: Random,
  table: Table,
  hook: string | undefined,
  userChains: readonly string[],
  rule: string,
  f: LabFamily,
): string {
  const A = f.at;
  const sp = spelling(f);
  const options: (() => string)[] = [
    () => '-j ACCEPT',
    () => `-j MARK --set-xmark ${pick(r, ['0x10/0x10', '0x4000/0x4000', '0x0/0x10'])}`,
    () => '-j RETURN',
    () => '-j LOG --log-prefix "lab "',
  ];
  if (userChains.length)
    options.push(
      () => `-j ${pick(r, userChains)}`,
      () => `-g ${pick(r, userChains)}`,
    );
  if (table === 'raw')
    options.push(
      () => '-j CT --notrack',
      () => '-j NOTRACK',
    );
  if (table === 'mangle')
    options.push(
      () =>
        `-j CONNMARK ${pick(r, ['--set-xmark 0x1/0x1', '--save-mark --nfmask 0xffffffff --ctmask 0xffffffff', '--restore-mark --nfmask 0xffffffff --ctmask 0xffffffff'])}`,
    );
  if (table === 'filter')
    options.push(
      () => '-j DROP',
      () => `-j REJECT --reject-with ${pick(r, sp.rejects)}`,
    );
  if (table === 'nat') {
    const ports = /-p (tcp|udp) -m (tcp|udp)/.test(rule) && !/multiport/.test(rule);
    if (hook === 'PREROUTING' || hook === 'OUTPUT') {
      options.push(() => {
        const ip = A(`10.244.${pick(r, ['1', '2'])}.${1 + Math.floor(r() * 9)}`);
        return `-j DNAT --to-destination ${ports ? sp.endpoint(ip, pick(r, ['8080', '9090'])) : ip}`;
      });
      options.push(() => `-j NETMAP --to ${A('10.244.9.0/24')}`);
      if (ports && rule.includes('-p tcp')) options.push(() => `-j REDIRECT --to-ports ${pick(r, ['8080', '15001'])}`);
    }
    if (hook === 'POSTROUTING')
      options.push(
        () => '-j MASQUERADE',
        () => `-j SNAT --to-source ${A(pick(r, [NODE_IP, PODS_IP]))}`,
      );
    if (hook === 'INPUT') options.push(() => `-j SNAT --to-source ${A(NODE_IP)}`);
  }
  return pick(r, options)();
}

/** kube-proxy's chains for the services, as in pkg/proxy/iptables/proxier.go (v1.32), trimmed to what routes packets. */
function kubeRules(
  services: readonly LabService[],
  add: (t: Table, chain: string, rule: string) => void,
  declare: (t: Table, c: string) => void,
  f: LabFamily,
): void {
  const sp = spelling(f);
  const pods = f.at('10.244.0.0/16');
  for (const c of ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING']) declare('nat', c);
  for (const c of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD']) declare('filter', c);
  add('nat', 'PREROUTING', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  add('nat', 'OUTPUT', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  add('nat', 'POSTROUTING', '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  add('nat', 'KUBE-MARK-MASQ', '-j MARK --set-xmark 0x4000/0x4000');
  add('nat', 'KUBE-POSTROUTING', '-m mark ! --mark 0x4000/0x4000 -j RETURN');
  add('nat', 'KUBE-POSTROUTING', '-j MARK --set-xmark 0x4000/0x0');
  add(
    'nat',
    'KUBE-POSTROUTING',
    '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  );
  add('filter', 'FORWARD', '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD');
  add(
    'filter',
    'FORWARD',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  );
  add(
    'filter',
    'FORWARD',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
  );
  add(
    'filter',
    'INPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
  );
  add(
    'filter',
    'OUTPUT',
    '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  );
  add('filter', 'KUBE-FORWARD', '-m conntrack --ctstate INVALID -j DROP');
  add(
    'filter',
    'KUBE-FORWARD',
    '-m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
  );
  for (const s of services) {
    const hash = s.name
      .replace(/[^A-Za-z0-9]/g, '')
      .toUpperCase()
      .padEnd(16, 'X')
      .slice(0, 16);
    const svc = `KUBE-SVC-${hash}`;
    const match = `-d ${s.clusterIP}${f.host} -p ${s.proto} -m comment --comment "${s.name} cluster IP" -m ${s.proto} --dport ${s.port}`;
    if (s.endpoints.length === 0) {
      add(
        'filter',
        'KUBE-SERVICES',
        `-d ${s.clusterIP}${f.host} -p ${s.proto} -m comment --comment "${s.name} has no endpoints" -m ${s.proto} --dport ${s.port} -j REJECT --reject-with ${sp.rejects[0]}`,
      );
      if (s.nodePort)
        add(
          'filter',
          'KUBE-EXTERNAL-SERVICES',
          `-p ${s.proto} -m comment --comment "${s.name} has no endpoints" -m addrtype --dst-type LOCAL -m ${s.proto} --dport ${s.nodePort} -j REJECT --reject-with ${sp.rejects[0]}`,
        );
      continue;
    }
    declare('nat', svc);
    add('nat', 'KUBE-SERVICES', `${match} -j ${svc}`);
    add('nat', svc, `! -s ${pods} ${match} -j KUBE-MARK-MASQ`);
    const seps = s.endpoints.map((ep, i) => {
      const sep = `KUBE-SEP-${hash.slice(0, 12)}${String(i).padStart(4, '0')}`;
      declare('nat', sep);
      add('nat', sep, `-s ${ep}${f.host} -m comment --comment "${s.name}" -j KUBE-MARK-MASQ`);
      add(
        'nat',
        sep,
        `-p ${s.proto} -m comment --comment "${s.name}" -m ${s.proto} -j DNAT --to-destination ${sp.endpoint(ep, s.proto === 'udp' ? 5353 : 8080)}`,
      );
      return sep;
    });
    const ladder = (chain: string, list: readonly string[]) =>
      list.forEach((sep, i) => {
        const left = list.length - i;
        add(
          'nat',
          chain,
          `-m comment --comment "${s.name} -> ${sep}" ${left > 1 ? `-m statistic --mode random --probability ${probability(left)} ` : ''}-j ${sep}`,
        );
      });
    ladder(svc, seps);
    if (!s.nodePort) continue;
    const ext = `KUBE-EXT-${hash}`;
    declare('nat', ext);
    add(
      'nat',
      'KUBE-NODEPORTS',
      `-p ${s.proto} -m comment --comment "${s.name}" -m ${s.proto} --dport ${s.nodePort} -j ${ext}`,
    );
    if (!s.local) {
      add(
        'nat',
        ext,
        `-m comment --comment "masquerade traffic for ${s.name} external destinations" -j KUBE-MARK-MASQ`,
      );
      add('nat', ext, `-j ${svc}`);
      continue;
    }
    // externalTrafficPolicy: Local — only this node's endpoints (the first half here), the rest blackholed.
    const svl = `KUBE-SVL-${hash}`;
    const locals = seps.slice(0, Math.ceil(seps.length / 2) - (seps.length === 1 ? 1 : 0));
    add('nat', ext, `-s ${pods} -m comment --comment "pod traffic for ${s.name} external destinations" -j ${svc}`);
    add(
      'nat',
      ext,
      `-m comment --comment "masquerade LOCAL traffic for ${s.name} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
    );
    add(
      'nat',
      ext,
      `-m comment --comment "route LOCAL traffic for ${s.name} external destinations" -m addrtype --src-type LOCAL -j ${svc}`,
    );
    if (locals.length) {
      declare('nat', svl);
      add('nat', ext, `-j ${svl}`);
      ladder(svl, locals);
    } else {
      add(
        'filter',
        'KUBE-EXTERNAL-SERVICES',
        `-p ${s.proto} -m comment --comment "${s.name} has no local endpoints" -m addrtype --dst-type LOCAL -m ${s.proto} --dport ${s.nodePort} -j DROP`,
      );
    }
  }
  add(
    'nat',
    'KUBE-SERVICES',
    '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  );
}

export function labServices(r: Random, count: number, f: LabFamily = LAB_V4): LabService[] {
  let pod = 0;
  return Array.from({ length: count }, (_, i) => {
    const proto = chance(r, 0.3) ? 'udp' : 'tcp';
    const endpoints = Array.from({ length: pick(r, [0, 1, 2, 3, 4]) }, () =>
      f.at(`10.244.${1 + (pod % 3)}.${10 + ++pod}`),
    );
    const nodePort = chance(r, 0.6) ? 30000 + i * 7 : undefined;
    return {
      name: `ns${i}/svc${i}:p`,
      proto,
      clusterIP: f.at(`10.96.0.${10 + i}`),
      port: proto === 'udp' ? 53 : pick(r, [80, 443]),
      ...(nodePort ? { nodePort } : {}),
      local: nodePort !== undefined && chance(r, 0.4),
      endpoints,
    };
  });
}

export function labRuleset(
  r: Random,
  services: readonly LabService[],
  randomRules: number,
  f: LabFamily = LAB_V4,
): LabRuleset {
  const A = f.at;
  const sp = spelling(f);
  const chains = new Map<string, { table: Table; rules: string[] }>();
  const key = (t: Table, c: string) => `${t}:${c}`;
  const declare = (t: Table, c: string) => {
    if (!chains.has(key(t, c))) chains.set(key(t, c), { table: t, rules: [] });
  };
  const add = (t: Table, c: string, rule: string) => {
    declare(t, c);
    chains.get(key(t, c))!.rules.push(`-A ${c} ${rule}`);
  };
  for (const t of Object.keys(BUILTINS) as Table[]) for (const c of BUILTINS[t]) declare(t, c);
  // Trace the probes' first packets only: replies come from the service ports, never from 20000-29999.
  for (const c of BUILTINS.raw) {
    add('raw', c, '-p tcp -m tcp --sport 20000:29999 -j TRACE');
    add('raw', c, '-p udp -m udp --sport 20000:29999 -j TRACE');
    add('raw', c, `${sp.icmpEcho} -j TRACE`);
  }
  kubeRules(services, add, declare, f);
  const userChains: Record<Table, string[]> = { raw: [], mangle: [], nat: [], filter: [] };
  for (const t of Object.keys(userChains) as Table[]) {
    for (let i = 0; i < 2; i++) {
      userChains[t].push(`LAB-${t.toUpperCase()}-${i}`);
      declare(t, `LAB-${t.toUpperCase()}-${i}`);
    }
  }
  for (let n = 0; n < randomRules; n++) {
    const table = pick(r, ['raw', 'mangle', 'nat', 'filter'] as const);
    const user = chance(r, 0.3);
    // User chains only jump "forward" (to a higher number), so no loop can form.
    const chain = user ? pick(r, userChains[table]) : pick(r, BUILTINS[table]);
    const hook = user ? undefined : chain;
    const matches = randomMatches(r, table, hook, pick(r, [0, 1, 1, 2, 2, 3]), f);
    const targets = user ? userChains[table].filter((c) => c > chain) : userChains[table];
    // In user chains (hook undefined) no NAT target is offered: a chain may be reached from a hook that forbids it.
    add(table, chain, `${matches} ${randomTarget(r, table, hook, targets, matches, f)}`.trim());
  }
  const lines: string[] = [];
  for (const t of ['raw', 'mangle', 'nat', 'filter'] as const) {
    lines.push(`*${t}`);
    const own = [...chains.entries()].filter(([, v]) => v.table === t);
    for (const [k] of own) {
      const name = k.slice(t.length + 1);
      lines.push(`:${name} ${BUILTINS[t].includes(name) ? 'ACCEPT' : '-'} [0:0]`);
    }
    for (const [, v] of own) lines.push(...v.rules);
    lines.push('COMMIT');
  }
  const ipsets = [
    `create NFW-PORTS hash:ip,port family ${sp.setFamily} hashsize 1024 maxelem 65536`,
    ...services.filter(() => chance(r, 0.5)).map((s) => `add NFW-PORTS ${s.clusterIP},${s.proto}:${s.port}`),
    `add NFW-PORTS ${A(NODE_IP)},tcp:22`,
    `create NFW-NETS hash:net family ${sp.setFamily} hashsize 1024 maxelem 65536`,
    `add NFW-NETS ${A('203.0.113.0/24')}`,
    `add NFW-NETS ${A('203.0.113.4/30')} nomatch`,
    `add NFW-NETS ${A('10.244.0.0/16')}`,
  ].join('\n');
  return { text: `${lines.join('\n')}\n`, ipsets: `${ipsets}\n`, services };
}

/** Probes at the services' frontends and elsewhere, from the client and from the node itself. */
export function labProbes(
  r: Random,
  services: readonly LabService[],
  count: number,
  firstPort: number,
  f: LabFamily = LAB_V4,
): LabProbe[] {
  const A = f.at;
  const loopback = A('127.0.0.1');
  const probes: LabProbe[] = [];
  const icmpPairs = new Set<string>();
  for (let n = 0; probes.length < count && n < count * 4; n++) {
    const local = chance(r, 0.35);
    const src = A(local ? pick(r, [NODE_IP, PODS_IP, '127.0.0.1']) : pick(r, CLIENT_IPS));
    const s = services.length ? pick(r, services) : undefined;
    const kind = pick(r, ['cluster', 'cluster', 'nodeport', 'nodeport', 'other', 'icmp']);
    const sport = firstPort + probes.length;
    if (kind === 'icmp') {
      const dst = A(pick(r, [NODE_IP, '10.244.1.11', '198.51.100.77']));
      if (icmpPairs.has(`${src} ${dst}`) || src === loopback) continue;
      icmpPairs.add(`${src} ${dst}`);
      probes.push({ proto: 'icmp', src, dst, local });
    } else if (kind === 'cluster' && s)
      probes.push({ proto: s.proto, src, dst: s.clusterIP, sport, dport: s.port, local });
    else if (kind === 'nodeport' && s?.nodePort)
      probes.push({
        proto: s.proto,
        src,
        dst: local && chance(r, 0.3) ? loopback : A(NODE_IP),
        sport,
        dport: s.nodePort,
        local,
      });
    else {
      const dst = A(pick(r, ['10.244.2.20', '198.51.100.77', NODE_IP, '10.96.0.250']));
      if (src === loopback && dst !== A(NODE_IP)) continue;
      probes.push({
        proto: pick(r, ['tcp', 'udp'] as const),
        src,
        dst,
        sport,
        dport: pick(r, [80, 22, 53, 30003]),
        local,
      });
    }
  }
  return probes;
}
