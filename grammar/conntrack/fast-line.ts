/**
 * The fast path for the lines big tables are made of (ecosystem.md §3: a hand splitter reads conntrack
 * faster than the best chevrotain parser). It reads one line of `conntrack -L` (default, `-o extended`,
 * `-o id`, accounting) or /proc/net/nf_conntrack in place, without tokens, and gives up (undefined) on
 * anything else and on anything the grammar would warn about or reject. Lines it gives up on go through the
 * chevrotain grammar, which stays the reference: a test compares the two on every capture.
 *
 * A line is read into one reused record of its fields (LineFields), then either written to a table's columns
 * (the plain shapes big tables are made of) or made into an entry object.
 *
 * Words are split at spaces only. A tab or other blank inside a line ends up inside a word, and every word is
 * checked strictly (digits, addresses, exact flags and state names), so such a line is left to the grammar.
 */
import type { ConntrackEntry, ConntrackStatusFlag } from '../../src/model/conntrack';
import { type ColumnRow, type ConntrackColumns, rowFits } from '../../src/model/conntrack-columns';
import { canonicalAddress, isIpv4, isPlainIpv6 } from '../shared/address';
import { type MutableTuple, STATE_NAMES, STATUS, commonEntry, withCounters } from './decode';
import { decimal } from '../shared/decimal';
import { L4_NAMES, L4_NUMBERS } from './protocols';

/** L4_NUMBERS as a Map: a word from the input must not find a key of Object.prototype, and lookup() measured a little slower on this hot path. */
const PROTOCOLS = new Map(Object.entries(L4_NUMBERS));
/** The keys this path reads, by key length and first character, which tell them apart. */
const KEY_BY_LENGTH_AND_INITIAL: (string | undefined)[] = [];
for (const k of [
  'src',
  'dst',
  'sport',
  'dport',
  'type',
  'code',
  'id',
  'srckey',
  'dstkey',
  'mark',
  'use',
  'zone',
  'secmark',
  'packets',
  'bytes',
])
  KEY_BY_LENGTH_AND_INITIAL[k.length * 128 + k.charCodeAt(0)] = k;
const SPACE = 32;
const CR = 13;
const BRACKET = 91;

function skipSpaces(text: string, p: number, end: number): number {
  while (p < end && text.charCodeAt(p) === SPACE) p++;
  return p;
}

function wordEnd(text: string, p: number, end: number): number {
  const space = text.indexOf(' ', p);
  return space < 0 || space > end ? end : space;
}

/**
 * The address on [from, to). `seen` is the address the other tuple has in the mirrored place (the reply's
 * destination is usually the original source, its source the original destination unless DNATed): when the
 * text is the same, that string is used again, which spares a string per entry or two. A canonical address
 * read again is itself, so comparing the raw text with it is enough.
 */
function address(text: string, from: number, to: number, seen: string | undefined): string | undefined {
  if (from === to) return undefined;
  if (seen !== undefined && seen.length === to - from && text.startsWith(seen, from)) return seen;
  return isIpv4(text, from, to) || isPlainIpv6(text, from, to)
    ? text.slice(from, to)
    : canonicalAddress(text.slice(from, to));
}

/** Tuple keys in the order conntrack prints them; a line that has them in another order is left to the grammar. */
const TUPLE_ORDER: Readonly<Record<string, number>> = {
  src: 1,
  dst: 2,
  sport: 3,
  dport: 4,
  type: 5,
  code: 6,
  id: 7,
  srckey: 8,
  dstkey: 9,
};

/** One tuple's fields as read; -1 and undefined for absent. */
class TupleFields {
  src: string | undefined = undefined;
  dst: string | undefined = undefined;
  sport = -1;
  dport = -1;
  type = -1;
  code = -1;
  id = -1;
  srckey: string | undefined = undefined;
  dstkey: string | undefined = undefined;
  packets = -1;
  bytes = -1;
  /** TUPLE_ORDER of the last key read. */
  last = 0;

  reset(): void {
    this.src = this.dst = this.srckey = this.dstkey = undefined;
    this.sport = this.dport = this.type = this.code = this.id = this.packets = this.bytes = -1;
    this.last = 0;
  }

  /** Only addresses and ports: what the columns hold. */
  plain(): boolean {
    return this.type < 0 && this.code < 0 && this.id < 0 && this.srckey === undefined && this.dstkey === undefined;
  }

  /** The tuple object, keys in the order they were read (which TUPLE_ORDER made conntrack's). */
  object(): MutableTuple {
    const t: MutableTuple = {};
    if (this.src !== undefined) t.src = this.src;
    if (this.dst !== undefined) t.dst = this.dst;
    if (this.sport >= 0) t.sport = this.sport;
    if (this.dport >= 0) t.dport = this.dport;
    if (this.type >= 0) t.type = this.type;
    if (this.code >= 0) t.code = this.code;
    if (this.id >= 0) t.id = this.id;
    if (this.srckey !== undefined) t.srckey = this.srckey;
    if (this.dstkey !== undefined) t.dstkey = this.dstkey;
    return t;
  }
}

/** The fields of one line, reused from line to line: reading a line into columns makes no object. */
export class LineFields implements ColumnRow {
  line = 0;
  family: 'ipv4' | 'ipv6' = 'ipv4';
  explicitFamily = false;
  protoNum = 0;
  timeout = -1;
  state: string | undefined = undefined;
  readonly orig = new TupleFields();
  readonly reply = new TupleFields();
  unreplied = false;
  status: ConntrackStatusFlag | undefined = undefined;
  mark = -1;
  use = -1;
  id = -1;
  zone = -1;
  secmark = -1;

  get origSrc(): string {
    return this.orig.src!;
  }
  get origDst(): string {
    return this.orig.dst!;
  }
  get replySrc(): string {
    return this.reply.src!;
  }
  get replyDst(): string {
    return this.reply.dst!;
  }
  get origSport(): number {
    return this.orig.sport;
  }
  get origDport(): number {
    return this.orig.dport;
  }
  get replySport(): number {
    return this.reply.sport;
  }
  get replyDport(): number {
    return this.reply.dport;
  }

  /** Fits the columns: no icmp or gre fields, entry id, zone, secmark or counters. */
  private plain(): boolean {
    return (
      this.orig.plain() &&
      this.reply.plain() &&
      this.id < 0 &&
      this.zone < 0 &&
      this.secmark < 0 &&
      this.orig.packets < 0 &&
      this.orig.bytes < 0 &&
      this.reply.packets < 0 &&
      this.reply.bytes < 0
    );
  }

  /** Into the table: as a row of its columns where it fits, else as an entry object. */
  addTo(columns: ConntrackColumns): void {
    if (this.plain() && rowFits(this, columns)) columns.push(this);
    else columns.pushEntry(this.entry());
  }

  /** The entry object, as the grammar makes it. */
  entry(): ConntrackEntry {
    const orig = this.orig.object();
    const entry = commonEntry(
      this.line,
      this.explicitFamily ? this.family : undefined,
      L4_NAMES[this.protoNum]!,
      this.protoNum,
      this.timeout >= 0 ? this.timeout : undefined,
      this.state,
      orig,
      this.reply.object(),
      this.unreplied,
      this.status,
      this.mark >= 0 ? this.mark : undefined,
      this.use >= 0 ? this.use : undefined,
      this.id >= 0 ? this.id : undefined,
    );
    // In decode.ts RARE_KEYS order.
    if (this.secmark >= 0) entry.secmark = this.secmark;
    if (this.zone >= 0) entry.zone = this.zone;
    const o = this.orig;
    const r = this.reply;
    const counted = o.packets >= 0 || o.bytes >= 0 || r.packets >= 0 || r.bytes >= 0;
    return withCounters(
      entry,
      counted
        ? [
            { ...(o.packets >= 0 ? { packets: o.packets } : {}), ...(o.bytes >= 0 ? { bytes: o.bytes } : {}) },
            { ...(r.packets >= 0 ? { packets: r.packets } : {}), ...(r.bytes >= 0 ? { bytes: r.bytes } : {}) },
          ]
        : undefined,
    );
  }
}

/** The entry on [start, end) of `text`, or undefined to leave the line to the grammar. */
export function fastEntry(text: string, start: number, end: number, line: number): ConntrackEntry | undefined {
  const fields = new LineFields();
  return readFastLine(text, start, end, line, fields) ? fields.entry() : undefined;
}

/** Reads the line on [start, end) of `text` into `f`; false to leave the line to the grammar. */
export function readFastLine(text: string, start: number, end: number, line: number, f: LineFields): boolean {
  if (end > start && text.charCodeAt(end - 1) === CR) end--;
  let p = skipSpaces(text, start, end);
  let e = wordEnd(text, p, end);
  let name = text.slice(p, e);
  f.line = line;
  f.explicitFamily = false;
  if (name === 'ipv4' || name === 'ipv6') {
    p = skipSpaces(text, e, end);
    e = wordEnd(text, p, end);
    if (text.slice(p, e) !== (name === 'ipv4' ? '2' : '10')) return false;
    f.family = name;
    f.explicitFamily = true;
    p = skipSpaces(text, e, end);
    e = wordEnd(text, p, end);
    name = text.slice(p, e);
  }
  const protoNum = PROTOCOLS.get(name);
  if (protoNum === undefined) return false;
  f.protoNum = protoNum;
  p = skipSpaces(text, e, end);
  e = wordEnd(text, p, end);
  if (decimal(text, p, e) !== protoNum) return false;
  p = skipSpaces(text, e, end);
  e = wordEnd(text, p, end);
  const timeout = decimal(text, p, e);
  f.timeout = timeout;
  if (timeout >= 0) {
    p = skipSpaces(text, e, end);
    e = wordEnd(text, p, end);
  }
  const c = text.charCodeAt(p);
  f.state = undefined;
  if (c >= 65 && c <= 90) {
    f.state = STATE_NAMES.get(text.slice(p, e));
    if (f.state === undefined) return false;
    p = skipSpaces(text, e, end);
    e = wordEnd(text, p, end);
  }

  const orig = f.orig;
  const reply = f.reply;
  orig.reset();
  reply.reset();
  f.unreplied = false;
  f.status = undefined;
  f.mark = f.use = f.id = f.zone = f.secmark = -1;
  let tuple: TupleFields | undefined;
  let direction = -1;
  let afterCode = false;
  for (; p < end; p = skipSpaces(text, e, end), e = wordEnd(text, p, end)) {
    if (text.charCodeAt(p) === BRACKET) {
      const flag = text.slice(p, e);
      // Flags start with `[`, so no key of Object.prototype can match.
      const flagStatus: ConntrackStatusFlag | undefined = STATUS[flag];
      if (flagStatus) {
        if (f.status) return false;
        f.status = flagStatus;
      } else if (flag === '[UNREPLIED]') f.unreplied = true;
      else return false;
      afterCode = false;
      continue;
    }
    const eq = text.indexOf('=', p);
    if (eq < 0 || eq >= e) return false;
    const key = KEY_BY_LENGTH_AND_INITIAL[(eq - p) * 128 + text.charCodeAt(p)];
    if (key === undefined || !text.startsWith(key, p)) return false;
    const v = eq + 1;
    let wasCode = false;
    if (key === 'src') {
      if (++direction > 1) return false;
      tuple = direction === 0 ? orig : reply;
    }
    // The entry's own id (-o id) comes after the tuples' keys; any other tuple key out of order goes to the grammar.
    const order = key === 'id' && !(tuple && afterCode) ? 0 : (TUPLE_ORDER[key] ?? 0);
    if (order > 0) {
      if (!tuple || order <= tuple.last) return false;
      tuple.last = order;
    }
    if (key === 'src' || key === 'dst') {
      const a = address(text, v, e, tuple === reply ? (key === 'src' ? orig.dst : orig.src) : undefined);
      if (a === undefined) return false;
      if (key === 'src') tuple!.src = a;
      else tuple!.dst = a;
    } else if (key === 'srckey' || key === 'dstkey') {
      // gre keys are kept as printed (`0x0`).
      if (key === 'srckey') tuple!.srckey = text.slice(v, e);
      else tuple!.dstkey = text.slice(v, e);
    } else {
      const n = decimal(text, v, e);
      if (n < 0) return false;
      switch (key) {
        case 'sport':
          tuple!.sport = n;
          break;
        case 'dport':
          tuple!.dport = n;
          break;
        case 'type':
          tuple!.type = n;
          break;
        case 'code':
          tuple!.code = n;
          wasCode = true;
          break;
        // icmp tuples end in `code=N id=N`; the entry's own id (-o id) comes last.
        case 'id':
          if (order > 0) tuple!.id = n;
          else f.id = n;
          break;
        case 'mark':
          f.mark = n;
          break;
        case 'use':
          f.use = n;
          break;
        case 'zone':
          f.zone = n;
          break;
        case 'secmark':
          f.secmark = n;
          break;
        default:
          if (direction < 0) return false;
          if (key === 'packets') (direction === 0 ? orig : reply).packets = n;
          else (direction === 0 ? orig : reply).bytes = n;
      }
    }
    afterCode = wasCode;
  }
  if (direction < 1 || orig.dst === undefined || reply.dst === undefined) return false;
  if (!f.explicitFamily) f.family = orig.src!.includes(':') ? 'ipv6' : 'ipv4';
  return true;
}
