/**
 * Random nft rulesets for the kernel differential test of the nft walk, in either family: kube-proxy's
 * nftables table (any layout, from test/generators/kube-proxy-nft.ts, moved onto the trace lab's addresses)
 * beside random native tables (`ip`/`ip6` and `inet`) whose base chains sit at many priorities on every hook,
 * and random iptables-nft rules. The native rules use what real rulesets use: addresses, prefixes and ranges,
 * negations, ports and `th dport`, protocols, interfaces, `ct state/status/direction/mark`, `fib … type` and
 * `fib daddr oif`, marks with masks, named and anonymous sets with intervals and concatenations, verdict maps,
 * `numgen random|inc` with offsets, `jhash`, `meta mark set`/`ct mark set` from literals, numgen, hashes and
 * each other, `notrack` in raw-priority chains, `limit`, counters, policies drop, jump/goto/return/continue,
 * and nat chains at several priorities on one hook (dnat with and without ports, maps, redirect, snat with
 * ports, masquerade with ports). Seeded.
 */
import ipaddr from 'ipaddr.js';
import { LAB_V4, type LabFamily, v6Of } from '../helpers/lab-family';
import type { LabProbe } from '../helpers/trace-lab';
import { CLIENT_IPS, NODE_IP, PODS_IP } from '../helpers/trace-lab';
import { type KubeProxyNftLayout, type NftServicePort, kubeProxyNftRuleset } from './kube-proxy-nft';
import type { Random } from './trace-ruleset';

const pick = <T>(r: Random, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const chance = (r: Random, p: number) => r() < p;

/** The generator's node address, replaced by the lab's. */
const GENERATED_NODE_IP = { ipv4: /\b192\.168\.0\.2\b/g, ipv6: /\b2001:db8::1(?![0-9a-f:])/g } as const;

export interface MixedRuleset {
  /** `nft -f` input: kube-proxy's table and the native tables, in creation order. */
  readonly nft: string;
  /** kube-proxy's table alone, on the lab's addresses. */
  readonly kubeProxy: string;
  /** iptables-nft-restore (ip6tables-nft-restore) input; empty when this seed has none. */
  readonly iptables: string;
  readonly services: readonly NftServicePort[];
  readonly layout: KubeProxyNftLayout;
}

/**
 * An address or prefix of the IPv4 plan in the lab's family. Beyond the lab's own plan (v6Of), kube-proxy's
 * pod range 10.1/16 and service range 172.30/16 go where the kube-proxy generator puts them in IPv6.
 */
export function mixedAddress(family: LabFamily): (v4: string) => string {
  if (family.family === 'ipv4') return (v4) => v4;
  return (v4) => {
    const [address, length] = v4.split('/');
    const [a, b, c, d] = address!.split('.').map(Number) as [number, number, number, number];
    const v6 = (text: string, len: (n: number) => number) => {
      const ip = ipaddr.IPv6.parse(text).toRFC5952String();
      return length === undefined ? ip : `${ip}/${len(Number(length))}`;
    };
    if (a === 10 && b === 1) return v6(`fd00:10::${c}:${d}`, (n) => (n <= 16 ? 64 : n + 88));
    if (a === 172 && b === 30) return v6(`fd00:10:96::${(c * 256 + d).toString(16)}`, (n) => n + 96);
    return v6Of(v4);
  };
}

interface Plan {
  readonly v6: boolean;
  /** `ip` or `ip6`: the payload of addresses, and the NAT statements' family in inet tables. */
  readonly ip: 'ip' | 'ip6';
  readonly addrType: 'ipv4_addr' | 'ipv6_addr';
  readonly icmp: 'icmp' | 'icmpv6';
  readonly proto: 'protocol' | 'nexthdr';
  readonly at: (v4: string) => string;
  /** `A:P`, or `[A]:P` in IPv6. */
  readonly hostPort: (v4: string, port: number) => string;
}

function planOf(family: LabFamily): Plan {
  const v6 = family.family === 'ipv6';
  const at = mixedAddress(family);
  return {
    v6,
    ip: v6 ? 'ip6' : 'ip',
    addrType: v6 ? 'ipv6_addr' : 'ipv4_addr',
    icmp: v6 ? 'icmpv6' : 'icmp',
    proto: v6 ? 'nexthdr' : 'protocol',
    at,
    hostPort: (a, port) => (v6 ? `[${at(a)}]:${port}` : `${at(a)}:${port}`),
  };
}

/** Filter chains avoid -200 (conntrack's own), and ±100 (the NAT core's slot), where the kernel's order is a tie. */
const PRIORITIES = [-300, -250, -225, -180, -150, -120, -110, -105, -95, -50, -10, 0, 10, 50, 90, 110, 150, 250];
const NAT_PRIORITIES = [-150, -120, -105, -100, -95, -50, 0, 50, 95, 100, 105, 150];
const HOOKS = ['prerouting', 'input', 'forward', 'output', 'postrouting'] as const;
const NAT_HOOKS = ['prerouting', 'output', 'postrouting', 'input'] as const;
type HookName = (typeof HOOKS)[number];

/** A match or statement, and whether it names a transport protocol (nft refuses two in one rule). */
interface Part {
  readonly text: string;
  readonly proto?: boolean;
}

const p = (text: string, proto = false): Part => ({ text, proto });

interface Place {
  /** The base chain's hook; undefined in a regular chain, which any hook may reach. */
  readonly hook: HookName | undefined;
  readonly nat: boolean;
  readonly inet: boolean;
  /** Regular chains this rule may jump or go to. */
  readonly chains: readonly string[];
}

function matchOf(r: Random, plan: Plan, services: readonly NftServicePort[], place: Place): Part {
  const { ip, at } = plan;
  const svc = services.length ? pick(r, services) : undefined;
  const client = () =>
    at(pick(r, ['192.168.50.0/24', '203.0.113.0/24', '10.244.200.0/24', '198.51.100.9', '10.99.0.0/16']));
  const hook = place.hook;
  const choices: (() => Part)[] = [
    () => p(`${ip} saddr ${client()}`),
    () => p(`${ip} saddr != ${at(pick(r, ['192.168.50.2', '10.244.0.0/16']))}`),
    () => p(`${ip} saddr ${at('203.0.113.1')}-${at('203.0.113.100')}`),
    () => p(`${ip} daddr ${svc ? svc.clusterIP : at('172.30.0.10')}`),
    () => p(`${ip} daddr ${at(pick(r, ['10.1.0.0/16', '172.30.0.0/16', NODE_IP, '10.99.0.2', '10.1.0.0/24']))}`),
    () => p(`${ip} daddr != { ${at('10.1.0.0/16')}, ${at('172.30.0.0/16')} }`),
    () => p(`tcp dport ${svc ? svc.port : 80}`, true),
    () => p(`tcp dport { 80, 443, 8080-8090 }`, true),
    () => p(`tcp dport != ${pick(r, [80, 443])}`, true),
    () => p(`tcp sport ${pick(r, ['20000-20400', '1024-65535', '30000-40000'])}`, true),
    () => p(`udp dport ${pick(r, [53, 5353])}`, true),
    () => p(`th dport { 53, 80, 8080 }`, true),
    () => p(`meta l4proto { tcp, udp }`, true),
    () => p(`meta l4proto ${pick(r, ['tcp', 'udp', plan.icmp])}`, true),
    () => p(`${ip} ${plan.proto} tcp`, true),
    () => p(`${plan.icmp} type echo-request`, true),
    () =>
      p(
        `ct state ${pick(r, ['new', 'established,related', 'invalid', 'untracked', '!= established', 'new,untracked'])}`,
      ),
    () => p(`ct status ${pick(r, ['dnat', 'snat', '!= dnat'])}`),
    () => p(`ct direction ${pick(r, ['original', 'reply'])}`),
    () => p(`ct mark ${pick(r, ['0x00000010', '!= 0x00000000', '& 0x000000f0 == 0x00000010'])}`),
    () => p(`fib daddr type ${pick(r, ['local', '!= local', '{ local, broadcast }', 'unicast'])}`),
    () => p(`fib saddr type local`),
    () => p(`meta mark & 0x0000ff00 == 0x00000100`),
    () => p(`meta mark & 0x00000010 == 0x00000010`),
    () => p(`meta mark ${pick(r, ['0x00000000', '0x00000020', '!= 0x00000000'])}`),
    () => p(`meta pkttype host`),
    () => p(`${ip} saddr . tcp dport @pairs`, true),
    () => p(`${ip} daddr @nets`),
    () => p(`${ip} saddr != @nets`),
    () => p(`${ip} saddr . ${ip} daddr @spans`),
    () => p(`tcp dport @ports`, true),
    () =>
      p(
        `${ip} daddr . tcp dport { ${at('10.1.0.1')} . 80, ${svc ? svc.clusterIP : at('172.30.0.10')} . ${svc?.port ?? 80} }`,
        true,
      ),
    () => p(`limit rate ${pick(r, ['1000/second', '5/minute'])}`),
  ];
  if (place.inet) choices.push(() => p(`meta nfproto ${plan.v6 ? 'ipv6' : 'ipv4'}`));
  if (hook === 'output' || hook === 'postrouting')
    choices.push(() => p(`oifname ${pick(r, ['"eth0"', '"pods0"', '"lo"', '{ "eth0", "lo" }', '!= "pods0"'])}`));
  if (hook === 'output') choices.push(() => p(`meta skuid 0`));
  if (hook === 'prerouting' || hook === 'input' || hook === 'forward') {
    choices.push(() => p(`iifname ${pick(r, ['"eth0"', '"lo"', '"eth*"', '{ "eth0", "lo" }', '!= "eth0"'])}`));
    choices.push(() => p(`fib daddr oif ${pick(r, ['"pods0"', '"eth0"'])}`));
  }
  if (hook === 'forward') choices.push(() => p(`oifname "pods0"`));
  return pick(r, choices)();
}

function verdictOf(r: Random, place: Place): string {
  const jump = place.chains.length ? [`${pick(r, ['jump', 'goto'])} ${pick(r, place.chains)}`] : [];
  return pick(r, ['accept', 'drop', 'continue', 'return', ...jump, ...jump]);
}

function statementOf(r: Random, plan: Plan, place: Place): Part {
  const { ip, at } = plan;
  const jump = () => (place.chains.length ? `${pick(r, ['jump', 'goto'])} ${pick(r, place.chains)}` : 'continue');
  const choices: (() => Part)[] = [
    () => p('counter'),
    () => p('accept'),
    () => p(chance(r, 0.5) ? 'drop' : 'counter drop'),
    () => p('meta mark set meta mark | 0x00000010'),
    () => p(`meta mark set ${pick(r, ['0x00000020', '0x00000110', 'meta mark & 0xffffffef'])}`),
    () => p(`meta mark set ${pick(r, ['numgen random mod 4', 'numgen random mod 2 offset 16', 'ct mark'])}`),
    () => p(`meta mark set jhash ${ip} saddr mod 2 offset 16`),
    () => p(`ct mark set ${pick(r, ['0x00000010', 'meta mark', 'meta mark | 0x00000100'])}`),
    () => p(`meta mark set 0x00000020 ${verdictOf(r, place)}`),
    () => p(`ct mark set 0x00000010 ${verdictOf(r, place)}`),
    () => p('return'),
    () => p(jump()),
    () => p(`counter ${jump()}`),
    () => p(`numgen random mod 2 vmap { 0 : accept, 1 : ${pick(r, ['drop', 'continue'])} }`),
    () => p(`numgen random mod 3 offset 10 vmap { 10 : ${verdictOf(r, place)}, 11 : continue }`),
    () => p(`numgen inc mod 2 vmap { 0 : accept, 1 : ${verdictOf(r, place)} }`),
    () => p(`jhash ${ip} saddr . ${ip} daddr mod 2 vmap { 0 : continue, 1 : ${verdictOf(r, place)} }`),
    () =>
      p(
        `meta l4proto vmap { tcp : ${pick(r, ['accept', 'continue', 'drop'])}, udp : ${pick(r, ['accept', 'return'])} }`,
        true,
      ),
    () =>
      p(
        `${ip} saddr vmap { ${at('192.168.50.0/24')} : ${verdictOf(r, place)}, ${at('203.0.113.0/24')} : ${pick(r, ['accept', 'drop'])} }`,
      ),
    () => p(`limit rate over 10/second ${pick(r, ['drop', 'accept'])}`),
  ];
  // Reject runs on prerouting, input, forward and output only; the map's jumps could loop back from a regular chain.
  if (place.hook !== undefined && place.hook !== 'postrouting' && !place.nat)
    choices.push(
      () => p('reject'),
      () => p('meta l4proto tcp reject with tcp reset', true),
    );
  if (place.hook !== undefined) choices.push(() => p(`${ip} saddr vmap @verdicts`));
  if (place.hook === undefined || !place.nat) return pick(r, choices)();
  // A nat base chain: the statements of its hook, and sometimes a plain verdict.
  const inet = place.inet ? ` ${ip}` : '';
  const nat: (() => Part)[] = [];
  if (place.hook === 'prerouting' || place.hook === 'output')
    nat.push(
      () =>
        p(
          `meta l4proto tcp dnat${inet} to ${plan.hostPort(pick(r, ['10.1.0.1', '10.1.0.2', '10.99.0.2']), pick(r, [80, 8080]))}`,
          true,
        ),
      () => p(`dnat${inet} to ${at(pick(r, ['10.1.0.3', '10.99.0.2']))}`),
      () =>
        p(
          `meta l4proto tcp dnat ${ip} to numgen random mod 2 map { 0 : ${at('10.1.0.3')} . 80, 1 : ${at('10.1.0.4')} . 8080 }`,
          true,
        ),
      () =>
        p(
          `dnat ${ip} to ${ip} saddr map { ${at('192.168.50.0/24')} : ${at('10.1.0.5')}, ${at('10.244.200.7')} : ${at('10.1.0.6')} }`,
        ),
      () => p(`meta l4proto tcp redirect to :${pick(r, [8080, 9090])}`, true),
      () => p('redirect'),
    );
  if (place.hook === 'postrouting')
    nat.push(
      () => p('masquerade'),
      () => p(`meta l4proto tcp masquerade to :${pick(r, ['1024-2048', '5000'])}`, true),
      () => p(`masquerade ${pick(r, ['random', 'fully-random'])}`),
      () => p(`snat${inet} to ${at(NODE_IP)}`),
    );
  if (place.hook === 'postrouting' || place.hook === 'input')
    nat.push(() => p(`meta l4proto tcp snat${inet} to ${plan.hostPort(NODE_IP, pick(r, [5000, 6000]))}`, true));
  return chance(r, 0.65) ? pick(r, nat)() : pick(r, choices)();
}

function ruleOf(r: Random, plan: Plan, services: readonly NftServicePort[], place: Place): string {
  const statement = statementOf(r, plan, place);
  const matches: Part[] = [];
  let proto = statement.proto === true;
  for (let n = Math.floor(r() * 3); n > 0; n--) {
    const m = matchOf(r, plan, services, place);
    if (m.proto && proto) continue;
    proto ||= m.proto === true;
    matches.push(m);
  }
  return `\t\t${[...matches, statement].map((x) => x.text).join(' ')}`;
}

function nativeTable(
  r: Random,
  plan: Plan,
  index: number,
  services: readonly NftServicePort[],
  nftFamily: string,
): string {
  const inet = chance(r, 0.3);
  const family = inet ? 'inet' : nftFamily;
  const { at, addrType } = plan;
  const name = `rand${index}`;
  const lines: string[] = [`table ${family} ${name} {`];
  lines.push(
    '\tset nets {',
    `\t\ttype ${addrType}`,
    '\t\tflags interval',
    `\t\telements = { ${at(pick(r, ['10.1.0.0/24', '172.30.0.0/20', '192.168.50.0/24']))}, ${at('198.51.100.0')}-${at('198.51.100.20')} }`,
    '\t}',
    '\tset pairs {',
    `\t\ttype ${addrType} . inet_service`,
    `\t\telements = { ${at('192.168.50.2')} . 80, ${at('203.0.113.5')} . ${services[0]?.port ?? 443} }`,
    '\t}',
    '\tset spans {',
    `\t\ttype ${addrType} . ${addrType}`,
    '\t\tflags interval',
    `\t\telements = { ${at('192.168.50.0/24')} . ${at('10.1.0.0/16')}, ${at('203.0.113.0/24')} . ${at('172.30.0.0/16')}, ${at('10.244.200.7')} . ${at('10.99.0.0/16')} }`,
    '\t}',
    '\tset ports {',
    '\t\ttype inet_service',
    '\t\tflags interval',
    `\t\telements = { 53, ${pick(r, ['80', '443'])}, 1000-9999 }`,
    '\t}',
  );
  // sub2 may be reached from sub1, never the other way round: no loop.
  const regular = ['sub1', 'sub2'].slice(0, 1 + Math.floor(r() * 2));
  const verdicts = regular.map((c) => `jump ${c}`);
  lines.push(
    '\tmap verdicts {',
    `\t\ttype ${addrType} : verdict`,
    '\t\tflags interval',
    `\t\telements = { ${at('192.168.50.0/24')} : ${pick(r, ['accept', 'drop', ...verdicts])}, ${at('10.244.200.7')} : ${pick(r, ['drop', 'continue', ...verdicts])}, ${at('203.0.113.0/25')} : ${pick(r, ['return', 'accept', ...verdicts])} }`,
    '\t}',
  );
  regular.forEach((c, i) => {
    const place: Place = { hook: undefined, nat: false, inet, chains: regular.slice(i + 1) };
    lines.push(
      `\tchain ${c} {`,
      ...Array.from({ length: 1 + Math.floor(r() * 3) }, () => ruleOf(r, plan, services, place)),
      '\t}',
    );
  });
  // A raw-priority chain that leaves some flows untracked.
  if (chance(r, 0.3)) {
    const hook = pick(r, ['prerouting', 'output']);
    lines.push(
      '\tchain notrack0 {',
      `\t\ttype filter hook ${hook} priority ${pick(r, ['raw', '-250', '-300'])}; policy accept;`,
      `\t\t${plan.ip} saddr ${at(pick(r, ['198.51.100.9', '10.244.200.7', '10.99.0.1']))} notrack`,
      ...(chance(r, 0.5) ? [`\t\ttcp dport ${pick(r, [80, 443, 8080])} notrack`] : []),
      '\t}',
    );
  }
  const bases = 1 + Math.floor(r() * 3);
  for (let b = 0; b < bases; b++) {
    const nat = chance(r, 0.4);
    const hook = nat ? pick(r, NAT_HOOKS) : pick(r, HOOKS);
    const priority = nat ? pick(r, NAT_PRIORITIES) : pick(r, PRIORITIES);
    const policy = chance(r, nat ? 0.04 : 0.1) ? 'drop' : 'accept';
    const place: Place = { hook, nat, inet, chains: nat ? [] : regular };
    lines.push(
      `\tchain base${b} {`,
      `\t\ttype ${nat ? 'nat' : 'filter'} hook ${hook} priority ${priority}; policy ${policy};`,
      ...Array.from({ length: 1 + Math.floor(r() * 4) }, () => ruleOf(r, plan, services, place)),
      '\t}',
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** A netdev table whose ingress chain on the client's side sees packets before any IP hook. */
function ingressTable(r: Random, plan: Plan): string {
  const { ip, at } = plan;
  const rule = () =>
    [
      ...(chance(r, 0.7) ? [`${ip} saddr ${at(pick(r, ['203.0.113.5', '198.51.100.0/24', '10.244.200.0/24']))}`] : []),
      ...(chance(r, 0.3) ? [`tcp dport ${pick(r, [80, 443, 8080, 9090])}`] : []),
      pick(r, [
        'accept',
        'drop',
        'counter',
        'meta mark set 0x00000020',
        'meta mark set meta mark | 0x00000010',
        'return',
      ]),
    ].join(' ');
  return [
    'table netdev edge {',
    '\tchain in {',
    `\t\ttype filter hook ingress device "eth0" priority ${pick(r, [-100, 0, 10])}; policy ${chance(r, 0.1) ? 'drop' : 'accept'};`,
    ...Array.from({ length: 1 + Math.floor(r() * 3) }, () => `\t\t${rule()}`),
    '\t}',
    '}',
    '',
  ].join('\n');
}

function iptablesRules(r: Random, plan: Plan): string {
  const { at } = plan;
  const rule = (chain: string) => {
    const m = [
      chance(r, 0.5) ? `-s ${at(pick(r, ['192.168.50.2', '203.0.113.0/24', '10.244.200.7']))}` : '',
      chance(r, 0.5) ? `-p tcp --dport ${pick(r, [80, 443, 8080])}` : '',
      chance(r, 0.3) ? `-d ${at(pick(r, ['10.1.0.0/16', '172.30.0.0/16']))}` : '',
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

/**
 * iptables-legacy's tables for a node whose other rules are nft: mangle, nat and filter always (restoring them
 * replaces the previous seed's), with DNAT that competes with kube-proxy's at the same priority, SNAT and
 * MASQUERADE, marks nft rules test, and filter verdicts.
 */
export function legacyRules(r: Random, family: LabFamily = LAB_V4): string {
  const plan = planOf(family);
  const { at } = plan;
  const filterAndMangle = iptablesRules(r, plan).split('\n');
  const nat = Array.from({ length: Math.floor(r() * 4) }, () =>
    pick(r, [
      () =>
        `-A PREROUTING -p tcp -d ${at('10.99.0.2')} --dport 443 -j DNAT --to-destination ${plan.hostPort('10.1.0.9', 80)}`,
      () =>
        `-A PREROUTING -s ${at('203.0.113.0/24')} -p tcp -j DNAT --to-destination ${plan.hostPort('10.1.0.8', 8080)}`,
      () =>
        `-A OUTPUT -p tcp -d ${at('172.30.0.0/16')} --dport 443 -j DNAT --to-destination ${plan.hostPort('10.1.0.9', 80)}`,
      () => `-A POSTROUTING -s ${at('10.244.200.0/24')} -j MASQUERADE`,
      () => `-A POSTROUTING -d ${at('10.1.0.0/16')} -p tcp -j SNAT --to-source ${at(NODE_IP)}`,
      () => `-A PREROUTING -s ${at('198.51.100.9')} -j MARK --set-xmark 0x10/0x10`,
    ])(),
  );
  const marks = nat.filter((x) => x.includes('MARK'));
  return [
    ...filterAndMangle.slice(0, 2),
    ...marks,
    ...filterAndMangle.slice(2, filterAndMangle.indexOf('*filter')),
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ...nat.filter((x) => !x.includes('MARK')),
    'COMMIT',
    ...filterAndMangle.slice(filterAndMangle.indexOf('*filter')),
  ].join('\n');
}

/** `affinityClients`: the affinity sets list a client that used the service (kube-proxy-nft's option). */
export function mixedRuleset(
  r: Random,
  seed: number,
  family: LabFamily = LAB_V4,
  { affinityClients = false } = {},
): MixedRuleset {
  const plan = planOf(family);
  const layout = pick(r, ['v1.33', 'v1.34', '2026'] as const);
  const kp = kubeProxyNftRuleset({
    services: 6,
    seed,
    layout,
    family: family.family,
    nodePortAddresses: chance(r, 0.3) ? 'all' : 'nodeIPs',
    affinityClients,
  });
  const services = kp.services.filter((s) => s.protocol !== 'sctp');
  const natives = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) =>
    nativeTable(r, plan, i, services, family.nft),
  );
  const kubeProxy = kp.text.replace(GENERATED_NODE_IP[family.family], plan.at(NODE_IP));
  if (chance(r, 0.3)) natives.push(ingressTable(r, plan));
  return {
    nft: [kubeProxy, ...natives].join('\n'),
    kubeProxy,
    iptables: chance(r, 0.6) ? iptablesRules(r, plan) : '',
    services,
    layout,
  };
}

/** New connections to the services' entry points and around them, from the client and from the node. */
export function mixedProbes(
  r: Random,
  services: readonly NftServicePort[],
  n: number,
  firstPort: number,
  family: LabFamily = LAB_V4,
): LabProbe[] {
  const at = mixedAddress(family);
  let port = firstPort;
  // The trace tells echo requests apart by their addresses only: one per source and destination.
  const pinged = new Set<string>();
  return Array.from({ length: n }, () => {
    const svc = pick(r, services);
    const local = chance(r, 0.25);
    const targets: (() => { dst: string; dport: number })[] = [
      () => ({ dst: svc.clusterIP, dport: svc.port }),
      () => ({ dst: svc.clusterIP, dport: svc.port + 1 }),
      () => ({ dst: at('172.30.200.1'), dport: 80 }),
      ...(svc.nodePort !== null ? [() => ({ dst: at(NODE_IP), dport: svc.nodePort! })] : []),
      ...svc.loadBalancerIPs.map((ip) => () => ({ dst: ip, dport: svc.port })),
      ...svc.externalIPs.map((ip) => () => ({ dst: ip, dport: svc.port })),
      () => ({ dst: at(pick(r, ['10.1.0.1', '10.99.0.2'])), dport: pick(r, [80, 443]) }),
      () => ({ dst: at(NODE_IP), dport: pick(r, [80, 8080]) }),
    ];
    const { dst, dport } = pick(r, targets)();
    const src = at(local ? pick(r, [NODE_IP, PODS_IP]) : pick(r, CLIENT_IPS));
    const ping = chance(r, 0.05) && !pinged.has(`${src} ${dst}`);
    if (ping) pinged.add(`${src} ${dst}`);
    const proto = ping ? 'icmp' : svc.protocol === 'udp' ? 'udp' : 'tcp';
    return proto === 'icmp' ? { proto, src, dst, local } : { proto, src, dst, sport: port++, dport, local };
  });
}
