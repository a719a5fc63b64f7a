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
import { canonicalAddress, canonicalIpv4Value, isIpv4, isPlainIpv6 } from '../shared/address';
import { type MutableTuple, STATE_NAMES, STATUS, commonEntry, withCounters } from './decode';
import { decimal } from '../shared/decimal';
import { L4_NAMES, L4_NUMBERS } from './protocols';
import { WordLookup } from './word-lookup';

export const PROTOCOLS = new WordLookup(Object.entries(L4_NUMBERS));
export const STATES = new WordLookup(STATE_NAMES);
export const FLAGS = new WordLookup<ConntrackStatusFlag | 'UNREPLIED'>([
  ...Object.entries(STATUS),
  ['[UNREPLIED]', 'UNREPLIED'],
]);
/**
 * The keys this path reads. The first TUPLE_KEYS are a tuple's, in the order conntrack prints them (a line that
 * has them in another order is left to the grammar): a key's order is its index + 1.
 */
const KEYS = [
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
] as const;
const TUPLE_KEYS = 9;
/** The keys' indices by key length and first character, which tell them apart; -1 for none. */
const KEY_BY_LENGTH_AND_INITIAL = new Int8Array(64 * 128).fill(-1);
KEYS.forEach((k, i) => (KEY_BY_LENGTH_AND_INITIAL[k.length * 128 + k.charCodeAt(0)] = i));
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

/** Whether [from, to) of `text` is `word`. */
const isWord = (text: string, from: number, to: number, word: string) =>
  to - from === word.length && text.startsWith(word, from);

/**
 * An address as read: a dotted quad written as a number prints it (nearly every address of a table) by its
 * number and its place in the line, made into no string here; any other spelling as its canonical text.
 */
class AddressField {
  /** The dotted quad's number, or -1 when `other` holds the address. */
  v4 = -1;
  from = 0;
  to = 0;
  other: string | undefined = undefined;

  reset(): void {
    this.v4 = -1;
    this.other = undefined;
  }

  /** The dotted quad `value`, read from a text written as the number prints it. */
  quad(value: number): void {
    this.v4 = value;
    this.other = undefined;
  }

  get present(): boolean {
    return this.v4 >= 0 || this.other !== undefined;
  }

  /** The address's text; `line` is the text the address was read from. */
  text(line: string): string {
    return this.v4 >= 0 ? line.slice(this.from, this.to) : this.other!;
  }

  /** Its index among the addresses of `columns`. */
  idIn(columns: ConntrackColumns): number {
    return this.v4 >= 0 ? columns.ipv4Id(this.v4) : columns.addressId(this.other!);
  }

  /** Its index among the addresses of `columns`, given `known`'s index there (the same text, the same index). */
  idBeside(columns: ConntrackColumns, known: AddressField, knownId: number): number {
    return this.v4 >= 0 && this.v4 === known.v4 ? knownId : this.idIn(columns);
  }

  /**
   * Reads the address on [from, to); false when it is none. `seen` is the address the other tuple has in the
   * mirrored place (the reply's destination is usually the original source): when an address of another spelling
   * has the same text, its string is used again. A canonical address read again is itself, so comparing the raw
   * text with it is enough.
   */
  read(text: string, from: number, to: number, seen: AddressField | undefined): boolean {
    if (from === to) return false;
    const v4 = canonicalIpv4Value(text, from, to);
    if (v4 >= 0) {
      this.v4 = v4;
      this.from = from;
      this.to = to;
      return true;
    }
    const known = seen?.other;
    if (known !== undefined && isWord(text, from, to, known)) {
      this.other = known;
      return true;
    }
    this.other =
      isIpv4(text, from, to) || isPlainIpv6(text, from, to)
        ? text.slice(from, to)
        : canonicalAddress(text.slice(from, to));
    return this.other !== undefined;
  }
}

/** One tuple's fields as read; -1 and undefined for absent. */
class TupleFields {
  readonly src = new AddressField();
  readonly dst = new AddressField();
  sport = -1;
  dport = -1;
  type = -1;
  code = -1;
  id = -1;
  srckey: string | undefined = undefined;
  dstkey: string | undefined = undefined;
  packets = -1;
  bytes = -1;
  /** The order of the last key read (KEYS). */
  last = 0;

  reset(): void {
    this.src.reset();
    this.dst.reset();
    this.srckey = this.dstkey = undefined;
    this.sport = this.dport = this.type = this.code = this.id = this.packets = this.bytes = -1;
    this.last = 0;
  }

  /** Only addresses and ports: what the columns hold. */
  plain(): boolean {
    return this.type < 0 && this.code < 0 && this.id < 0 && this.srckey === undefined && this.dstkey === undefined;
  }

  /** The tuple object, keys in the order they were read (which KEYS' order made conntrack's); `line` as read. */
  object(line: string): MutableTuple {
    const t: MutableTuple = {};
    if (this.src.present) t.src = this.src.text(line);
    if (this.dst.present) t.dst = this.dst.text(line);
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
  /** The text the line was read from (its chunk). */
  text = '';
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

  origSrcId = 0;
  origDstId = 0;
  replySrcId = 0;
  replyDstId = 0;
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

  /** Ready to read `line`: what an earlier line left is cleared (both readers reuse one LineFields). */
  begin(line: number): void {
    this.line = line;
    this.explicitFamily = false;
    this.state = undefined;
    this.orig.reset();
    this.reply.reset();
    this.unreplied = false;
    this.status = undefined;
    this.mark = this.use = this.id = this.zone = this.secmark = -1;
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
    if (this.plain() && rowFits(this, columns)) {
      const { orig, reply } = this;
      this.origSrcId = orig.src.idIn(columns);
      this.origDstId = orig.dst.idIn(columns);
      // Without NAT the reply mirrors the original: its addresses are found without a lookup.
      this.replySrcId = reply.src.idBeside(columns, orig.dst, this.origDstId);
      this.replyDstId = reply.dst.idBeside(columns, orig.src, this.origSrcId);
      columns.push(this);
    } else columns.pushEntry(this.entry());
  }

  /** The entry object, as the grammar makes it. */
  entry(): ConntrackEntry {
    const orig = this.orig.object(this.text);
    const entry = commonEntry(
      this.line,
      this.explicitFamily ? this.family : undefined,
      L4_NAMES[this.protoNum]!,
      this.protoNum,
      this.timeout >= 0 ? this.timeout : undefined,
      this.state,
      orig,
      this.reply.object(this.text),
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
  f.text = text;
  f.begin(line);
  const family = isWord(text, p, e, 'ipv4') ? 'ipv4' : isWord(text, p, e, 'ipv6') ? 'ipv6' : undefined;
  if (family !== undefined) {
    p = skipSpaces(text, e, end);
    e = wordEnd(text, p, end);
    if (!isWord(text, p, e, family === 'ipv4' ? '2' : '10')) return false;
    f.family = family;
    f.explicitFamily = true;
    p = skipSpaces(text, e, end);
    e = wordEnd(text, p, end);
  }
  const protoNum = PROTOCOLS.get(text, p, e);
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
  if (c >= 65 && c <= 90) {
    f.state = STATES.get(text, p, e);
    if (f.state === undefined) return false;
    p = skipSpaces(text, e, end);
    e = wordEnd(text, p, end);
  }

  const orig = f.orig;
  const reply = f.reply;
  let tuple: TupleFields | undefined;
  let direction = -1;
  let afterCode = false;
  for (; p < end; p = skipSpaces(text, e, end), e = wordEnd(text, p, end)) {
    if (text.charCodeAt(p) === BRACKET) {
      const flag = FLAGS.get(text, p, e);
      if (flag === undefined) return false;
      if (flag === 'UNREPLIED') f.unreplied = true;
      else {
        if (f.status) return false;
        f.status = flag;
      }
      afterCode = false;
      continue;
    }
    const eq = text.indexOf('=', p);
    if (eq < 0 || eq >= e) return false;
    const index = KEY_BY_LENGTH_AND_INITIAL[(eq - p) * 128 + text.charCodeAt(p)] ?? -1;
    if (index < 0 || !text.startsWith(KEYS[index]!, p)) return false;
    const key = KEYS[index]!;
    const v = eq + 1;
    let wasCode = false;
    if (key === 'src') {
      if (++direction > 1) return false;
      tuple = direction === 0 ? orig : reply;
    }
    // The entry's own id (-o id) comes after the tuples' keys; any other tuple key out of order goes to the grammar.
    const order = (key === 'id' && !(tuple && afterCode)) || index >= TUPLE_KEYS ? 0 : index + 1;
    if (order > 0) {
      if (!tuple || order <= tuple.last) return false;
      tuple.last = order;
    }
    if (key === 'src' || key === 'dst') {
      const seen = tuple === reply ? (key === 'src' ? orig.dst : orig.src) : undefined;
      if (!(key === 'src' ? tuple!.src : tuple!.dst).read(text, v, e, seen)) return false;
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
        case 'packets':
          if (direction < 0) return false;
          (direction === 0 ? orig : reply).packets = n;
          break;
        case 'bytes':
          if (direction < 0) return false;
          (direction === 0 ? orig : reply).bytes = n;
          break;
      }
    }
    afterCode = wasCode;
  }
  if (direction < 1 || !orig.dst.present || !reply.dst.present) return false;
  if (!f.explicitFamily) f.family = orig.src.v4 < 0 && orig.src.other!.includes(':') ? 'ipv6' : 'ipv4';
  return true;
}
