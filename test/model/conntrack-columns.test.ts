/**
 * A conntrack table read into columns gives back, row by row, the entry the fast path makes of the line, and
 * the stale analysis's row reader (EntryRow) reads the same tuple fields from a column row as from an entry
 * object. Over every captured, kernel-made and generated line, plain ones (columns) and others (objects) alike.
 */
import test from 'ava';
import { seeded } from '../generators/trace-ruleset';
import { EntryRow } from '../../src/analyses/stale/entry-row';
import { ConntrackColumns, columnsOf, entriesOf } from '../../src/model/conntrack-columns';
import { LineFields, fastEntry, readFastLine } from '../../grammar/conntrack/fast-line';
import type { ConntrackEntry } from '../../src/model/conntrack';
import { busyConntrackLines, conntrackLines } from '../generators/conntrack-table';
import { kubeProxyServices } from '../generators/kube-proxy-dump';
import { fixtureFiles, readDump, sharedFiles } from '../helpers/shared';

const files = [
  ...fixtureFiles(/^(conntrack-[LE]|proc-net-nf_conntrack)/),
  ...sharedFiles('captures', /^(conntrack-[LE]|proc-net-nf_conntrack)/),
  ...sharedFiles('realworld', /conntrack/),
];
const lines = [
  ...files.flatMap((rel) => readDump(rel).split('\n')),
  ...conntrackLines(3000, 11),
  ...busyConntrackLines(kubeProxyServices({ services: 50 }), 3000, { nodeIp: '192.168.0.2' }),
];

function table(): { columns: ConntrackColumns; expected: ConntrackEntry[] } {
  const columns = new ConntrackColumns();
  const fields = new LineFields();
  const expected: ConntrackEntry[] = [];
  lines.forEach((line, i) => {
    const entry = fastEntry(line, 0, line.length, i + 1);
    if (!entry) return;
    if (!readFastLine(line, 0, line.length, i + 1, fields)) throw new Error(`read once, not twice: ${line}`);
    fields.addTo(columns);
    expected.push(entry);
  });
  return { columns, expected };
}

test('every row of the columns is the entry the fast path makes of its line; most rows are columns, not objects', (t) => {
  const { columns, expected } = table();
  t.is(columns.length, expected.length);
  const entries = entriesOf(columns);
  t.is(entries.length, expected.length);
  t.deepEqual([...entries], expected);
  t.is(JSON.stringify(entries), JSON.stringify(expected));
  let objects = 0;
  for (let i = 0; i < columns.length; i++) if (columns.isObject(i)) objects++;
  t.true(objects > 0 && objects < columns.length / 2, `${objects} object rows of ${columns.length}`);
});

test('the stale row reader reads the same tuples from column rows and from entry objects', (t) => {
  const { columns, expected } = table();
  const asObjects = columnsOf(expected);
  const a = new EntryRow();
  const b = new EntryRow();
  for (let i = 0; i < columns.length; i++) {
    a.load(columns, i);
    b.load(asObjects, i);
    const e = expected[i]!;
    t.deepEqual({ ...a.orig }, { ...b.orig });
    t.deepEqual({ ...a.reply }, { ...b.reply });
    t.is(a.proto, e.proto);
    t.is(a.family, e.family);
    t.is(a.rewritten(), e.reply.src !== e.orig.dst || e.reply.sport !== e.orig.dport);
    t.is(columns.line(i), e.line);
    t.is(columns.state(i), e.state);
  }
});

test('lines, marks, use counts, reply ports and timeouts that differ from their neighbours are kept, in any block and after any run of plain rows', (t) => {
  // Three blocks of rows: the first plain (consecutive lines, mark=0, use=1), the second with a gap in the
  // lines, a mark and a use count part-way through, the third with them on its first row.
  const plain = [...busyConntrackLines(kubeProxyServices({ services: 50 }), 40_000, { nodeIp: '192.168.0.2' })].slice(
    1,
  );
  const columns = new ConntrackColumns();
  const fields = new LineFields();
  const expected: ConntrackEntry[] = [];
  let line = 1;
  plain.forEach((text, i) => {
    let row = text;
    if (i === 20_000 || i === 2 * 16_384) line += 3;
    if (i === 20_001 || i === 2 * 16_384) row = row.replace(' mark=0 ', ' mark=7 ');
    if (i === 20_002 || i === 2 * 16_384) row = row.replace(' use=1', ' use=3');
    // Port SNAT: the reply's destination port is not the original's source port.
    if (i === 20_003 || i === 2 * 16_384 + 1) row = row.replace(/ dport=\d+( \[| mark)/, ' dport=4242$1');
    // Lines too far apart for a 16-bit offset within a block, and lines going back (a JSON string's own lines).
    if (i === 20_004) line += 70_000;
    if (i === 20_005) line -= 5;
    // Timeouts beyond 3 bytes.
    if (i === 20_006 || i === 2 * 16_384 + 2) row = row.replace(/^(\S+ +\d+ )\d+/, '$14294967295');
    t.true(readFastLine(row, 0, row.length, line, fields));
    fields.addTo(columns);
    expected.push(fastEntry(row, 0, row.length, line)!);
    line++;
  });
  t.is(expected.filter((e) => e.mark === 7).length, 2);
  t.is(expected.filter((e) => e.use === 3).length, 2);
  t.is(expected.filter((e) => e.reply.dport === 4242).length, 2);
  t.is(expected.filter((e) => e.timeout === 4294967295).length, 2);
  t.deepEqual([...entriesOf(columns)], expected);
  for (let i = 0; i < columns.length; i++) if (columns.line(i) !== expected[i]!.line) t.fail(`row ${i}`);
});

test('random tables with oddly written addresses: every row is the entry of its line, each address text once (property)', (t) => {
  const next = seeded(30);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const quad = () => `10.${Math.floor(next() * 3)}.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}`;
  const odd = [
    '10.0.0.1',
    '010.0.0.1',
    '10.0.0.01',
    '0.0.0.0',
    '255.255.255.255',
    '2001:db8::1',
    '2001:0db8:0000:0000:0000:0000:0000:0001',
    '2001:DB8::1',
    '::ffff:10.0.0.1',
  ];
  const address = () => (next() < 0.15 ? pick(odd) : quad());
  const columns = new ConntrackColumns();
  const fields = new LineFields();
  const expected: ConntrackEntry[] = [];
  for (let line = 1; line <= 20_000; line++) {
    const a = address();
    const b = address();
    const nat = next() < 0.3 ? address() : b;
    const text = `${pick(['tcp      6 117 ESTABLISHED', 'udp      17 29', 'ipv4     2 tcp      6 431999 ESTABLISHED'])} src=${a} dst=${b} sport=${Math.floor(next() * 65_536)} dport=80 src=${nat} dst=${next() < 0.9 ? a : address()} sport=8080 dport=${Math.floor(next() * 65_536)}${pick(['', ' [ASSURED]', ' [UNREPLIED]'])} mark=0 use=1`;
    const entry = fastEntry(text, 0, text.length, line);
    if (!entry) continue;
    t.true(readFastLine(text, 0, text.length, line, fields));
    fields.addTo(columns);
    expected.push(entry);
  }
  t.true(expected.length > 15_000, `${expected.length} lines read`);
  t.deepEqual([...entriesOf(columns)], expected);
  const texts = Array.from({ length: columns.addresses.length }, (_, i) => columns.addresses.textOf(i));
  t.is(new Set(texts).size, texts.length);
  for (let i = 0; i < columns.length; i++) {
    const e = expected[i]!;
    if (
      columns.addresses.textOf(columns.origSrcId(i)) !== e.orig.src ||
      columns.addresses.textOf(columns.replySrcId(i)) !== e.reply.src ||
      columns.addresses.textOf(columns.replyDstId(i)) !== e.reply.dst
    )
      t.fail(`row ${i}`);
  }
  t.true(texts.includes('010.0.0.1') && texts.includes('10.0.0.1'));
});

test('a port beyond 16 bits is kept as written, in an object row', (t) => {
  const columns = new ConntrackColumns();
  const fields = new LineFields();
  const text =
    'tcp      6 117 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=70000 dport=80 src=10.0.0.2 dst=10.0.0.1 sport=80 dport=70000 [ASSURED] mark=0 use=1';
  t.true(readFastLine(text, 0, text.length, 1, fields));
  fields.addTo(columns);
  t.true(columns.isObject(0));
  t.is(columns.entry(0).orig.sport, 70_000);
  t.is(columns.entry(0).reply.dport, 70_000);
});
