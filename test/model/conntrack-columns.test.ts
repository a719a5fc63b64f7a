/**
 * A conntrack table read into columns gives back, row by row, the entry the fast path makes of the line, and
 * the stale analysis's row reader (EntryRow) reads the same tuple fields from a column row as from an entry
 * object. Over every captured, kernel-made and generated line, plain ones (columns) and others (objects) alike.
 */
import test from 'ava';
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

test('lines, marks and use counts that differ from their neighbours are kept, in any block and after any run of plain rows', (t) => {
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
    t.true(readFastLine(row, 0, row.length, line, fields));
    fields.addTo(columns);
    expected.push(fastEntry(row, 0, row.length, line)!);
    line++;
  });
  t.is(expected.filter((e) => e.mark === 7).length, 2);
  t.is(expected.filter((e) => e.use === 3).length, 2);
  t.deepEqual([...entriesOf(columns)], expected);
  for (let i = 0; i < columns.length; i++) if (columns.line(i) !== expected[i]!.line) t.fail(`row ${i}`);
});
