/**
 * The hand-written fast path against the chevrotain grammar, line by line: wherever the fast path reads a
 * line, the grammar reads the same entry from it without a warning. The grammar is the reference; the fast
 * path may only give up. Also: the fast path does read the listings big tables come in, so the speed it is
 * there for does not quietly go away.
 */
import { isDeepStrictEqual } from 'node:util';
import test from 'ava';
import fc from 'fast-check';
import { decodeEntry } from '../../../grammar/conntrack/decode';
import { isProblem } from '../../../grammar/shared/problem';
import { fastEntry } from '../../../grammar/conntrack/fast-line';
import { parseConntrackChunk } from '../../../grammar/conntrack/parser';
import { canonicalAddress, isPlainIpv6 } from '../../../grammar/shared/address';
import type { ConntrackEntry } from '../../../src/model/conntrack';
import { conntrackLines } from '../../generators/conntrack-table';
import { fixtureFiles, readDump, sharedAvailable, sharedFiles } from '../../helpers/shared';
import { applyEdits, lineEdit } from '../../helpers/line-edits';

/** What the grammar alone makes of one line: an entry with no warning, or nothing. */
function grammarEntry(line: string): ConntrackEntry | undefined {
  let result: ConntrackEntry | undefined;
  parseConntrackChunk({ text: `${line}\n`, firstLine: 1 }, (tokens, lineNo, lineStart) => {
    if (tokens.length === 0) return true;
    let warned = false;
    const decoded = decodeEntry(tokens, lineNo, lineStart, () => {
      warned = true;
    });
    if (!isProblem(decoded) && !warned) result = decoded;
    return true;
  });
  return result;
}

const fast = (line: string) => fastEntry(line, 0, line.length, 1);

const files = [
  ...fixtureFiles(/^(conntrack-[LE]|proc-net-nf_conntrack)/),
  ...sharedFiles('captures', /^(conntrack-[LE]|proc-net-nf_conntrack)/),
  ...sharedFiles('realworld', /conntrack/),
];
const captured = files.flatMap((rel) =>
  readDump(rel)
    .split('\n')
    .map((line) => ({ rel, line })),
);
const generated = [...conntrackLines(5000, 7)];

test('on every captured and generated line the fast path reads what the grammar reads, or gives up', (t) => {
  let read = 0;
  for (const { rel, line } of [...captured, ...generated.map((line) => ({ rel: 'generated', line }))]) {
    const entry = fast(line);
    if (!entry) continue;
    read++;
    t.deepEqual(entry, grammarEntry(line), `${rel}: ${line}`);
  }
  t.true(read > generated.length, `${read} lines read`);
});

test('the fast path reads every entry of plain, extended, id, accounting and /proc listings', (t) => {
  const fixtures = [
    'conntrack-L.txt',
    'conntrack-L-o-extended.txt',
    'conntrack-L-o-id.txt',
    'proc-net-nf_conntrack.txt',
  ].map((f) => `fixtures/${f}`);
  const captures = [
    'conntrack-L.txt',
    'conntrack-L-o-extended.txt',
    'conntrack-L-o-id.txt',
    'conntrack-L-f-ipv6.txt',
    'conntrack-L-p-tcp-n.txt',
    'proc-net-nf_conntrack.txt',
  ].map((f) => `captures/${f}`);
  for (const rel of [...fixtures, ...(sharedAvailable ? captures : [])]) {
    // /proc's gre lines (`timeout=30, stream_timeout=180`) are rare and left to the grammar.
    const lines = readDump(rel)
      .split('\n')
      .filter((l) => grammarEntry(l) && !l.includes(' stream_timeout='));
    t.true(lines.length > 0, rel);
    t.deepEqual(
      lines.filter((l) => !fast(l)),
      [],
      rel,
    );
  }
  t.deepEqual(
    generated.filter((l) => grammarEntry(l) && !fast(l)),
    [],
  );
});

/** Small edits of real lines: what a paste, a terminal or a truncated file does to them. */
const edit = lineEdit(
  [
    '\t',
    ' ',
    '\r',
    '\f',
    '=',
    '0',
    '9',
    'x',
    'A',
    'f',
    ':',
    '::',
    '.',
    '[',
    ']',
    'src=',
    'id=1',
    ' id=3',
    ' zone=2',
    ' mark=x',
    ' packets=1 bytes=2',
    '[ASSURED]',
    ' [UNREPLIED]',
    '\u00a0',
    'ä',
  ],
  [
    ' id=3',
    ' zone=2',
    ' secmark=0',
    ' mark=4294967295',
    ' packets=1 bytes=2',
    ' use=1',
    ' [ASSURED]',
    ' [OFFLOAD]',
    ' [UNREPLIED]',
    '\r',
    '  ',
    ' mark=',
    ' bytes=1',
  ],
);

test('on edited lines too the fast path reads what the grammar reads, or gives up (property)', (t) => {
  const lines = [...captured.map((c) => c.line).filter((l) => l.includes('src=')), ...generated.slice(0, 200)];
  let read = 0;
  fc.assert(
    fc.property(fc.constantFrom(...lines), fc.array(edit, { minLength: 1, maxLength: 4 }), (original, edits) => {
      const line = applyEdits(original, edits);
      const entry = fast(line);
      if (entry) read++;
      return entry === undefined || isDeepStrictEqual(entry, grammarEntry(line));
    }),
    { numRuns: 6000, seed: 11 },
  );
  // Many edits leave a line readable (a digit more, a field added or cut off): those are the cases that count.
  t.true(read > 500, `${read} edited lines read by the fast path`);
});

test('an IPv6 address the fast path keeps as printed is one canonicalAddress keeps as printed (property)', (t) => {
  const text = fc.oneof(
    fc.string({ unit: fc.constantFrom('0', '1', '9', 'a', 'f', 'F', 'g', ':', ':', ':', '.', '%'), maxLength: 24 }),
    fc
      .constantFrom('fd00:244::8e94', '2001:db8::1', '::', '::1', '1:2:3:4:5:6:7:8', 'fe80::1%eth0', '::ffff:10.0.0.1')
      .chain((a) =>
        fc
          .tuple(fc.nat(a.length), fc.nat(3), fc.constantFrom('', '0', ':', '::', 'a', '0a'))
          .map(([at, cut, add]) => a.slice(0, at) + add + a.slice(at + cut)),
      ),
  );
  let plain = 0;
  fc.assert(
    fc.property(text, (a) => {
      if (!isPlainIpv6(a, 0, a.length)) return true;
      plain++;
      return canonicalAddress(a) === a;
    }),
    { numRuns: 20000, seed: 5 },
  );
  t.true(plain > 1000, `${plain} plain addresses`);
});
