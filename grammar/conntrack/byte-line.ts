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

/** The keys this path reads; a tuple's are numbered in the order conntrack prints them (fast-line.ts KEYS). */
const Key = { None: 0, Src: 1, Dst: 2, Sport: 3, Dport: 4, Mark: 5, Use: 6 } as const;

/** The key of the word at `p`, with its `=`, compared in place; its value starts at `p` + KEY_LENGTH[key]. */
function keyAt(b: Uint8Array, p: number): number {
  switch (b[p]!) {
    case 115: // src=, sport=
      if (b[p + 1] === 114 && b[p + 2] === 99 && b[p + 3] === EQUALS) return Key.Src;
      return b[p + 1] === 112 && b[p + 2] === 111 && b[p + 3] === 114 && b[p + 4] === 116 && b[p + 5] === EQUALS
        ? Key.Sport
        : Key.None;
    case 100: // dst=, dport=
      if (b[p + 1] === 115 && b[p + 2] === 116 && b[p + 3] === EQUALS) return Key.Dst;
      return b[p + 1] === 112 && b[p + 2] === 111 && b[p + 3] === 114 && b[p + 4] === 116 && b[p + 5] === EQUALS
        ? Key.Dport
        : Key.None;
    case 109: // mark=
      return b[p + 1] === 97 && b[p + 2] === 114 && b[p + 3] === 107 && b[p + 4] === EQUALS ? Key.Mark : Key.None;
    case 117: // use=
      return b[p + 1] === 115 && b[p + 2] === 101 && b[p + 3] === EQUALS ? Key.Use : Key.None;
    default:
      return Key.None;
  }
}

/** The length of each key with its `=`, by Key. */
const KEY_LENGTH = [0, 4, 4, 6, 6, 5, 4];

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
  // Each word is read once, where it stands: its key, then its value up to the next space.
  while (p < end) {
    if (b[p] === BRACKET) {
      e = wordEnd(b, p, end);
      const flag = FLAGS.getBytes(b, p, e);
      if (flag === undefined) return false;
      if (flag === 'UNREPLIED') f.unreplied = true;
      else {
        if (f.status) return false;
        f.status = flag;
      }
      p = skipSpaces(b, e, end);
      continue;
    }
    const key = keyAt(b, p);
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
    // A key read past `end` leaves no byte of a value before it: the value's loop reads none and gives up.
    p += KEY_LENGTH[key]!;
    if (key === Key.Src || key === Key.Dst) {
      // A dotted quad written as its number prints it: no leading zeros, parts of at most 255.
      let parts = 0;
      let value = 0;
      let part = 0;
      let digits = 0;
      for (; p < end; p++) {
        const c = b[p]!;
        if (c === SPACE) break;
        if (c === DOT) {
          if (digits === 0 || ++parts > 3) return false;
          value = value * 256 + part;
          part = 0;
          digits = 0;
        } else if (c >= 48 && c <= 57 && digits < 3 && !(digits === 1 && part === 0)) {
          part = part * 10 + c - 48;
          digits++;
          if (part > 255) return false;
        } else return false;
      }
      if (parts !== 3 || digits === 0) return false;
      (key === Key.Src ? tuple.src : tuple.dst).quad(value * 256 + part);
    } else {
      // A decimal without sign; more than 15 digits are left to the text path.
      const from = p;
      let n = 0;
      for (; p < end; p++) {
        const c = b[p]! - 48;
        if (c < 0 || c > 9) break;
        n = n * 10 + c;
      }
      if (p === from || p - from > 15 || (p < end && b[p] !== SPACE)) return false;
      if (key === Key.Sport) tuple.sport = n;
      else if (key === Key.Dport) tuple.dport = n;
      else if (key === Key.Mark) f.mark = n;
      else f.use = n;
    }
    while (p < end && b[p] === SPACE) p++;
  }
  if (direction < 1 || !orig.dst.present || !reply.dst.present) return false;
  if (!f.explicitFamily) f.family = 'ipv4';
  return true;
}
