/**
 * The byte path for the lines big tables are made of: one line of `conntrack -L` (default or `-o extended`) or
 * /proc/net/nf_conntrack, read from the file's bytes without decoding them, into LineFields for a row of the
 * columns. It reads a strict part of what fast-line.ts reads from text (dotted quads written as their numbers
 * print them, ports, mark, use, a state and status flags) and gives up (false) on anything else: IPv6, icmp and
 * gre tuples, ids, zones, counters, and every line of another shape, which the text path then reads as before.
 * A test holds it to fast-line.ts on every captured, generated and mutated line.
 *
 * Every byte of a line it reads is ASCII, and none is one that a paste's wrapping, a line prefix or the input's
 * normalising acts on (a leading blank, `<`, `&`, `\`, `|`, CR, ESC, a non-breaking space): the input layer would
 * pass such a line to the reader unchanged.
 */
import { FLAGS, type LineFields, PROTOCOLS, STATES } from './fast-line';

const SPACE = 32;
const DOT = 46;
const EQUALS = 61;
const BRACKET = 91;

function skipSpaces(b: Uint8Array, p: number, end: number): number {
  while (p < end && b[p] === SPACE) p++;
  return p;
}

function wordEnd(b: Uint8Array, p: number, end: number): number {
  while (p < end && b[p] !== SPACE) p++;
  return p;
}

/** [from, to) as a decimal without sign, or -1; numbers of more than 15 digits are left to the text path (-1). */
function decimal(b: Uint8Array, from: number, to: number): number {
  if (to === from || to - from > 15) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** [from, to) as a dotted quad written as its number prints it (no leading zeros), or -1. */
function canonicalQuad(b: Uint8Array, from: number, to: number): number {
  let parts = 0;
  let value = 0;
  let part = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === DOT) {
      if (digits === 0 || ++parts > 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3 && !(digits === 1 && part === 0)) {
      part = part * 10 + c - 48;
      digits++;
      if (part > 255) return -1;
    } else return -1;
  }
  return parts === 3 && digits > 0 ? value * 256 + part : -1;
}

/** The keys this path reads; a tuple's are numbered in the order conntrack prints them (fast-line.ts KEYS). */
const Key = { None: 0, Src: 1, Dst: 2, Sport: 3, Dport: 4, Mark: 5, Use: 6 } as const;

/** The key on [p, eq) of `b`. */
function keyAt(b: Uint8Array, p: number, eq: number): number {
  const c = b[p];
  switch (eq - p) {
    case 3:
      if (c === 115 && b[p + 1] === 114 && b[p + 2] === 99) return Key.Src; // src
      if (c === 100 && b[p + 1] === 115 && b[p + 2] === 116) return Key.Dst; // dst
      if (c === 117 && b[p + 1] === 115 && b[p + 2] === 101) return Key.Use; // use
      return Key.None;
    case 4:
      return c === 109 && b[p + 1] === 97 && b[p + 2] === 114 && b[p + 3] === 107 ? Key.Mark : Key.None; // mark
    case 5:
      // sport, dport
      if (b[p + 1] !== 112 || b[p + 2] !== 111 || b[p + 3] !== 114 || b[p + 4] !== 116) return Key.None;
      return c === 115 ? Key.Sport : c === 100 ? Key.Dport : Key.None;
    default:
      return Key.None;
  }
}

/** Reads the line on [start, end) of `b` into `f`; false to leave the line to the text path. */
export function readByteLine(b: Uint8Array, start: number, end: number, line: number, f: LineFields): boolean {
  if (start === end || b[start] === SPACE) return false;
  let p = start;
  let e = wordEnd(b, p, end);
  f.begin(line);
  // `ipv4     2 ` or `ipv6     10 ` (/proc).
  if (e - p === 4 && b[p] === 105 && b[p + 1] === 112 && b[p + 2] === 118 && (b[p + 3] === 52 || b[p + 3] === 54)) {
    const v6 = b[p + 3] === 54;
    p = skipSpaces(b, e, end);
    e = wordEnd(b, p, end);
    if (decimal(b, p, e) !== (v6 ? 10 : 2) || e - p !== (v6 ? 2 : 1)) return false;
    f.family = v6 ? 'ipv6' : 'ipv4';
    f.explicitFamily = true;
    p = skipSpaces(b, e, end);
    e = wordEnd(b, p, end);
  }
  const protoNum = PROTOCOLS.getBytes(b, p, e);
  if (protoNum === undefined) return false;
  f.protoNum = protoNum;
  p = skipSpaces(b, e, end);
  e = wordEnd(b, p, end);
  if (decimal(b, p, e) !== protoNum) return false;
  p = skipSpaces(b, e, end);
  e = wordEnd(b, p, end);
  const timeout = decimal(b, p, e);
  f.timeout = timeout;
  if (timeout >= 0) {
    p = skipSpaces(b, e, end);
    e = wordEnd(b, p, end);
  }
  const c = b[p]!;
  if (c >= 65 && c <= 90) {
    f.state = STATES.getBytes(b, p, e);
    if (f.state === undefined) return false;
    p = skipSpaces(b, e, end);
    e = wordEnd(b, p, end);
  }

  const orig = f.orig;
  const reply = f.reply;
  let tuple = orig;
  let direction = -1;
  for (; p < end; p = skipSpaces(b, e, end), e = wordEnd(b, p, end)) {
    if (b[p] === BRACKET) {
      const flag = FLAGS.getBytes(b, p, e);
      if (flag === undefined) return false;
      if (flag === 'UNREPLIED') f.unreplied = true;
      else {
        if (f.status) return false;
        f.status = flag;
      }
      continue;
    }
    let eq = p;
    while (eq < e && b[eq] !== EQUALS) eq++;
    if (eq === e) return false;
    const key = keyAt(b, p, eq);
    if (key === Key.None) return false;
    if (key === Key.Src) {
      if (++direction > 1) return false;
      tuple = direction === 0 ? orig : reply;
    }
    if (key <= Key.Dport) {
      // A tuple's keys in conntrack's order, each once, as fast-line.ts has them.
      if (direction < 0 || key <= tuple.last) return false;
      tuple.last = key;
    }
    if (key === Key.Src || key === Key.Dst) {
      const v4 = canonicalQuad(b, eq + 1, e);
      if (v4 < 0) return false;
      (key === Key.Src ? tuple.src : tuple.dst).quad(v4);
      continue;
    }
    const n = decimal(b, eq + 1, e);
    if (n < 0) return false;
    if (key === Key.Sport) tuple.sport = n;
    else if (key === Key.Dport) tuple.dport = n;
    else if (key === Key.Mark) f.mark = n;
    else f.use = n;
  }
  if (direction < 1 || !orig.dst.present || !reply.dst.present) return false;
  if (!f.explicitFamily) f.family = 'ipv4';
  return true;
}
