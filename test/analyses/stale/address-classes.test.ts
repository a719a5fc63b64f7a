/**
 * Addresses classed by piece (address-classes.ts) fall in the class their own key gives them: two addresses
 * share a class number exactly when the slow classifier (flow key, local, route, interface) gives them the same
 * key. Checked at every edge of every span, one address either side, and at random addresses, on rules that
 * test prefixes, ranges, address types and interfaces, on a node with addresses and routes. A conntrack table's
 * rows are classed once per distinct address (classOfTable) and must get what their text gets.
 */
import test from 'ava';
import { destinationClasses, sourceClasses } from '../../../src/analyses/stale/answer-cache';
import type { AddressClasses } from '../../../src/analyses/stale/address-classes';
import { AddressIds } from '../../../src/analyses/stale/address-ids';
import { addressKey } from '../../../src/analyses/address-key';
import { flowKeyOf } from '../../../src/analyses/stale/flow-key';
import { nodeContexts } from '../../../src/analyses/node/index';
import { parseIp } from '../../../src/model/address';
import { dedent } from '../../helpers/dedent';
import { SMALL_NODE } from '../../helpers/small-node';
import { nodesOfText } from '../../helpers/sections';
import { kubeProxyRuleset, kubeProxyServices } from '../../generators/kube-proxy-dump';

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
  const key = flowKeyOf(tracer.graphs, tracer.network);
  return { key, sources: sourceClasses(tracer, key), destinations: destinationClasses(tracer, key) };
}

const text = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');

function probes(spans: readonly { from: number; to: number }[]): number[] {
  const out = new Set<number>();
  for (const s of spans)
    for (const v of [s.from - 1, s.from, s.from + 1, s.to - 1, s.to, s.to + 1])
      if (v >= 0 && v <= 0xffffffff) out.add(v);
  let x = 2463534242;
  for (let i = 0; i < 5000; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.add(x >>> 0);
  }
  return [...out];
}

function agree(classes: AddressClasses<unknown>, addresses: readonly number[]): string[] {
  const keyOfClass = new Map<number, string>();
  const classOfKey = new Map<string, number>();
  const wrong: string[] = [];
  for (const v of addresses) {
    const c = classes.classOf(text(v));
    const k = classes.key(parseIp(text(v))!);
    if ((keyOfClass.get(c) ?? k) !== k || (classOfKey.get(k) ?? c) !== c) wrong.push(text(v));
    keyOfClass.set(c, k);
    classOfKey.set(k, c);
  }
  return wrong;
}

test('an address classed by piece has the class of its own key, at every edge and elsewhere', (t) => {
  const { key, sources, destinations } = classesOfNode();
  t.truthy(key.sourceSpans, 'the rules test sources by prefix and range only');
  t.truthy(key.destinationSpans);
  t.true(key.testsInterface);
  const edges = [
    ...key.sourceSpans!,
    ...key.destinationSpans!,
    { from: 0xc0a80000, to: 0xc0a800ff },
    { from: 0x0af40000, to: 0x0af400ff },
  ];
  t.deepEqual(agree(sources, probes(edges)), []);
  t.deepEqual(agree(destinations, probes(edges)), []);
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

/** Random addresses of both families as a table writes them, with some written oddly and some no address. */
function tableAddresses(seed: number, n: number): string[] {
  let x = seed;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
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
    const wrong: string[] = [];
    for (const [table, i] of [
      ...a.map((_, i) => [a, i] as const),
      ...b.map((_, i) => [b, i] as const),
      ...a.map((_, i) => [a, a.length - 1 - i] as const),
    ]) {
      if (sources.classOfTable(table, i) !== fresh.sources.classOf(table[i]!)) wrong.push(`source ${table[i]}`);
      if (destinations.classOfTable(table, i) !== fresh.destinations.classOf(table[i]!))
        wrong.push(`destination ${table[i]}`);
    }
    t.deepEqual(wrong, []);
  }
  const growing: string[] = ['10.96.0.10'];
  t.is(destinations.classOfTable(growing, 0), fresh.destinations.classOf('10.96.0.10'));
  growing.push('2001:db8::1', '10.96.5.7');
  t.is(destinations.classOfTable(growing, 2), fresh.destinations.classOf('10.96.5.7'));
  t.is(destinations.classOfTable(growing, 1), fresh.destinations.classOf('2001:db8::1'));
  t.not(destinations.classOfTable(growing, 1), -1);
});

test('address numbers are equal exactly when the address keys are, by text and by table row', (t) => {
  const ids = new AddressIds();
  const table = tableAddresses(99, 4000);
  const byKey = new Map<unknown, number>();
  const wrong: string[] = [];
  table.forEach((address, i) => {
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
