/**
 * Stale entries written as bytes from their table's columns (staleEntryBytes) are the text JSON.stringify gives
 * their objects: over random tables of both families after endpoint churn (every stale kind, states, ports,
 * rows of other shapes that fall back), at the stale array's indent and at none, from files whose names need
 * JSON escapes and from ones that do not; and over a table made row by row with what readers never make
 * (addresses, names and verdicts that need escapes, lines beyond 31 bits, absent ports), across pieces. The digits and the test for escapes are JSON.stringify's.
 */
import test from 'ava';
import { analyzeStale } from '../../src/analyses/stale/index';
import { findSectionsInText } from '../../src/input/sections';
import { nodesOfInputs } from '../../src/model/node';
import type { TableOrigin } from '../../src/analyses/stale/conntrack-stale-entry';
import type { StaleVerdict } from '../../src/analyses/stale/conntrack-stale';
import { StaleList, staleListOf } from '../../src/analyses/stale/stale-list';
import { ConntrackColumns } from '../../src/model/conntrack-columns';
import { PieceBuffers, UINT_BYTES, plainInJson, putUint } from '../../src/report/byte-sink';
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
        // The columns write the plain rows, whatever the file's name: only zoned and icmp rows fall back.
        t.true(fallbacks < a.stale.length / 2, `${fallbacks} of ${a.stale.length} fell back`);
      }
    }
  });
}

/** A table made row by row, with addresses, states, protocols and verdicts the readers never make (escapes, long text). */
function oddList(): StaleList {
  const rand = random(5);
  const columns = new ConntrackColumns();
  const addresses = [
    '10.244.0.7',
    '10.96.0.10',
    'fd00:96::20',
    'fe80::1%eth0',
    '2001:db8:85a3:1234:5678:8a2e:370:7334',
    '10.0.0."1',
    'fe80::2%\\x',
    'adresse-é',
    '\u2028',
  ];
  const verdicts: StaleVerdict[] = [
    { verdict: 'stale', kind: 'endpoint-gone', service: 'a/b:http', now: ['10.244.9.9:80', '[fd00::9]:80'] },
    { verdict: 'stale', kind: 'endpoint-gone', service: 'a/b:http', now: ['"quoted":80'] },
    { verdict: 'stale', kind: 'no-endpoints', service: 'ns/we"ird\\:dns', now: [] },
    { verdict: 'stale', kind: 'no-endpoints', service: null, now: [] },
    { verdict: 'stale', kind: 'blackhole', service: 'x/y:é', now: ['10.1.1.1:53'] },
    { verdict: 'stale', kind: 'service-gone', service: null, now: [] },
  ];
  const origins: TableOrigin[] = [
    { columns, node: 'n1', file: 'n1.txt' },
    { columns, node: 'n"2', file: 'dir\\n2 ü.txt' },
  ];
  const list = new StaleList();
  for (let i = 0; i < 3000; i++) {
    const id = () => columns.addressId(addresses[rand(addresses.length)]!);
    const port = () => (rand(8) === 0 ? -1 : rand(70000) % 65536);
    const origSport = port();
    const origDport = port();
    const shape = rand(3);
    const origDstId = id();
    columns.push({
      line: rand(4) === 0 ? 0x80000000 + rand(1e6) : 1 + rand(1e6),
      family: rand(3) === 0 ? 'ipv6' : 'ipv4',
      protoNum: [6, 17, 132][rand(3)]!,
      timeout: rand(1000),
      state: [undefined, 'ESTABLISHED', 'TIME_WAIT'][rand(3)],
      origSrcId: id(),
      origDstId,
      replySrcId: shape === 0 ? origDstId : id(),
      replyDstId: id(),
      origSport,
      origDport,
      replySport: shape === 0 ? origDport : port(),
      replyDport: origSport,
      unreplied: false,
      status: 'ASSURED',
      mark: 0,
      use: 1,
    });
    list.pushRow(origins[rand(2)]!, columns.length - 1, verdicts[rand(verdicts.length)]!);
  }
  return list;
}

test('rows with odd addresses, ports, lines, names and verdicts are their objects stringified, across pieces', (t) => {
  const list = oddList();
  const entries = list.entries();
  const writer = entryWriter();
  let fallbacks = 0;
  for (const indent of ['', '    ']) {
    const pieces: Uint8Array[] = [];
    for (const piece of staleEntryBytes(list, indent, (s, i) => (fallbacks++, writer(s, i)))) pieces.push(piece);
    t.true(pieces.length > 3);
    const expected = entries
      .map((s) => `\n${indent}${JSON.stringify(entryJson(s), null, 2).replaceAll('\n', `\n${indent}`)}`)
      .join(',');
    t.is(Buffer.concat(pieces).toString('utf8'), expected);
  }
  // Escapes fall back; the plain addresses, ports, lines, states, node and file names do not.
  t.true(fallbacks > 0 && fallbacks < 2 * entries.length * 0.8, `${fallbacks} of ${entries.length * 2} fell back`);
});

test('integers are written as JSON.stringify writes them', (t) => {
  const rand = random(9);
  const values = [0, 9, 10, 99, 100, 65535, 99999, 100000, 2 ** 31 - 1, 2 ** 31, 4294967295, 2 ** 53 - 1];
  for (let i = 0; i < 2000; i++) values.push(rand(10 ** (1 + (i % 9))));
  const out = new Uint8Array(values.length * UINT_BYTES);
  let at = 0;
  for (const v of values) {
    at = putUint(out, at, v);
    out[at++] = 0x2c;
  }
  t.is(new TextDecoder().decode(out.subarray(0, at)), values.map((v) => `${JSON.stringify(v)},`).join(''));
});

test('text found plain in JSON is what JSON.stringify writes as itself, and what it escapes is not plain', (t) => {
  const rand = random(9);
  const alphabet = ['a', '1', ' ', '"', '\\', '\n', '\u0001', '\u007f', 'é', '€', '😀', '\ud800', '\udc00', '\u2028'];
  let plain = 0;
  for (let i = 0; i < 2000; i++) {
    let s = '';
    for (let n = rand(6); n > 0; n--) s += alphabet[rand(alphabet.length)];
    const itself = JSON.stringify(s) === `"${s}"`;
    if (plainInJson(s)) plain++;
    // Surrogate pairs are taken as needing escapes too: the fast path leaves them to JSON.stringify.
    t.true(plainInJson(s) ? itself : !itself || /[\ud800-\udfff]/.test(s), JSON.stringify(s));
  }
  t.true(plain > 100);
});

test('pieces written into buffers given back once written are the same bytes, in fewer buffers', (t) => {
  const list = oddList();
  const writer = entryWriter();
  const expected = Buffer.concat([...staleEntryBytes(list, '  ', writer)]);
  const buffers = new PieceBuffers();
  const copies: Buffer[] = [];
  const used = new Set<ArrayBufferLike>();
  for (const piece of staleEntryBytes(list, '  ', writer, buffers)) {
    // As stdout does: the bytes are taken, then the piece is given back.
    copies.push(Buffer.from(piece));
    used.add(piece.buffer);
    buffers.written(piece);
  }
  t.true(copies.length > 3);
  t.true(used.size < copies.length, `${used.size} buffers for ${copies.length} pieces`);
  t.deepEqual(Buffer.concat(copies), expected);
});
