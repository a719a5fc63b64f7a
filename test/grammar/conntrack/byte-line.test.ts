/**
 * The byte path against the text fast path, line by line: wherever readByteLine reads a line's bytes, the text
 * fast path reads the same line into the same row of the columns. The text path is the reference; the byte path
 * may only give up. Also: the byte path does read the plain lines big tables are made of.
 */
import test from 'ava';
import fc from 'fast-check';
import { readByteLine } from '../../../grammar/conntrack/byte-line';
import { LineFields, readFastLine } from '../../../grammar/conntrack/fast-line';
import { ConntrackColumns, rowFits } from '../../../src/model/conntrack-columns';
import type { ConntrackEntry } from '../../../src/model/conntrack';
import { busyConntrackLines, conntrackLines } from '../../generators/conntrack-table';
import { kubeProxyServices } from '../../generators/kube-proxy-dump';
import { fixtureFiles, readDump, sharedFiles } from '../../helpers/shared';
import { applyEdits, lineEdit } from '../../helpers/line-edits';

// One table each for all lines: a row is read back as its entry, addresses as their text.
const textColumns = new ConntrackColumns();
const textFields = new LineFields();
const byteColumns = new ConntrackColumns();
const byteFields = new LineFields();

/** The row the text fast path makes of the line, or undefined when it makes none (an object or the grammar's). */
function textRow(line: string): ConntrackEntry | undefined {
  if (!readFastLine(line, 0, line.length, 7, textFields)) return undefined;
  textFields.addTo(textColumns);
  const row = textColumns.length - 1;
  return textColumns.isObject(row) ? undefined : textColumns.entry(row);
}

/** The row the byte path makes of the line's UTF-8 bytes, or undefined when it leaves the line to the text path. */
function byteRow(line: string): ConntrackEntry | undefined {
  const bytes = new TextEncoder().encode(`x\n${line}\ny`);
  if (!readByteLine(bytes, 2, bytes.length - 2, 7, byteFields) || !rowFits(byteFields, byteColumns)) return undefined;
  byteFields.addTo(byteColumns);
  return byteColumns.entry(byteColumns.length - 1);
}

const files = [
  ...fixtureFiles(/^(conntrack-[LE]|proc-net-nf_conntrack)/),
  ...sharedFiles('captures', /^(conntrack-[LE]|proc-net-nf_conntrack)/),
  ...sharedFiles('realworld', /conntrack/),
];
const captured = files.flatMap((rel) => readDump(rel).split('\n'));
const busy = [
  ...busyConntrackLines(kubeProxyServices({ services: 30 }), 3000, { nodeIp: '192.168.0.2', clients: 500 }),
];
/** Addresses written every way, most of which only the text path reads (or nothing does). */
const spellings = [
  '10.0.0.1',
  '010.0.0.1',
  '10.0.0.01',
  '10.0.0.0',
  '0.0.0.0',
  '255.255.255.255',
  '256.0.0.1',
  '1.2.3',
];
const oddlyWritten = spellings.flatMap((a) =>
  spellings.map(
    (b) =>
      `tcp      6 117 ESTABLISHED src=${a} dst=${b} sport=1 dport=80 src=${b} dst=${a} sport=80 dport=1 [ASSURED] mark=0 use=1`,
  ),
);
const tables = [...conntrackLines(5000, 3), ...busy];
const generated = [...tables, ...oddlyWritten];

test('on every captured and generated line the byte path reads the row the text path reads, or gives up', (t) => {
  let read = 0;
  for (const line of [...captured, ...generated]) {
    const row = byteRow(line);
    if (!row) continue;
    read++;
    t.deepEqual(row, textRow(line), line);
  }
  t.true(read > 7000, `${read} lines read`);
});

test('the byte path reads every plain IPv4 row of the generated and captured tables', (t) => {
  const plain = [...captured, ...tables].filter((l) => textRow(l) && !l.includes(':'));
  t.true(plain.length > 7000, `${plain.length} plain lines`);
  t.deepEqual(
    plain.filter((l) => !byteRow(l)),
    [],
  );
});

/** Small edits of real lines, with the characters pastes and terminals bring. */
const edit = lineEdit(
  [
    '\t',
    ' ',
    '    ',
    '\r',
    '\x1b[0m',
    '=',
    '0',
    '00',
    '9',
    '999999999999',
    'x',
    'A',
    ':',
    '.',
    '[',
    ']',
    '<br/>',
    '&gt;',
    '|',
    '\\n',
    'src=',
    'dst=',
    ' sport=1',
    ' dport=2',
    'id=1',
    ' zone=2',
    ' mark=x',
    ' packets=1 bytes=2',
    '[ASSURED]',
    '[HW_OFFLOAD]',
    ' [UNREPLIED]',
    '\u00a0',
    'ä',
    'ipv4     2 ',
    'ipv6     10 ',
  ],
  [
    ' id=3',
    ' zone=2',
    ' mark=4294967295',
    ' mark=4294967296',
    ' use=1',
    ' use=',
    ' [OFFLOAD]',
    ' [UNREPLIED]',
    '\r',
    '  ',
    ' src=10.0.0.1',
  ],
);

test('on edited lines too the byte path reads the row the text path reads, or gives up (property)', (t) => {
  const lines = [...captured.filter((l) => l.includes('src=')), ...generated.slice(0, 300), ...busy.slice(0, 300)];
  let read = 0;
  fc.assert(
    fc.property(fc.constantFrom(...lines), fc.array(edit, { minLength: 1, maxLength: 4 }), (original, edits) => {
      const line = applyEdits(original, edits);
      const row = byteRow(line);
      if (!row) return true;
      read++;
      t.deepEqual(row, textRow(line), line);
      return true;
    }),
    { numRuns: 8000, seed: 19 },
  );
  t.true(read > 300, `${read} edited lines read by the byte path`);
});

test('a line the byte path reads has no byte that the input layer would change or strip', (t) => {
  const lines = [...captured, ...generated].filter((l) => byteRow(l));
  t.deepEqual(
    lines.filter((l) => /^\s|[^\x20-\x7e]|[<>&\\|]/.test(l)),
    [],
  );
  for (const bad of [
    '    tcp      6 1 src=1.1.1.1 dst=2.2.2.2 src=2.2.2.2 dst=1.1.1.1',
    'tcp 6 1 src=1.1.1.1 dst=2.2.2.2 src=2.2.2.2 dst=1.1.1.1\r',
  ])
    t.is(byteRow(bad), undefined, bad);
});

test('a line cut anywhere, the rest of its bytes still beyond the cut, is read as the text path reads the cut line, or left', (t) => {
  let read = 0;
  for (const line of [...busy.slice(0, 40), ...captured.filter((l) => l.includes('src=')).slice(0, 40)]) {
    const bytes = new TextEncoder().encode(line);
    for (let cut = 1; cut <= bytes.length; cut++) {
      if (!readByteLine(bytes, 0, cut, 7, byteFields) || !rowFits(byteFields, byteColumns)) continue;
      byteFields.addTo(byteColumns);
      read++;
      const cutLine = new TextDecoder().decode(bytes.subarray(0, cut));
      t.deepEqual(byteColumns.entry(byteColumns.length - 1), textRow(cutLine), cutLine);
    }
  }
  t.true(read > 40, `${read} cut lines read`);
});
