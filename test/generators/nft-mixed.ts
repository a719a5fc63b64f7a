/**
 * Random nft rulesets for the kernel differential test of the nft walk: kube-proxy's nftables table (any
 * layout, from test/generators/kube-proxy-nft.ts, moved onto the trace lab's addresses) beside random native
 * tables whose base chains sit at other priorities on every hook (filter and nat, matches and statements the
 * walk reads: addresses, ports, protocols, interfaces, ct state/status, fib, marks, sets with intervals and
 * concatenations, vmaps, numgen, jumps and gotos, dnat/snat/masquerade) and random iptables-nft rules. Seeded.
 */
import type { LabProbe } from '../helpers/trace-lab';
import { CLIENT_IPS, NODE_IP, PODS_IP } from '../helpers/trace-lab';
import { type KubeProxyNftLayout, type NftServicePort, kubeProxyNftRuleset } from './kube-proxy-nft';
import type { Random } from './trace-ruleset';

const pick = <T>(r: Random, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const chance = (r: Random, p: number) => r() < p;

/** The generator's node address, replaced by the lab's. */
const GENERATED_NODE_IP = /\b192\.168\.0\.2\b/g;

export interface MixedRuleset {
  /** `nft -f` input: kube-proxy's table and the native tables, in creation order. */
  readonly nft: string;
  /** kube-proxy's table alone, on the lab's addresses. */
  readonly kubeProxy: string;
  /** iptables-nft-restore input (empty when this seed has none). */
  readonly iptables: string;
  readonly services: readonly NftServicePort[];
  readonly layout: KubeProxyNftLayout;
}

const PRIORITIES = [-250, -180, -150, -120, -105, -95, -50, -10, 10, 50, 90, 110, 150, 250];
const HOOKS = ['prerouting', 'input', 'forward', 'output', 'postrouting'] as const;
const NAT_HOOKS = ['prerouting', 'output', 'postrouting', 'input'] as const;

function matchOf(r: Random, services: readonly NftServicePort[], hook: string): string {
  const svc = services.length ? pick(r, services) : undefined;
  const choices: (() => string)[] = [
    () =>
      `ip saddr ${pick(r, ['192.168.50.0/24', '203.0.113.0/24', '10.244.200.0/24', '198.51.100.9', '10.99.0.0/16'])}`,
    () => `ip saddr != ${pick(r, ['192.168.50.2', '10.244.0.0/16'])}`,
    () => `ip daddr ${svc ? svc.clusterIP : '172.30.0.10'}`,
    () => `ip daddr ${pick(r, ['10.1.0.0/16', '172.30.0.0/16', NODE_IP, '10.99.0.2'])}`,
    () => `tcp dport ${svc ? svc.port : 80}`,
    () => `tcp dport { 80, 443, 8080-8090 }`,
    () => `udp dport ${pick(r, [53, 5353])}`,
    () => `meta l4proto ${pick(r, ['tcp', 'udp', 'icmp'])}`,
    () => `ct state ${pick(r, ['new', 'established,related', 'invalid', 'untracked'])}`,
    () => `ct status dnat`,
    () => `fib daddr type local`,
    () => `fib saddr type local`,
    () => `meta mark & 0x00000010 == 0x00000010`,
    () => `meta mark 0x00000000`,
    () =>
      hook === 'output' || hook === 'postrouting'
        ? `oifname "${pick(r, ['eth0', 'pods0', 'lo'])}"`
        : `iifname "${pick(r, ['eth0', 'lo', 'eth*'])}"`,
    () => `ip saddr . tcp dport @pairs`,
    () => `ip daddr @nets`,
    () => `ip protocol tcp`,
  ];
  return pick(r, choices)();
}

function statementOf(r: Random, nat: boolean, hook: string, chains: readonly string[], inet: boolean): string {
  // inet tables name the address family of a NAT address.
  const ip = inet ? ' ip' : '';
  const choices: (() => string)[] = [
    () => 'counter',
    () => 'accept',
    () => (chance(r, 0.5) ? 'drop' : 'counter drop'),
    () => 'meta mark set meta mark | 0x00000010',
    () => 'meta mark set 0x00000020',
    () => 'return',
    () => (chains.length ? `${pick(r, ['jump', 'goto'])} ${pick(r, chains)}` : 'continue'),
    () => `numgen random mod 2 vmap { 0 : accept, 1 : ${pick(r, ['drop', 'continue'])} }`,
    () =>
      `meta l4proto vmap { tcp : ${pick(r, ['accept', 'continue', 'drop'])}, udp : ${pick(r, ['accept', 'return'])} }`,
  ];
  if (nat && (hook === 'prerouting' || hook === 'output'))
    choices.push(
      () => `meta l4proto tcp dnat${ip} to ${pick(r, ['10.1.0.1', '10.1.0.2', '10.99.0.2'])}:${pick(r, [80, 8080])}`,
      () => `meta l4proto tcp dnat ip to numgen random mod 2 map { 0 : 10.1.0.3 . 80, 1 : 10.1.0.4 . 8080 }`,
    );
  if (nat && hook === 'postrouting')
    choices.push(
      () => 'masquerade',
      () => `snat${ip} to ${NODE_IP}`,
    );
  return pick(r, choices)();
}

function nativeTable(r: Random, index: number, services: readonly NftServicePort[]): string {
  const family = chance(r, 0.3) ? 'inet' : 'ip';
  const name = `rand${index}`;
  const regular = ['sub1', 'sub2'].slice(0, 1 + Math.floor(r() * 2));
  const lines: string[] = [`table ${family} ${name} {`];
  lines.push(
    '\tset nets {',
    '\t\ttype ipv4_addr',
    '\t\tflags interval',
    `\t\telements = { ${pick(r, ['10.1.0.0/24', '172.30.0.0/20', '192.168.50.0/24'])}, 198.51.100.0-198.51.100.20 }`,
    '\t}',
    '\tset pairs {',
    '\t\ttype ipv4_addr . inet_service',
    `\t\telements = { 192.168.50.2 . 80, 203.0.113.5 . ${services[0]?.port ?? 443} }`,
    '\t}',
  );
  const rulesOf = (hook: string, nat: boolean, allowJumps: boolean, n: number) =>
    Array.from({ length: n }, () => {
      // One match that names a protocol per rule: nft refuses `tcp … udp …` in one rule.
      const names = (x: string) => /\b(tcp|udp|l4proto|protocol|@pairs)\b/.test(x);
      const statement = statementOf(r, nat, hook, allowJumps ? regular : [], family === 'inet');
      const m = Array.from({ length: Math.floor(r() * 3) }, () => matchOf(r, services, hook)).filter(
        (x, i, all) => !names(x) || (!names(statement) && all.findIndex(names) === i),
      );
      return `\t\t${[...m, statement].join(' ')}`;
    });
  for (const c of regular)
    lines.push(`\tchain ${c} {`, ...rulesOf('forward', false, false, 1 + Math.floor(r() * 3)), '\t}');
  const bases = 1 + Math.floor(r() * 3);
  for (let b = 0; b < bases; b++) {
    const nat = chance(r, 0.35);
    const hook = nat ? pick(r, NAT_HOOKS) : pick(r, HOOKS);
    // The kernel refuses nat chains at or below conntrack's priority (-200).
    const priority = pick(r, nat ? PRIORITIES.filter((p) => p > -200) : PRIORITIES);
    const policy = !nat && chance(r, 0.1) ? 'drop' : 'accept';
    lines.push(
      `\tchain base${b} {`,
      `\t\ttype ${nat ? 'nat' : 'filter'} hook ${hook} priority ${priority}; policy ${policy};`,
      ...rulesOf(hook, nat, !nat, 1 + Math.floor(r() * 4)),
      '\t}',
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function iptablesRules(r: Random): string {
  const rule = (chain: string) => {
    const m = [
      chance(r, 0.5) ? `-s ${pick(r, ['192.168.50.2', '203.0.113.0/24', '10.244.200.7'])}` : '',
      chance(r, 0.5) ? `-p tcp --dport ${pick(r, [80, 443, 8080])}` : '',
      chance(r, 0.3) ? `-d ${pick(r, ['10.1.0.0/16', '172.30.0.0/16'])}` : '',
    ].filter(Boolean);
    return `-A ${chain} ${m.join(' ')} -j ${pick(r, ['ACCEPT', 'DROP', 'RETURN', 'MARK --set-xmark 0x40/0x40'])}`.replace(
      / {2,}/g,
      ' ',
    );
  };
  const mangle = Array.from({ length: Math.floor(r() * 3) }, () => rule('PREROUTING')).filter(
    (x) => !/ -j (ACCEPT|DROP|RETURN)$/.test(x),
  );
  const filter = Array.from({ length: 1 + Math.floor(r() * 4) }, () => rule(pick(r, ['FORWARD', 'INPUT', 'OUTPUT'])));
  return [
    '*mangle',
    ':PREROUTING ACCEPT [0:0]',
    ...mangle,
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ...filter,
    'COMMIT',
    '',
  ].join('\n');
}

export function mixedRuleset(r: Random, seed: number): MixedRuleset {
  const layout = pick(r, ['v1.33', 'v1.34', '2026'] as const);
  const kp = kubeProxyNftRuleset({
    services: 6,
    seed,
    layout,
    nodePortAddresses: chance(r, 0.3) ? 'all' : 'nodeIPs',
  });
  const services = kp.services.filter((s) => s.protocol !== 'sctp');
  const natives = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => nativeTable(r, i, services));
  const kubeProxy = kp.text.replace(GENERATED_NODE_IP, NODE_IP);
  return {
    nft: [kubeProxy, ...natives].join('\n'),
    kubeProxy,
    iptables: chance(r, 0.6) ? iptablesRules(r) : '',
    services,
    layout,
  };
}

/** New connections to the services' entry points and around them, from the client and from the node. */
export function mixedProbes(r: Random, services: readonly NftServicePort[], n: number, firstPort: number): LabProbe[] {
  let port = firstPort;
  // The trace tells echo requests apart by their addresses only: one per source and destination.
  const pinged = new Set<string>();
  return Array.from({ length: n }, () => {
    const svc = pick(r, services);
    const local = chance(r, 0.25);
    const targets: (() => { dst: string; dport: number })[] = [
      () => ({ dst: svc.clusterIP, dport: svc.port }),
      () => ({ dst: svc.clusterIP, dport: svc.port + 1 }),
      () => ({ dst: '172.30.200.1', dport: 80 }),
      ...(svc.nodePort !== null ? [() => ({ dst: NODE_IP, dport: svc.nodePort! })] : []),
      ...svc.loadBalancerIPs.map((ip) => () => ({ dst: ip, dport: svc.port })),
      ...svc.externalIPs.map((ip) => () => ({ dst: ip, dport: svc.port })),
      () => ({ dst: pick(r, ['10.1.0.1', '10.99.0.2']), dport: 80 }),
    ];
    const { dst, dport } = pick(r, targets)();
    const src = local ? pick(r, [NODE_IP, PODS_IP]) : pick(r, CLIENT_IPS);
    const ping = chance(r, 0.05) && !pinged.has(`${src} ${dst}`);
    if (ping) pinged.add(`${src} ${dst}`);
    const proto = ping ? 'icmp' : svc.protocol === 'udp' ? 'udp' : 'tcp';
    return proto === 'icmp' ? { proto, src, dst, local } : { proto, src, dst, sport: port++, dport, local };
  });
}
