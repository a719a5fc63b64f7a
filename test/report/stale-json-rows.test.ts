/**
 * Stale entries written as bytes from their table's columns (staleEntryBytes) are the text JSON.stringify gives
 * their objects: over random tables of both families after endpoint churn (every stale kind, states, ports,
 * rows of other shapes that fall back), at the stale array's indent and at none, from files whose names need
 * JSON escapes and from ones that do not. The byte sink's numbers and strings are JSON.stringify's.
 */
import test from 'ava';
import { analyzeStale } from '../../src/analyses/stale/index';
import { staleListOf } from '../../src/analyses/stale/stale-list';
import { findSectionsInText } from '../../src/input/sections';
import { nodesOfInputs } from '../../src/model/node';
import { ByteSink } from '../../src/report/byte-sink';
import { entryJson, entryWriter } from '../../src/report/stale-json';
import { staleEntryBytes } from '../../src/report/stale-json-rows';
import { type GeneratedService, kubeProxyRuleset, serviceSpec as svc } from '../generators/kube-proxy-dump';
import { SMALL_NODE } from '../helpers/small-node';

const SERVICES4: GeneratedService[] = [
  svc('kube-system/kube-dns:dns', 'udp', '10.96.0.10', 53, [{ ip: '10.244.2.8', port: 53 }]),
  svc('shop/web:http', 'tcp', '10.96.0.20', 80, [{ ip: '10.244.1.20', port: 9090 }], { nodePort: 30020 }),
  svc('shop/empty:http', 'tcp', '10.96.0.30', 80, []),
];
const SERVICES6: GeneratedService[] = [
  svc('shop/web6:http', 'tcp', 'fd00:96::20', 80, [{ ip: 'fd00:244::20', port: 9090 }]),
  svc('shop/empty6:http', 'tcp', 'fd00:96::30', 80, []),
];

function random(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
}

/** Entries to the services, to their old endpoints and ports, to deleted services, never DNATed, and icmp and zoned rows. */
function tableOf(seed: number, entries: number): string {
  const rand = random(seed);
  const lines: string[] = [];
  for (let i = 0; i < entries; i++) {
    const v6 = rand(4) === 0;
    const client = v6 ? `fd00:244::${(1 + rand(4000)).toString(16)}` : `10.244.0.${1 + rand(250)}`;
    const sport = 1024 + rand(60000);
    const dst = v6
      ? ['fd00:96::20', 'fd00:96::30', 'fd00:96::40'][rand(3)]!
      : ['10.96.0.10', '10.96.0.20', '10.96.0.30', '10.96.0.40'][rand(4)]!;
    const dport = dst.endsWith('10') ? 53 : 80;
    const proto = dport === 53 ? 'udp' : 'tcp';
    const pod = v6 ? `fd00:244::${(1 + rand(30)).toString(16)}` : `10.244.1.${1 + rand(30)}`;
    const shape = rand(10);
    const [rsrc, rsport] = shape === 0 ? [dst, dport] : [pod, [53, 80, 8080, 9090][rand(4)]!];
    const zone = shape === 1 ? ' zone=3' : '';
    const state = proto === 'tcp' ? ` ${['ESTABLISHED', 'TIME_WAIT', 'SYN_SENT'][rand(3)]}` : '';
    const number = proto === 'tcp' ? 6 : 17;
    lines.push(
      `${v6 ? 'ipv6     10' : 'ipv4     2'} ${proto}      ${number} ${rand(86400)}${state} src=${client} dst=${dst} sport=${sport} dport=${dport} src=${rsrc} dst=${client} sport=${rsport} dport=${sport}${zone} mark=0 use=1`,
    );
    if (shape === 2)
      lines.push(
        `ipv4     2 icmp     1 29 src=10.244.0.${1 + rand(250)} dst=10.96.0.40 type=8 code=0 id=${rand(65536)} src=10.244.1.9 dst=10.244.0.9 type=0 code=0 id=${rand(65536)} mark=0 use=1`,
      );
  }
  return lines.join('\n');
}

function analysisOf(seed: number, path: string) {
  const rules4 = kubeProxyRuleset(SERVICES4, { clusterCidr: '10.244.0.0/16' });
  const rules6 = kubeProxyRuleset(SERVICES6, { clusterCidr: 'fd00:244::/64', family: 'ipv6' });
  const text = `${SMALL_NODE}\nroot@n1:~# iptables-save\n${rules4}\nroot@n1:~# ip6tables-save\n${rules6}\nroot@n1:~# conntrack -L -o extended\n${tableOf(seed, 400)}\n`;
  return analyzeStale(nodesOfInputs(findSectionsInText(text, path, 'n1').sections), { nodeIps: ['192.168.0.2'] });
}

for (const path of ['n1.txt', 'dumps/n1 "ü\\".txt']) {
  test(`entries written from the columns are their objects stringified (file ${path})`, (t) => {
    for (const seed of [1, 2, 3]) {
      const a = analysisOf(seed, path);
      const kinds = new Set(a.stale.map((s) => s.kind));
      t.true(kinds.size >= 3, `kinds: ${[...kinds].join(', ')}`);
      t.true(a.stale.some((s) => s.family === 'ipv6'));
      for (const indent of ['', '    ']) {
        let fallbacks = 0;
        const writer = entryWriter();
        const fallback = (s: (typeof a.stale)[number], i: string) => {
          fallbacks++;
          return writer(s, i);
        };
        const got = Buffer.concat([...staleEntryBytes(staleListOf(a), indent, fallback)]).toString('utf8');
        const expected = a.stale
          .map((s) => `\n${indent}${JSON.stringify(entryJson(s), null, 2).replaceAll('\n', `\n${indent}`)}`)
          .join(',');
        t.is(got, expected);
        // The columns write the plain rows: only zoned and icmp rows, or every row of an escaped file name, fall back.
        if (path === 'n1.txt') t.true(fallbacks < a.stale.length / 2, `${fallbacks} of ${a.stale.length} fell back`);
        else t.is(fallbacks, a.stale.length);
      }
    }
  });
}

test('the byte sink writes integers and strings as JSON.stringify does', (t) => {
  const rand = random(9);
  const alphabet = ['a', '1', ' ', '"', '\\', '\n', '\u0001', '\u007f', 'é', '€', '😀', '\ud800', '\udc00', '\u2028'];
  const values: (string | number)[] = [0, 9, 10, 65535, 4294967295, 2 ** 53 - 1, 1e21, -1];
  for (let i = 0; i < 500; i++) {
    values.push(rand(1e9));
    let s = '';
    for (let n = rand(90); n > 0; n--) s += alphabet[rand(alphabet.length)];
    values.push(s);
  }
  const sink = new ByteSink();
  for (const v of values) {
    if (typeof v === 'number') sink.integer(v);
    else sink.quoted(v);
    sink.text(',');
  }
  t.is(new TextDecoder().decode(sink.take()), values.map((v) => `${JSON.stringify(v)},`).join(''));
});
