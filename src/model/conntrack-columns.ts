/**
 * A conntrack table as columns: the fields of the lines big tables are made of (`conntrack -L`, `-o extended`,
 * /proc) in typed arrays, addresses as indices into the table's own list of distinct addresses. An entry
 * object with two tuples and strings of its own cost over a kilobyte per entry; a row here costs 19
 * bytes (Block).
 * Entries of other shapes (icmp, gre, zones, counters, events, the grammar's lines) are kept as objects, with
 * the columns an analysis reads filled in beside them, so that every row can be read the same way.
 *
 * `entriesOf` gives the rows as the read-only array of entries the model promises (each one made when read),
 * so that code reading entries one by one, reports and the library see the objects they always did.
 */
import type { ConntrackEntry, ConntrackStatusFlag, ConntrackTuple } from './conntrack';
import { CONNTRACK_PROTOCOLS } from './protocols';
import { AddressInterner, type TableAddresses } from './address-interner';
import { PaletteColumn } from './conntrack-palette-column';
import { Uint24Column } from './conntrack-uint24-column';

/** The fields of a row that fits the columns (rowFits), as the fast line reader has them, its addresses interned. */
export interface ColumnRow {
  readonly line: number;
  readonly family: 'ipv4' | 'ipv6';
  readonly protoNum: number;
  /** -1 when absent. */
  readonly timeout: number;
  readonly state: string | undefined;
  /** Indices into the table's addresses (ConntrackColumns.addressId, ipv4Id). */
  readonly origSrcId: number;
  readonly origDstId: number;
  readonly replySrcId: number;
  readonly replyDstId: number;
  /** -1 when absent. */
  readonly origSport: number;
  readonly origDport: number;
  readonly replySport: number;
  readonly replyDport: number;
  readonly unreplied: boolean;
  readonly status: ConntrackStatusFlag | undefined;
  /** -1 when absent. */
  readonly mark: number;
  readonly use: number;
}

const BLOCK_BITS = 14;
const BLOCK = 1 << BLOCK_BITS;
const MASK = BLOCK - 1;
const U32_MAX = 0xffffffff;

// The meta column, per row.
const IPV6 = 1;
const UNREPLIED = 2;
const STATUS_SHIFT = 2; // 2 bits: none, HW_OFFLOAD, OFFLOAD, ASSURED
const OBJECT = 16;
const EVENT = 32;
const ANONYMISED = 64;
const HAS_TIMEOUT = 128;
const HAS_ORIG_SPORT = 256;
const HAS_ORIG_DPORT = 512;
const HAS_REPLY_SPORT = 1024;
const HAS_REPLY_DPORT = 2048;
const HAS_MARK = 4096;
const HAS_USE = 8192;
const PROTO_SHIFT = 16; // 8 bits: index into the table's protocols
const STATE_SHIFT = 24; // 8 bits: index into the table's states, 0 for none

const STATUSES: readonly (ConntrackStatusFlag | undefined)[] = [undefined, 'HW_OFFLOAD', 'OFFLOAD', 'ASSURED'];
const PROTOCOL_NAMES = new Map<number, string>([...CONNTRACK_PROTOCOLS].map(([name, num]) => [num, name]));

/**
 * 16,384 rows of columns. What is nearly always one value, or the value of another column, costs a byte a row or
 * nothing until a row of the block differs: meta words and target ports (a few per table) and the reply's
 * destination (the original source, or the node's address after SNAT) take a byte (PaletteColumn); a reply
 * destination port other than the original source port, a mark other than 0, a use count other than 1 and lines
 * that do not follow one another are kept only once a row has one. Address indices and timeouts take 3 bytes. A
 * plain row of a busy table costs 19 bytes.
 */
class Block {
  readonly meta = new PaletteColumn(BLOCK);
  readonly timeout = new Uint24Column(BLOCK);
  readonly origSrc = new Uint24Column(BLOCK);
  readonly origDst = new Uint24Column(BLOCK);
  readonly replySrc = new Uint24Column(BLOCK);
  /** By reference to the original source's index. */
  readonly replyDst = new PaletteColumn(BLOCK);
  readonly origSport = new Uint16Array(BLOCK);
  readonly origDport = new Uint16Array(BLOCK);
  /** By reference to the original destination port. */
  readonly replySport = new PaletteColumn(BLOCK);
  /** By reference to the original source port. */
  readonly replyDport = new PaletteColumn(BLOCK);
  mark: Uint32Array | undefined;
  use: Uint32Array | undefined;
  /** The line of row 0 were every row one line after the one before; set by the block's first line. */
  private lineBase = 0;
  private based = false;
  /** Lines as offsets from lineBase, once a row's line is not lineBase plus its row. */
  private lineOffsets: Uint16Array | undefined;
  /** Lines as numbers, once one is too far from lineBase for an offset. */
  private lines: Uint32Array | undefined;

  setLine(at: number, line: number): void {
    if (this.lines) {
      this.lines[at] = line;
      return;
    }
    if (!this.based) {
      this.based = true;
      this.lineBase = line - at;
    }
    const offset = line - this.lineBase;
    if (!this.lineOffsets) {
      if (offset === at) return;
      this.lineOffsets = new Uint16Array(BLOCK);
      for (let r = 0; r < at; r++) this.lineOffsets[r] = r;
    }
    if (offset >= 0 && offset <= 0xffff) {
      this.lineOffsets[at] = offset;
      return;
    }
    const lines = new Uint32Array(BLOCK);
    for (let r = 0; r < at; r++) lines[r] = this.lineBase + this.lineOffsets[r]!;
    lines[at] = line;
    this.lines = lines;
    this.lineOffsets = undefined;
  }

  line(at: number): number {
    if (this.lines) return this.lines[at]!;
    return this.lineBase + (this.lineOffsets ? this.lineOffsets[at]! : at);
  }

  /** Ports as 16 bits (an absent one, -1, as 0xffff: the meta word's flags tell it apart). */
  setPorts(at: number, origSport: number, origDport: number, replySport: number, replyDport: number): void {
    const os = origSport & 0xffff;
    const od = origDport & 0xffff;
    this.origSport[at] = os;
    this.origDport[at] = od;
    this.replySport.set(at, replySport & 0xffff, od);
    this.replyDport.set(at, replyDport & 0xffff, os);
  }

  replySportAt(at: number): number {
    return this.replySport.get(at, this.origDport[at]!);
  }

  replyDportAt(at: number): number {
    return this.replyDport.get(at, this.origSport[at]!);
  }

  setAddresses(at: number, origSrc: number, origDst: number, replySrc: number, replyDst: number): void {
    this.origSrc.set(at, origSrc);
    this.origDst.set(at, origDst);
    this.replySrc.set(at, replySrc);
    this.replyDst.set(at, replyDst, origSrc);
  }

  replyDstAt(at: number): number {
    return this.replyDst.get(at, this.origSrc.get(at));
  }

  metaAt(at: number): number {
    return this.meta.get(at, -1);
  }

  /** `mark` and `use` of a row; -1 (absent) is kept as the default, which the meta word's flags tell apart. */
  setMarkAndUse(at: number, mark: number, use: number): void {
    if (mark > 0) (this.mark ??= new Uint32Array(BLOCK))[at] = mark;
    if (use >= 0 && use !== 1) (this.use ??= new Uint32Array(BLOCK).fill(1))[at] = use;
  }

  markAt(at: number): number {
    return this.mark ? this.mark[at]! : 0;
  }

  useAt(at: number): number {
    return this.use ? this.use[at]! : 1;
  }
}

const fitsU32 = (n: number) => n <= U32_MAX;
const fitsPort = (n: number) => n <= 0xffff;

/**
 * Whether the row fits the columns: a port beyond 16 bits, another value beyond 32 bits, a protocol the columns
 * do not name or a state beyond the 255 they count is kept in an object row.
 */
export function rowFits(r: ColumnRow, columns: ConntrackColumns): boolean {
  return (
    fitsPort(r.origSport) &&
    fitsPort(r.origDport) &&
    fitsPort(r.replySport) &&
    fitsPort(r.replyDport) &&
    fitsU32(r.timeout) &&
    fitsU32(r.mark) &&
    fitsU32(r.use) &&
    fitsU32(r.line) &&
    PROTOCOL_NAMES.has(r.protoNum) &&
    columns.knowsStates()
  );
}

export class ConntrackColumns {
  private readonly blocks: Block[] = [];
  private readonly objects = new Map<number, ConntrackEntry>();
  private readonly interner = new AddressInterner();
  /** The table's distinct addresses, in order of first sight; rows hold their index. */
  readonly addresses: TableAddresses = this.interner;
  private readonly protocols: { readonly name: string; readonly num: number }[] = [];
  /** protocolIndex by protocol number, for rows of the columns. */
  private readonly protocolByNumber: number[] = [];
  private readonly states: (string | undefined)[] = [undefined];
  length = 0;

  /** The index of an address in `addresses`. */
  addressId(text: string): number {
    return this.interner.text(text);
  }

  /** The table is read to its end for now: what only finding addresses needs is freed (found again if asked). */
  release(): void {
    this.interner.release();
  }

  /** The index in `addresses` of the dotted quad `value`, read from a text written as the number prints it. */
  ipv4Id(value: number): number {
    return this.interner.ipv4(value);
  }

  private protocolIndex(name: string, num: number): number {
    let i = this.protocols.findIndex((p) => p.name === name && p.num === num);
    if (i < 0) {
      i = this.protocols.length;
      this.protocols.push({ name, num });
    }
    return i;
  }

  /** The index of a row's protocol, which a row of the columns names by number alone (PROTOCOL_NAMES). */
  private protocolOfNumber(num: number): number {
    let i = this.protocolByNumber[num];
    if (i === undefined) this.protocolByNumber[num] = i = this.protocolIndex(PROTOCOL_NAMES.get(num)!, num);
    return i;
  }

  /** Room for another state name. */
  knowsStates(): boolean {
    return this.states.length < 255;
  }

  private stateIndex(state: string | undefined): number {
    if (state === undefined) return 0;
    let i = this.states.indexOf(state);
    if (i < 0) {
      i = this.states.length;
      this.states.push(state);
    }
    return i;
  }

  /** The block of a new row. */
  private blockOf(row: number): Block {
    let block = this.blocks[row >>> BLOCK_BITS];
    if (!block) this.blocks.push((block = new Block()));
    return block;
  }

  /** A row read by the fast path; the caller checked rowFits and interned its addresses here. */
  push(r: ColumnRow): void {
    // The table's protocols and states are few: tables of them cost less than a Map lookup per row.
    const proto = this.protocolOfNumber(r.protoNum);
    const state = this.stateIndex(r.state);
    const row = this.length++;
    const b = this.blockOf(row);
    const at = row & MASK;
    let meta =
      (r.family === 'ipv6' ? IPV6 : 0) |
      (r.unreplied ? UNREPLIED : 0) |
      (STATUSES.indexOf(r.status) << STATUS_SHIFT) |
      (proto << PROTO_SHIFT) |
      (state << STATE_SHIFT);
    if (r.timeout >= 0) meta |= HAS_TIMEOUT;
    if (r.origSport >= 0) meta |= HAS_ORIG_SPORT;
    if (r.origDport >= 0) meta |= HAS_ORIG_DPORT;
    if (r.replySport >= 0) meta |= HAS_REPLY_SPORT;
    if (r.replyDport >= 0) meta |= HAS_REPLY_DPORT;
    if (r.mark >= 0) meta |= HAS_MARK;
    if (r.use >= 0) meta |= HAS_USE;
    b.meta.set(at, meta >>> 0, -1);
    b.setLine(at, r.line);
    if (r.timeout >= 0) b.timeout.set(at, r.timeout);
    b.setAddresses(at, r.origSrcId, r.origDstId, r.replySrcId, r.replyDstId);
    b.setPorts(at, r.origSport, r.origDport, r.replySport, r.replyDport);
    b.setMarkAndUse(at, r.mark, r.use);
  }

  /** An entry of any other shape: kept as it is, with the columns analyses read filled in. */
  pushEntry(e: ConntrackEntry): void {
    const row = this.length++;
    const b = this.blockOf(row);
    const at = row & MASK;
    const o = e.orig;
    const r = e.reply;
    let meta =
      (e.family === 'ipv6' ? IPV6 : 0) |
      OBJECT |
      (e.event !== undefined ? EVENT : 0) |
      (e.anonymised ? ANONYMISED : 0) |
      (Math.min(this.protocolIndex(e.proto, e.protoNum), 255) << PROTO_SHIFT);
    // The protocol of an object row is read from its entry: an odd table may name more than 255.
    if (o.sport !== undefined) meta |= HAS_ORIG_SPORT;
    if (o.dport !== undefined) meta |= HAS_ORIG_DPORT;
    if (r.sport !== undefined) meta |= HAS_REPLY_SPORT;
    if (r.dport !== undefined) meta |= HAS_REPLY_DPORT;
    // The line, timeout, mark and use of an object row are read from its entry.
    b.meta.set(at, meta >>> 0, -1);
    b.setAddresses(at, this.addressId(o.src), this.addressId(o.dst), this.addressId(r.src), this.addressId(r.dst));
    b.setPorts(at, o.sport ?? 0, o.dport ?? 0, r.sport ?? 0, r.dport ?? 0);
    this.objects.set(row, e);
  }

  private meta(i: number): number {
    return this.blocks[i >>> BLOCK_BITS]!.metaAt(i & MASK);
  }

  /** The row is an entry of another shape: `entry` gives it, and icmp types, zones and the like are only there. */
  isObject(i: number): boolean {
    return (this.meta(i) & OBJECT) !== 0;
  }
  isEvent(i: number): boolean {
    return (this.meta(i) & EVENT) !== 0;
  }
  isAnonymised(i: number): boolean {
    return (this.meta(i) & ANONYMISED) !== 0;
  }
  family(i: number): 'ipv4' | 'ipv6' {
    return this.meta(i) & IPV6 ? 'ipv6' : 'ipv4';
  }
  /** The protocol's index among the table's protocols (protoName, protoNumber): a small number to key by. */
  protoIndex(i: number): number {
    return (this.meta(i) >>> PROTO_SHIFT) & 255;
  }
  protoName(index: number): string {
    return this.protocols[index]!.name;
  }
  proto(i: number): string {
    return this.meta(i) & OBJECT ? this.objects.get(i)!.proto : this.protocols[this.protoIndex(i)]!.name;
  }
  state(i: number): string | undefined {
    return this.meta(i) & OBJECT ? this.objects.get(i)!.state : this.states[this.meta(i) >>> STATE_SHIFT];
  }
  line(i: number): number {
    return this.meta(i) & OBJECT ? this.objects.get(i)!.line : this.blocks[i >>> BLOCK_BITS]!.line(i & MASK);
  }
  origSrcId(i: number): number {
    return this.blocks[i >>> BLOCK_BITS]!.origSrc.get(i & MASK);
  }
  origDstId(i: number): number {
    return this.blocks[i >>> BLOCK_BITS]!.origDst.get(i & MASK);
  }
  replySrcId(i: number): number {
    return this.blocks[i >>> BLOCK_BITS]!.replySrc.get(i & MASK);
  }
  replyDstId(i: number): number {
    return this.blocks[i >>> BLOCK_BITS]!.replyDstAt(i & MASK);
  }
  /** Ports: -1 when the tuple has none. */
  origSport(i: number): number {
    return this.meta(i) & HAS_ORIG_SPORT ? this.blocks[i >>> BLOCK_BITS]!.origSport[i & MASK]! : -1;
  }
  origDport(i: number): number {
    return this.meta(i) & HAS_ORIG_DPORT ? this.blocks[i >>> BLOCK_BITS]!.origDport[i & MASK]! : -1;
  }
  replySport(i: number): number {
    return this.meta(i) & HAS_REPLY_SPORT ? this.blocks[i >>> BLOCK_BITS]!.replySportAt(i & MASK) : -1;
  }
  replyDport(i: number): number {
    return this.meta(i) & HAS_REPLY_DPORT ? this.blocks[i >>> BLOCK_BITS]!.replyDportAt(i & MASK) : -1;
  }

  /** The row as the entry object the model promises, made anew. */
  entry(i: number): ConntrackEntry {
    const b = this.blocks[i >>> BLOCK_BITS]!;
    const at = i & MASK;
    const meta = b.metaAt(at);
    if (meta & OBJECT) return this.objects.get(i)!;
    const protocol = this.protocols[(meta >>> PROTO_SHIFT) & 255]!;
    const a = this.addresses;
    const origSport = b.origSport[at]!;
    const origDport = b.origDport[at]!;
    const orig = tuple(
      a.textOf(b.origSrc.get(at)),
      a.textOf(b.origDst.get(at)),
      meta & HAS_ORIG_SPORT ? origSport : undefined,
      meta & HAS_ORIG_DPORT ? origDport : undefined,
    );
    const reply = tuple(
      a.textOf(b.replySrc.get(at)),
      a.textOf(b.replyDstAt(at)),
      meta & HAS_REPLY_SPORT ? b.replySportAt(at) : undefined,
      meta & HAS_REPLY_DPORT ? b.replyDportAt(at) : undefined,
    );
    // The fast path's entries have these keys in this order (decode.ts commonEntry).
    return {
      line: b.line(at),
      family: meta & IPV6 ? 'ipv6' : 'ipv4',
      proto: protocol.name,
      protoNum: protocol.num,
      timeout: meta & HAS_TIMEOUT ? b.timeout.get(at) : undefined,
      state: this.states[meta >>> STATE_SHIFT],
      orig,
      reply,
      unreplied: (meta & UNREPLIED) !== 0,
      status: STATUSES[(meta >>> STATUS_SHIFT) & 3],
      mark: meta & HAS_MARK ? b.markAt(at) : undefined,
      use: meta & HAS_USE ? b.useAt(at) : undefined,
      id: undefined,
    } as ConntrackEntry;
  }
}

function tuple(src: string, dst: string, sport: number | undefined, dport: number | undefined): ConntrackTuple {
  const t: { src: string; dst: string; sport?: number; dport?: number } = { src, dst };
  if (sport !== undefined) t.sport = sport;
  if (dport !== undefined) t.dport = dport;
  return t;
}

const COLUMNS = new WeakMap<object, ConntrackColumns>();

/**
 * The table's entries as a read-only array: each element is made from its row when read. Written as JSON,
 * spread, iterated or filtered, it is the array of entries; an analysis that reads millions of rows asks
 * columnsOf for the columns instead.
 */
export function entriesOf(columns: ConntrackColumns): readonly ConntrackEntry[] {
  const view = new Proxy([] as ConntrackEntry[], {
    get(target, key, receiver) {
      if (typeof key === 'string') {
        if (key === 'length') return columns.length;
        const i = indexOf(key);
        if (i >= 0) return i < columns.length ? columns.entry(i) : undefined;
      }
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === 'string') {
        const i = indexOf(key);
        if (i >= 0) return i < columns.length;
      }
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === 'string') {
        if (key === 'length') return { value: columns.length, writable: true, enumerable: false, configurable: false };
        const i = indexOf(key);
        if (i >= 0)
          return i < columns.length
            ? { value: columns.entry(i), writable: false, enumerable: true, configurable: true }
            : undefined;
      }
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    ownKeys(target) {
      return [...Array.from({ length: columns.length }, (_, i) => String(i)), ...Reflect.ownKeys(target)];
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
  COLUMNS.set(view, columns);
  return view;
}

/** An array index written as a property key, else -1. */
function indexOf(key: string): number {
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return -1;
  const n = Number(key);
  return Number.isInteger(n) && String(n) === key ? n : -1;
}

/** The columns of a table's entries: its own when it was read into columns, else made from its entry objects. */
export function columnsOf(entries: readonly ConntrackEntry[]): ConntrackColumns {
  const own = COLUMNS.get(entries);
  if (own) return own;
  const columns = new ConntrackColumns();
  for (const e of entries) columns.pushEntry(e);
  return columns;
}
