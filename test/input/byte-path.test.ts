/**
 * A source read as bytes (files, standard input) against the same source read as text: the same sections,
 * entries, diagnostics (line and column), skipped lines and partial marks, whatever the bytes hold around a big
 * conntrack table and however they are cut. The text path is the reference; the byte path reads the plain lines
 * of a conntrack dump itself and must hand everything else back. Also: it does read them, so the speed it is there
 * for does not quietly go away.
 */
import { Readable } from 'node:stream';
import test from 'ava';
import { ConntrackReader } from '../../grammar/conntrack/index';
import { decode } from '../../src/input/archives';
import { findSectionsInSources, findSectionsInText } from '../../src/input/text-sections';
import type { FoundSections } from '../../src/model/section';
import { busyConntrackLines, conntrackLines } from '../generators/conntrack-table';
import { kubeProxyDump, kubeProxyServices } from '../generators/kube-proxy-dump';
import { fixtureFiles, readDump, sharedFiles } from '../helpers/shared';

const PATH = 'node-1/conntrack-L.txt';
const table = [
  ...busyConntrackLines(kubeProxyServices({ services: 20 }), 1800, { nodeIp: '192.168.0.2', clients: 400 }),
];
const mixed = [...conntrackLines(1500, 5)];

/** Lines the byte path must leave to the text path, each with what the text path does with it. */
const odd = [
  'tcp      6 117 ESTABLISHED src=2001:db8::1 dst=2001:db8::2 sport=1 dport=80 src=2001:db8::2 dst=2001:db8::1 sport=80 dport=1 [ASSURED] mark=0 use=1',
  'icmp     1 29 src=10.1.1.1 dst=10.2.2.2 type=8 code=0 id=7 src=10.2.2.2 dst=10.1.1.1 type=0 code=0 id=7 mark=0 use=1',
  'tcp      6 117 ESTABLISHED src=10.1.1.1 dst=10.2.2.2 sport=é5 dport=80 src=10.2.2.2 dst=10.1.1.1 sport=80 dport=5',
  'udp      17 29 src=010.1.1.1 dst=10.2.2.2 sport=53 dport=53 src=10.2.2.2 dst=10.1.1.1 sport=53 dport=53 mark=0 use=1',
  'tcp      6 99999999999 ESTABLISHED src=10.1.1.1 dst=10.2.2.2 sport=1 dport=80 src=10.2.2.2 dst=10.1.1.1 sport=80 dport=1 mark=0 use=1',
  'tcp      6 117 ESTABLISHED src=10.1.1.1 dst=10.2.2.2 sport=1 dport=80 src=10.2.2.2 dst=10.1.1.1 sport=80 dport=1 zone=3 use=1',
  'tcp      6 117 ESTABLISHED src=10.1.1.1 dst=10.2.2.2 sport=1 dport=80 src=10.2.2.2 dst=10.1.1.1 sport=80 dport=1 [ASSURED] mark=0 use=1\r',
  'tcp      6 117 BOGUS src=10.1.1.1 dst=10.2.2.2 sport=1 dport=80 src=10.2.2.2 dst=10.1.1.1 sport=80 dport=1 mark=0 use=1',
  'tcp      6 117 ESTABLISHED src=10.1.1.1 dst=10.2.2.2 sport=1 dport=80 src=10.2.2.2 dst=10.1.1.1 sport=80 dport=1 mark=0 use=1 &amp;',
  'tcp\u00a0     6 117 ESTABLISHED src=10.1.1.1 dst=10.2.2.2 sport=1 dport=80 src=10.2.2.2 dst=10.1.1.1 sport=80 dport=1',
  'udp      17 29 src=10.1.1.1 dst=10.2.2.2 sport=53 dport=53 src=10.2.2.2 dst=10.1.1.1 sport=53 dport=53 mark=0 use=1<br/>',
  '',
  '    tcp      6 117 ESTABLISHED src=10.1.1.1 dst=10.2.2.2 sport=1 dport=80 src=10.2.2.2 dst=10.1.1.1 sport=80 dport=1',
  '    udp      17 29 src=10.1.1.1 dst=10.2.2.2 sport=53 dport=53 src=10.2.2.2 dst=10.1.1.1 sport=53 dport=53',
  'conntrack v1.4.7 (conntrack-tools): something odd happened',
];

/** The busy table with the odd lines strewn through it, then prose, a prompt and an iptables dump, and a partial listing. */
function messyTable(): string {
  const lines: string[] = [];
  table.forEach((line, i) => {
    lines.push(line);
    if (i % 97 === 50) lines.push(odd[(i / 97) % odd.length | 0]!);
    // A blank line ending a run of lines read as text, lines read as bytes, then an indented prompt: no code block,
    // so the prompt is no prompt.
    if (i === 1300) lines.push(odd[7]!, '');
    if (i === 1303) lines.push('    [root@node-1 ~]# conntrack -L');
  });
  lines.push(
    'That was the table. Now the rules:',
    '[root@node-1 ~]# iptables-save -t nat',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    '-A PREROUTING -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination 192.168.0.2:6443',
    'COMMIT',
    '[root@node-1 ~]# conntrack -L | grep 10.244.',
    ...table.slice(0, 900),
    ...mixed,
    'conntrack v1.4.7 (conntrack-tools): 2400 flow entries have been shown.',
    table[5]!.slice(0, 60),
  );
  return lines.join('\n');
}

const seen = (found: FoundSections) =>
  JSON.stringify({ sections: found.sections, skipped: found.skipped, failures: found.failures }, (_, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v,
  );

/** Counts the lines the conntrack reader read as bytes, while `run` runs. */
async function bytesReadDuring(run: () => Promise<void>): Promise<number> {
  const original = ConntrackReader.prototype.readBytes;
  let lines = 0;
  ConntrackReader.prototype.readBytes = function (this: ConntrackReader, ...args) {
    const read = original.apply(this, args);
    lines += read.lines;
    return read;
  };
  try {
    await run();
  } finally {
    ConntrackReader.prototype.readBytes = original;
  }
  return lines;
}

function piecesOf(bytes: Uint8Array, sizes: (i: number) => number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes(i));
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return pieces;
}

/** The text as the CLI reads a file: its bytes when `asBytes`, else its decoded text. */
function read(pieces: Uint8Array[], asBytes: boolean): Promise<FoundSections> {
  return findSectionsInSources(
    (async function* () {
      yield {
        path: PATH,
        node: 'node-1',
        chunks: () => decode(Readable.from(pieces)),
        ...(asBytes ? { bytes: () => Readable.from(pieces) } : {}),
      };
    })(),
  );
}

const CUTS: readonly [string, (i: number) => number][] = [
  ['64 KB reads', () => 65_536],
  ['reads of 4093 bytes', () => 4093],
  ['reads of 100,000 bytes', () => 100_000],
  ['uneven reads', (i) => [65_536, 1, 70_001, 3, 30_000, 131_072][i % 6]!],
];
/** With reads as a pipe may give them, cut inside every line (slower: only for the tables below). */
const ALL_CUTS = [...CUTS, ['reads of 1, 2, 3 and 5 bytes', (i: number) => [1, 2, 3, 5][i % 4]!] as const];

async function sameAsText(
  t: import('ava').ExecutionContext,
  text: string,
  what: string,
  cuts: readonly (readonly [string, (i: number) => number])[] = CUTS,
): Promise<number> {
  const bytes = new TextEncoder().encode(text);
  const expected = seen(findSectionsInText(text, PATH, 'node-1'));
  let byBytes = 0;
  for (const [name, sizes] of cuts) {
    const pieces = piecesOf(bytes, sizes);
    t.is(seen(await read(pieces, false)), expected, `${what}, ${name}, as text`);
    let found: FoundSections | undefined;
    byBytes += await bytesReadDuring(async () => {
      found = await read(pieces, true);
    });
    t.is(seen(found!), expected, `${what}, ${name}, as bytes`);
  }
  return byBytes;
}

test('a busy table as bytes: the same as text, and read as bytes nearly whole', async (t) => {
  const text = `${table.join('\n')}\n`;
  const byBytes = await sameAsText(t, text, 'busy table', ALL_CUTS);
  // Each cut reads the first 64 KB as text; the rest as bytes.
  t.true(byBytes > ALL_CUTS.length * (table.length - 700), `${byBytes} lines read as bytes`);
});

test('a table with odd lines, another dump, a partial listing and a cut last line: the same as text', async (t) => {
  const text = messyTable();
  const byBytes = await sameAsText(t, text, 'messy table', ALL_CUTS);
  t.true(byBytes > ALL_CUTS.length * 1000, `${byBytes} lines read as bytes`);
  const found = findSectionsInText(text, PATH, 'node-1');
  t.deepEqual(
    found.sections.map((s) => [s.kind, s.source.partial ?? false]),
    [
      ['conntrack', false],
      ['iptables-save', false],
      ['conntrack', true],
    ],
  );
  t.true(found.sections[0]!.diagnostics.some((d) => d.severity === 'error' && d.column > 1));
});

test('every captured conntrack listing inside a big table, as bytes: the same as text', async (t) => {
  const files = [
    ...fixtureFiles(/^(conntrack-|proc-net-nf_conntrack)/),
    ...sharedFiles('captures', /^(conntrack-|proc-net-nf_conntrack)/),
    ...sharedFiles('realworld', /conntrack/),
  ];
  t.true(files.length > 5, `${files.length} files`);
  const head = table.slice(0, 700).join('\n');
  const tail = table.slice(700).join('\n');
  for (const rel of files) t.true((await sameAsText(t, `${head}\n${readDump(rel)}\n${tail}\n`, rel)) > 0, rel);
});

/** Bytes as the CLI reads a file, against their whole decoded text read as text. */
async function bytesSameAsText(t: import('ava').ExecutionContext, bytes: Uint8Array, what: string): Promise<void> {
  const expected = seen(findSectionsInText(new TextDecoder('utf-8').decode(bytes), PATH, 'node-1'));
  for (const [name, sizes] of CUTS) t.is(seen(await read(piecesOf(bytes, sizes), true)), expected, `${what}, ${name}`);
}

/** How many times a TextDecoder decoded streaming while `run` ran (the slower way, which ASCII cut at line ends skips). */
async function streamedDuring(run: () => Promise<void>): Promise<number> {
  const original = TextDecoder.prototype.decode;
  let streamed = 0;
  TextDecoder.prototype.decode = function (this: TextDecoder, input, options) {
    if (options?.stream) streamed++;
    return original.call(this, input, options);
  };
  try {
    await run();
  } finally {
    TextDecoder.prototype.decode = original;
  }
  return streamed;
}

test('an iptables dump as bytes, ASCII or not anywhere, with byte order marks and long lines: the same as text', async (t) => {
  const dump = kubeProxyDump({ services: 300 }).text;
  t.true(dump.length > 4 * 65_536, `${dump.length} characters`);
  const encode = (text: string) => new TextEncoder().encode(text);
  const at = (n: number) => dump.indexOf('\n', n) + 1;
  const cases: [string, Uint8Array][] = [
    ['ASCII', encode(dump)],
    ['a byte order mark first', encode(`\ufeff${dump}`)],
    [
      'a byte order mark at a line start past the first chunk',
      encode(`${dump.slice(0, at(150_000))}\ufeff${dump.slice(at(150_000))}`),
    ],
    [
      'a comment not ASCII past the first chunk',
      encode(`${dump.slice(0, at(100_000))}# déjà vu ✓\n${dump.slice(at(100_000))}`),
    ],
    ['not ASCII in the first chunk', encode(`# é\n${dump}`)],
    [
      'a line longer than a chunk',
      encode(`${dump.slice(0, at(70_000))}# ${'x'.repeat(140_000)}\n${dump.slice(at(70_000))}`),
    ],
    ['a NUL in the first chunk', encode(`${dump.slice(0, at(1_000))}\0\n${dump.slice(at(1_000))}`)],
    ['no line end at the end', encode(dump.trimEnd())],
  ];
  const invalid = encode(dump);
  invalid[at(200_000) + 1] = 0xff;
  cases.push(['a byte never valid past the first chunk', invalid]);
  for (const [what, bytes] of cases) await bytesSameAsText(t, bytes, what);
  // ASCII is cut at line ends and decoded without streaming.
  const streamed = await streamedDuring(async () => {
    await read(
      piecesOf(encode(dump), () => 65_536),
      true,
    );
  });
  t.is(streamed, 0);
});
