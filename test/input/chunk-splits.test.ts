/**
 * A source is read in pieces of any size (a file in 64 KB reads, a pipe in whatever it gives, an archive
 * member in its blocks): cut anywhere, even inside a character or between CR and LF, it must give the same
 * sections, entries, diagnostics and skipped lines as the whole text.
 */
import { Readable } from 'node:stream';
import test from 'ava';
import { decode } from '../../src/input/archives';
import { findSectionsInSources, findSectionsInText } from '../../src/input/text-sections';
import type { FoundSections } from '../../src/model/section';
import { busyConntrackLines } from '../generators/conntrack-table';
import { kubeProxyServices } from '../generators/kube-proxy-dump';

const table = [...busyConntrackLines(kubeProxyServices({ services: 20 }), 900, { nodeIp: '192.168.0.2' })];
// Lines the reader rejects, with characters of two, three and four bytes where the column it names is: the first
// in the aligner's first 64 KB chunk, the others in later ones.
const bad = [
  'tcp      6 117 ESTABLISHED src=10.1.1.1 dst=10.2.2.2 sport=é5 dport=80 src=10.2.2.2 dst=10.1.1.1 sport=80 dport=5',
  'udp      17 29 src=10.1.1.€ dst=10.2.2.2 sport=53 dport=53 src=10.2.2.2 dst=10.1.1.1 sport=53 dport=53 mark=0 use=1',
  'tcp      6 86399 ESTABLISHED src=10.1.1.1 dst=10.2.2.2 sport=1 dport=😀 src=10.2.2.2 dst=10.1.1.1 [ASSURED] use=1',
];
const lines = [...table.slice(0, 100), bad[0]!, ...table.slice(100, 540), bad[1]!, ...table.slice(540), bad[2]!];
const text = `${lines.join('\r\n')}\r\n`;
const bytes = Buffer.from(text, 'utf8');

const PATH = 'node-1/conntrack-L.txt';
const whole = findSectionsInText(text, PATH, 'node-1');

async function inPieces(sizes: (i: number) => number): Promise<FoundSections> {
  const pieces: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes(i));
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return findSectionsInSources(
    (async function* () {
      yield { path: PATH, node: 'node-1', chunks: () => decode(Readable.from(pieces)) };
    })(),
  );
}

const seen = (found: FoundSections) =>
  JSON.stringify({ sections: found.sections, skipped: found.skipped, failures: found.failures });

/** Byte offsets where a cut is awkward: inside each multibyte character, between each CR and LF near the 64 KB cut. */
function awkwardOffsets(): number[] {
  const at: number[] = [];
  for (const line of bad) {
    const start = bytes.indexOf(Buffer.from(line, 'utf8'));
    for (const ch of ['é', '€', '😀']) {
      const i = line.indexOf(ch);
      if (i < 0) continue;
      const offset = start + Buffer.byteLength(line.slice(0, i));
      for (let k = 1; k < Buffer.byteLength(ch); k++) at.push(offset + k);
    }
  }
  for (let i = bytes.indexOf('\r\n', 65_000); i >= 0 && i < 66_500; i = bytes.indexOf('\r\n', i + 2)) at.push(i + 1);
  at.push(65_535, 65_536, 65_537, 131_072);
  return at;
}

test('the table is read whole, with its three bad lines named by line and column', (t) => {
  t.true(bytes.length > 2 * 65_536, `${bytes.length} bytes: the aligner must cut it`);
  const [section, ...more] = whole.sections;
  t.is(more.length, 0);
  t.is(section?.kind, 'conntrack');
  const errors = section!.diagnostics.filter((d) => d.severity === 'error');
  t.deepEqual(
    errors.map((d) => d.line),
    [101, 542, lines.length],
  );
  t.true(errors.every((d) => d.column > 1));
});

test('cut once at every awkward place (inside a character, between CR and LF, at 64 KB), the same as whole', async (t) => {
  const expected = seen(whole);
  for (const cut of awkwardOffsets())
    t.is(seen(await inPieces((i) => (i === 0 ? cut : bytes.length))), expected, `cut at ${cut}`);
});

test('in pieces of 1, 2, 3, 5 and 4093 bytes, and byte by byte, the same as whole', async (t) => {
  const expected = seen(whole);
  const cycle = [1, 2, 3, 5, 4093];
  t.is(seen(await inPieces((i) => cycle[i % cycle.length]!)), expected);
  t.is(seen(await inPieces(() => 1)), expected);
});

/** A line of a table whose addresses are written every way conntrack and /proc write them, and some they do not. */
const oddTable = (() => {
  const spellings = [
    '10.0.0.1',
    '010.0.0.1',
    '10.0.0.01',
    '192.168.0.2',
    '2001:db8::1',
    '2001:0db8:0000:0000:0000:0000:0000:0001',
    '2001:DB8::1',
    'fd00::a:1',
    '::ffff:10.0.0.1',
  ];
  const out: string[] = [];
  for (let i = 0; i < 18; i++) {
    const a = spellings[i % spellings.length]!;
    const b = spellings[(i * 7 + 3) % spellings.length]!;
    const nat = i % 4 === 0 ? spellings[(i + 5) % spellings.length]! : b;
    out.push(
      `tcp      6 ${100 + i} ESTABLISHED src=${a} dst=${b} sport=${40_000 + i} dport=80 src=${nat} dst=${a} sport=8080 dport=${40_000 + i} [ASSURED] mark=0 use=1`,
    );
  }
  return `${out.join('\n')}\n`;
})();

test('a table of oddly written addresses, cut once at every byte, the same as whole', async (t) => {
  const oddBytes = Buffer.from(oddTable, 'utf8');
  const expected = seen(findSectionsInText(oddTable, PATH, 'node-1'));
  t.true(expected.includes('"010.0.0.1"') && expected.includes('"2001:db8::1"'));
  for (let cut = 1; cut < oddBytes.length; cut++) {
    const pieces = [oddBytes.subarray(0, cut), oddBytes.subarray(cut)];
    const found = await findSectionsInSources(
      (async function* () {
        yield { path: PATH, node: 'node-1', chunks: () => decode(Readable.from(pieces)) };
      })(),
    );
    if (seen(found) !== expected) t.fail(`cut at ${cut}`);
  }
});
