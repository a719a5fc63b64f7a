/**
 * Addresses classed by piece (address-classes.ts) fall in the class their own key gives them: two addresses
 * share a class number exactly when the slow classifier (flow key, local, route, interface) gives them the same
 * key. Checked at every edge of every span, one address either side, and at random addresses, on rules that
 * test prefixes, ranges, address types and interfaces, on a node with addresses and routes. A conntrack table's
 * rows are classed once per distinct address (classOfTable) and must get what their text gets.
 */
import test from 'ava';
import { destinationClasses, sourceClasses } from '../../../src/analyses/stale/answer-cache';
import type { AddressClasses, Span } from '../../../src/analyses/stale/address-classes';
import { AddressIds } from '../../../src/analyses/stale/address-ids';
import { addressKey } from '../../../src/analyses/address-key';
import { flowKeyOf, prefixSpan } from '../../../src/analyses/stale/flow-key';
import { nodeContexts } from '../../../src/analyses/node/index';
import { prepareTracer } from '../../../src/analyses/trace/index';
import { formatIp, parseIp, parsePrefix } from '../../../src/model/address';
import type { TableAddresses } from '../../../src/model/address-interner';
import { canonicalIpv4Value } from '../../../grammar/shared/address';
import { dedent } from '../../helpers/dedent';
import { SMALL_NODE } from '../../helpers/small-node';
import { nodesOfText } from '../../helpers/sections';
import { kubeProxyRuleset, kubeProxyServices } from '../../generators/kube-proxy-dump';
import { xorshift32 } from '../../generators/conntrack-table';

const HAND_WRITTEN = dedent`
  -A PREROUTING -s 172.16.0.0/12 -d 10.96.5.0/24 -i eth0 -p tcp -j DNAT --to-destination 10.244.9.9:80
  -A PREROUTING -m iprange --src-range 100.64.0.10-100.64.3.200 -p udp -j DNAT --to-destination 10.244.9.10:53
  -A PREROUTING -m addrtype --src-type LOCAL -p tcp --dport 8443 -j DNAT --to-destination 10.244.9.11:443
  -A OUTPUT -d 198.51.100.0/25 -p tcp -j DNAT --to-destination 10.244.9.12:80
`;

function classesOfNode() {
  const rules = kubeProxyRuleset(kubeProxyServices({ services: 40 }), { clusterCidr: '10.244.0.0/16' }).replace(
    '\n-A PREROUTING ',
    `\n${HAND_WRITTEN}\n-A PREROUTING `,
  );
  const [node] = nodesOfText(`${SMALL_NODE}\nroot@n1:~# iptables-save\n${rules}\n`);
  const ctx = nodeContexts(node!, []).find((c) => c.family === 'ipv4')!;
  const tracer = ctx.tracer!;
  const key = flowKeyOf(tracer.rulesets, tracer.network);
  return { key, sources: sourceClasses(tracer, key), destinations: destinationClasses(tracer, key) };
}

const text = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');

function probes(spans: readonly Span[]): number[] {
  const out = new Set<number>();
  for (const s of spans)
    for (const v of [s.from - 1n, s.from, s.from + 1n, s.to - 1n, s.to, s.to + 1n])
      if (v >= 0n && v <= 0xffffffffn) out.add(Number(v));
  const next = xorshift32(2463534242);
  for (let i = 0; i < 5000; i++) out.add(next());
  return [...out];
}

function agree(classes: AddressClasses<unknown>, addresses: readonly string[]): string[] {
  const keyOfClass = new Map<number, string>();
  const classOfKey = new Map<string, number>();
  const wrong: string[] = [];
  for (const a of addresses) {
    const c = classes.classOf(a);
    const k = classes.key(parseIp(a)!);
    if ((keyOfClass.get(c) ?? k) !== k || (classOfKey.get(k) ?? c) !== c) wrong.push(a);
    keyOfClass.set(c, k);
    classOfKey.set(k, c);
  }
  return wrong;
}

const span = (prefix: string): Span => prefixSpan(parsePrefix(prefix)!);

test('an address classed by piece has the class of its own key, at every edge and elsewhere', (t) => {
  const { key, sources, destinations } = classesOfNode();
  t.truthy(key.sourceSpans, 'the rules test sources by prefix and range only');
  t.truthy(key.destinationSpans);
  t.true(key.testsInterface);
  const edges = [...key.sourceSpans!, ...key.destinationSpans!, span('192.168.0.0/24'), span('10.244.0.0/24')];
  t.deepEqual(agree(sources, probes(edges).map(text)), []);
  t.deepEqual(agree(destinations, probes(edges).map(text)), []);
  t.is(sources.classOf('not-an-address'), -1);
});

test('classes tell apart what the rules do: a named host, a prefix, a range, the node itself', (t) => {
  const { sources, destinations } = classesOfNode();
  const d = (ip: string) => destinations.classOf(ip);
  const s = (ip: string) => sources.classOf(ip);
  t.not(d('10.96.0.10'), d('10.96.0.11'));
  t.is(d('10.96.5.1'), d('10.96.5.200'));
  t.not(d('10.96.5.1'), d('10.96.6.1'));
  t.is(s('100.64.0.10'), s('100.64.3.200'));
  t.not(s('100.64.0.9'), s('100.64.0.10'));
  t.not(s('100.64.3.201'), s('100.64.3.200'));
  t.not(s('192.168.0.2'), s('192.168.0.3'), 'the node address is local');
  t.not(s('172.16.0.1'), s('8.8.8.8'));
});

/**
 * A table's addresses as the columns give them: a canonical dotted quad also by its number (ipv4Of), which the
 * classes and address numbers read instead of its text. Duplicates stay, at their own indices.
 */
function asTable(texts: readonly string[]): TableAddresses {
  return {
    get length() {
      return texts.length;
    },
    textOf: (i) => texts[i]!,
    ipv4Of: (i) => canonicalIpv4Value(texts[i]!, 0, texts[i]!.length),
  };
}

/** Random addresses of both families as a table writes them, with some written oddly and some no address. */
function tableAddresses(seed: number, n: number): string[] {
  const next = xorshift32(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = next();
    const pick = r % 10;
    if (pick < 5) out.push(text(next()));
    else if (pick < 7) out.push(`10.96.${next() % 8}.${next() % 256}`);
    else if (pick === 7) out.push(`2001:db8:${(next() % 4).toString(16)}::${(next() % 65536).toString(16)}`);
    else if (pick === 8) out.push(`010.96.0.${next() % 256}`);
    else out.push(i % 2 ? 'not-an-address' : `fe80::${(next() % 16).toString(16)}`);
  }
  return out;
}

test("a table's addresses get the class their text gets, one table after another and as a table grows", (t) => {
  const { sources, destinations } = classesOfNode();
  const fresh = classesOfNode();
  for (const seed of [1, 7, 2463534242]) {
    const a = tableAddresses(seed, 3000);
    const b = tableAddresses(seed + 1, 500);
    const tableA = asTable(a);
    const tableB = asTable(b);
    const wrong: string[] = [];
    for (const [table, i] of [
      ...a.map((_, i) => [tableA, i] as const),
      ...b.map((_, i) => [tableB, i] as const),
      ...a.map((_, i) => [tableA, a.length - 1 - i] as const),
    ]) {
      const text = table.textOf(i);
      if (sources.classOfTable(table, i) !== fresh.sources.classOf(text)) wrong.push(`source ${text}`);
      if (destinations.classOfTable(table, i) !== fresh.destinations.classOf(text)) wrong.push(`destination ${text}`);
    }
    t.deepEqual(wrong, []);
  }
  const texts: string[] = ['10.96.0.10'];
  const growing = asTable(texts);
  t.is(destinations.classOfTable(growing, 0), fresh.destinations.classOf('10.96.0.10'));
  texts.push('2001:db8::1', '10.96.5.7');
  t.is(destinations.classOfTable(growing, 2), fresh.destinations.classOf('10.96.5.7'));
  t.is(destinations.classOfTable(growing, 1), fresh.destinations.classOf('2001:db8::1'));
  t.not(destinations.classOfTable(growing, 1), -1);
});

test('address numbers are equal exactly when the address keys are, by text and by table row', (t) => {
  const ids = new AddressIds();
  const texts = tableAddresses(99, 4000);
  const table = asTable(texts);
  const byKey = new Map<unknown, number>();
  const wrong: string[] = [];
  texts.forEach((address, i) => {
    const id = ids.ofTable(table, i);
    if (id !== ids.id(address)) wrong.push(`${address}: row and text differ`);
    const known = byKey.get(addressKey(address));
    if (known !== undefined && known !== id) wrong.push(`${address}: two numbers`);
    byKey.set(addressKey(address), id);
  });
  t.deepEqual(wrong, []);
  t.is(new Set(byKey.values()).size, byKey.size, 'different keys, different numbers');
  t.not(ids.id('10.0.0.1'), ids.id('010.0.0.1'), 'an oddly written address keeps its text, as before');
});

/** An IPv6 node: addresses, a connected prefix, a routed one and a default route. */
const NODE_V6 = dedent`
  root@n1:~# ip -o addr
  1: lo    inet6 ::1/128 scope host \       valid_lft forever preferred_lft forever
  2: eth0    inet6 2001:db8:168:50::1/64 scope global \       valid_lft forever preferred_lft forever
  3: cni0    inet6 fd00:10:244::1/64 scope global \       valid_lft forever preferred_lft forever
  root@n1:~# ip -6 route
  default via 2001:db8:168:50::2 dev eth0 metric 1024
  2001:db8:168:50::/64 dev eth0 proto kernel metric 256
  fd00:10:244::/64 dev cni0 proto kernel metric 256
  2001:db8:203::/48 via 2001:db8:168:50::3 dev eth0 metric 1024
`;

/** The node's prefixes, written here rather than read from the network, so that leaving them out fails. */
const NODE_V6_PREFIXES = [
  '::1/128',
  '2001:db8:168:50::1/128',
  '2001:db8:168:50::/64',
  'fd00:10:244::/64',
  '2001:db8:203::/48',
];
/** What ipv6-type.ts tells apart by the bits alone (kinds and scopes), independently of IPV6_KIND_PREFIXES. */
const V6_SPECIAL = [
  '::/128',
  '::1/128',
  '::/96',
  '::ffff:0:0/96',
  '::/3',
  'e000::/3',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
  'ff02::/16',
];

const IP6TABLES = dedent`
  *nat
  :PREROUTING ACCEPT [0:0]
  :INPUT ACCEPT [0:0]
  :OUTPUT ACCEPT [0:0]
  :POSTROUTING ACCEPT [0:0]
  -A PREROUTING -s 2001:db8:172::/44 -d fd00:10:96:5::/64 -i eth0 -p tcp -j DNAT --to-destination [fd00:10:244::9]:80
  -A PREROUTING -m iprange --src-range 2001:db8:64::10-2001:db8:64::3:200 -p udp -j DNAT --to-destination [fd00:10:244::10]:53
  -A PREROUTING -m addrtype --src-type LOCAL -p tcp --dport 8443 -j DNAT --to-destination [fd00:10:244::11]:443
  -A PREROUTING -m addrtype --dst-type MULTICAST -p udp -j RETURN
  -A PREROUTING -d fd00:10:96::10/128 -p tcp --dport 80 -j DNAT --to-destination [fd00:10:244::12]:80
  -A OUTPUT -d 2001:db8:198:100::/57 -p tcp -j DNAT --to-destination [fd00:10:244::12]:80
  COMMIT
`;

/** IP6TABLES's prefixes and range, written here so that a span left out of the key's fails. */
const IP6TABLES_EDGES = [
  '2001:db8:172::/44',
  'fd00:10:96:5::/64',
  'fd00:10:96::10/128',
  '2001:db8:198:100::/57',
  '2001:db8:64::10/128',
  '2001:db8:64::3:200/128',
];

const MAX6 = (1n << 128n) - 1n;
const text6 = (v: bigint) => formatIp({ family: 'ipv6', value: v });

/** Addresses at and beside every edge of `spans`, random ones inside each span, and random ones anywhere. */
function probes6(spans: readonly Span[], seed = 2463534242): string[] {
  const next = xorshift32(seed);
  const word = () => BigInt(next());
  const random = () => (word() << 96n) | (word() << 64n) | (word() << 32n) | word();
  const out = new Set<bigint>();
  for (const s of spans) {
    for (const v of [s.from - 1n, s.from, s.from + 1n, s.to - 1n, s.to, s.to + 1n])
      if (v >= 0n && v <= MAX6) out.add(v);
    for (let i = 0; i < 4; i++) out.add(s.from + (random() % (s.to - s.from + 1n)));
  }
  for (let i = 0; i < 3000; i++) out.add(random());
  return [...out].map(text6);
}

const spans6 = (prefixes: readonly string[]) => prefixes.map(span);

/** The classes of a node's rules (iptables-save or nft) in one family, from the tracer the stale analysis uses. */
function classesOfDumps(dumps: readonly string[], family: 'ipv4' | 'ipv6') {
  const [node] = nodesOfText(`${dumps.join('\n')}\n`);
  const tracer = prepareTracer(node!, family);
  const key = flowKeyOf(tracer.rulesets, tracer.network, tracer.nftFlowTests());
  return { key, sources: sourceClasses(tracer, key), destinations: destinationClasses(tracer, key) };
}

test('IPv6 addresses classed by piece have the class of their own key, at every edge and elsewhere', (t) => {
  const { key, sources, destinations } = classesOfDumps([NODE_V6, `root@n1:~# ip6tables-save\n${IP6TABLES}`], 'ipv6');
  t.truthy(key.sourceSpans, 'IPv6 sources are classed by piece');
  t.truthy(key.destinationSpans);
  const edges = [
    ...key.sourceSpans!,
    ...key.destinationSpans!,
    ...spans6(IP6TABLES_EDGES),
    ...spans6(NODE_V6_PREFIXES),
    ...spans6(V6_SPECIAL),
  ];
  const addresses = probes6(edges);
  t.deepEqual(agree(sources, addresses), []);
  t.deepEqual(agree(destinations, addresses), []);
  const s = (ip: string) => sources.classOf(ip);
  const d = (ip: string) => destinations.classOf(ip);
  t.is(s('2001:db8:64::10'), s('2001:db8:64::3:200'));
  t.not(s('2001:db8:64::f'), s('2001:db8:64::10'));
  t.not(s('2001:db8:168:50::1'), s('2001:db8:168:50::5'), 'the node address is local');
  t.is(s('2001:db8:9::1'), s('2001:db8:a::77'), 'two addresses no rule or route tells apart share a class');
  t.not(d('ff02::1'), d('fe80::1'), 'multicast is an address type of its own');
  t.is(d('fd00:10:96:5::1'), d('fd00:10:96:5::ffff'));
  t.is(sources.classOf('2001:db8:9::1'), sources.classOf('2001:0db8:0009:0000:0000:0000:0000:0001'));
  t.is(sources.classOf('2001:db8::zz'), -1);
});

/** Random nft rulesets with sets and maps of hosts, prefixes and intervals that decide where connections go. */
function nftWithSets(
  seed: number,
  family: 'ipv4' | 'ipv6',
): { nft: string; sourceElements: Span[]; destinationElements: Span[] } {
  const next = xorshift32(seed);
  const v4 = family === 'ipv4';
  const at = (a: number, b: number, c: number) =>
    v4 ? `10.${a}.${b}.${c}` : `2001:db8:${a.toString(16)}::${b.toString(16)}:${c.toString(16)}`;
  const element = (): string => {
    const a = next() % 4;
    const b = next() % 8;
    const c = next() % 200;
    switch (next() % 3) {
      case 0:
        return at(a, b, c);
      case 1:
        return v4
          ? `10.${a}.${b}.0/${24 + (next() % 6)}`
          : `2001:db8:${a.toString(16)}::${b.toString(16)}:0/${112 + (next() % 10)}`;
      default:
        return `${at(a, b, c)}-${at(a, b, c + 1 + (next() % 50))}`;
    }
  };
  const elements = (n: number) => [...new Set(Array.from({ length: n }, element))];
  const set = elements(6);
  const map = elements(4);
  const ip = v4 ? 'ip' : 'ip6';
  const target = (n: number) => (v4 ? `10.244.9.${n}` : `[fd00:10:244::${n}]`);
  const nft = dedent`
    table ${ip} edge {
      set allowed {
        type ${v4 ? 'ipv4_addr' : 'ipv6_addr'}
        flags interval
        elements = { ${set.join(', ')} }
      }
      map pick {
        type ${v4 ? 'ipv4_addr' : 'ipv6_addr'} : verdict
        flags interval
        elements = { ${map.map((e, i) => `${e} : ${i % 2 ? 'jump special' : 'accept'}`).join(', ')} }
      }
      chain special {
        tcp dport 53 dnat to ${target(13)}:53
      }
      chain prerouting {
        type nat hook prerouting priority dstnat; policy accept;
        ${ip} saddr @allowed tcp dport 8443 dnat to ${target(11)}:443
        ${ip} daddr vmap @pick
      }
    }
  `;
  const spansOf = (elements: readonly string[]) =>
    elements.map((e): Span => {
      if (e.includes('/')) return span(e);
      const [from, to] = e.split('-');
      return { from: parseIp(from!)!.value, to: parseIp(to ?? from!)!.value };
    });
  return { nft: `${nft}\n`, sourceElements: spansOf(set), destinationElements: spansOf(map) };
}

/** Addresses in one class must agree on membership in every element: a class never straddles an element's edge. */
function straddling(
  classes: AddressClasses<unknown>,
  addresses: readonly string[],
  elements: readonly Span[],
): string[] {
  const first = new Map<number, { address: string; inside: string }>();
  const wrong: string[] = [];
  for (const a of addresses) {
    const v = parseIp(a)!.value;
    const inside = elements.map((e) => (v >= e.from && v <= e.to ? '1' : '0')).join('');
    const c = classes.classOf(a);
    const seen = first.get(c);
    if (!seen) first.set(c, { address: a, inside });
    else if (seen.inside !== inside) wrong.push(`${a} shares a class with ${seen.address}`);
  }
  return wrong;
}

for (const family of ['ipv4', 'ipv6'] as const)
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`nft sets and maps (${family}, ruleset ${seed}): every element's edges are class edges`, (t) => {
      const { nft, sourceElements, destinationElements } = nftWithSets(seed * 7919, family);
      const elements = [...sourceElements, ...destinationElements];
      const { key, sources, destinations } = classesOfDumps(
        [family === 'ipv6' ? NODE_V6 : SMALL_NODE, `root@n1:~# nft list ruleset\n${nft}`],
        family,
      );
      t.truthy(key.sourceSpans, 'sources are classed by piece');
      t.truthy(key.destinationSpans, 'destinations are classed by piece');
      const addresses =
        family === 'ipv6'
          ? probes6([...elements, ...spans6(NODE_V6_PREFIXES), ...spans6(V6_SPECIAL)], seed)
          : probes([...elements, span('192.168.0.0/24'), span('10.244.0.0/24')]).map(text);
      t.deepEqual(agree(sources, addresses), []);
      t.deepEqual(agree(destinations, addresses), []);
      t.deepEqual(straddling(sources, addresses, sourceElements), []);
      t.deepEqual(straddling(destinations, addresses, destinationElements), []);
    });
  }
