/**
 * The classes of addresses that one node's rules and network tell apart, as numbers. The class of an address
 * (flow-key.ts: what the rules test of it; network.ts: whether it is local, where it routes) can only change
 * at the edge of a prefix, range or host some rule or route names. So the address space of the node's family
 * is cut at every such edge once per node, each piece classed once by its first address, and an address's
 * class is a binary search over the pieces: no string, no object, no Map per address. A table's rows ask once
 * per distinct address of the table (classOfTable). Where the class is the address itself (a rule tests
 * addresses in a way not modelled) and for addresses of the other family, each address is classed on first
 * sight and remembered by its key.
 */
import { type AddressKey, addressKey } from '../address-key';
import { ADDRESS_BITS, type Ip, parseIp } from '../../model/address';
import type { Family } from '../../model/values';
import { TableMemo } from './table-memo';
import type { TableAddresses } from '../../model/address-interner';
import { pieceAt } from '../../model/sorted-starts';

/** Addresses from `from` to `to`, both included, of the family the spans are given for. */
export interface Span {
  readonly from: bigint;
  readonly to: bigint;
}

/** Every edge an address's class depends on: spans of addresses of one family. */
export interface Edges {
  readonly family: Family;
  readonly spans: readonly Span[];
}

const byValue = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

export class AddressClasses<C> {
  /** First address of each IPv4 piece, ascending from 0; empty when IPv4 is not classed by piece. */
  private readonly starts4: Float64Array = new Float64Array(0);
  /** First address of each IPv6 piece, ascending from 0; empty when IPv6 is not classed by piece. */
  private readonly starts6: readonly bigint[] = [];
  private readonly pieceClass: Int32Array = new Int32Array(0);
  private readonly ids = new Map<string, number>();
  private readonly memo = new Map<AddressKey, number>();
  /** What each class number stands for, made by `make` from the first address asked of the class. */
  private readonly values: (C | undefined)[] = [];
  private count = 0;
  // A dotted quad classed by piece from its number, as classOf does from its text, without making the text.
  private readonly rows = new TableMemo((addresses, i) => {
    const value = addresses.ipv4Of(i);
    return value >= 0 && this.starts4.length > 0
      ? this.pieceClass[pieceAt(this.starts4, value)]!
      : this.classOf(addresses.textOf(i));
  });

  /**
   * `key` names the class of an address, `make` what the class holds (see holding). With `edges` (every edge
   * the key depends on, for one family), addresses of that family are classed by piece; the rest one by one.
   */
  constructor(
    readonly key: (ip: Ip) => string,
    private readonly make: (ip: Ip) => C,
    edges: Edges | undefined,
  ) {
    if (!edges) return;
    const end = 1n << BigInt(ADDRESS_BITS[edges.family]);
    const cuts = [0n];
    for (const s of edges.spans) {
      cuts.push(s.from);
      if (s.to + 1n < end) cuts.push(s.to + 1n);
    }
    cuts.sort(byValue);
    const starts: bigint[] = [];
    for (const c of cuts) if (starts[starts.length - 1] !== c) starts.push(c);
    if (edges.family === 'ipv4') this.starts4 = Float64Array.from(starts, Number);
    else this.starts6 = starts;
    this.pieceClass = Int32Array.from(starts, (s) => this.intern({ family: edges.family, value: s }));
  }

  /** What class `c` holds; `text` is an address of it, which makes it when it is asked for the first time. */
  holding(c: number, text: string): C {
    let v = this.values[c];
    if (v === undefined) this.values[c] = v = this.make(parseIp(text)!);
    return v;
  }

  /** What class `c` holds once holding made it, else undefined: asked first, it spares a row its address's text. */
  made(c: number): C | undefined {
    return this.values[c];
  }

  /** The class number of the address written `text`; -1 when it is no address. */
  classOf(text: string): number {
    const key = addressKey(text);
    if (typeof key === 'number') {
      if (this.starts4.length > 0) return this.pieceClass[pieceAt(this.starts4, key)]!;
    } else if (this.starts6.length > 0 && key.includes(':')) {
      // Parsed once per distinct address of a table (classOfTable): a piece, not a Map entry, per address.
      const ip = parseIp(text);
      if (ip === undefined) return -1;
      if (ip.family === 'ipv6') return this.pieceClass[pieceAt(this.starts6, ip.value)]!;
    }
    let c = this.memo.get(key);
    if (c === undefined) {
      const ip = parseIp(text);
      c = ip ? this.intern(ip) : -1;
      this.memo.set(key, c);
    }
    return c;
  }

  /** The class number of address `i` of a conntrack table's list of addresses: worked out once per address. */
  classOfTable(addresses: TableAddresses, i: number): number {
    return this.rows.of(addresses, i);
  }

  private intern(ip: Ip): number {
    const key = this.key(ip);
    let c = this.ids.get(key);
    if (c === undefined) {
      c = this.count++;
      this.ids.set(key, c);
    }
    return c;
  }
}

/**
 * Classes of a coarser key over the classes of an AddressClasses: a class is projected once, by an address
 * of it, so the key must give every address of one class the same answer (it tests less of the address).
 */
export class ClassProjection {
  private readonly coarse: number[] = [];
  private readonly ids = new Map<string, number>();

  constructor(private readonly key: (ip: Ip) => string) {}

  /** The coarse class of class `c` once `of` worked it out, else undefined. */
  projected(c: number): number | undefined {
    return this.coarse[c];
  }

  /** The coarse class of class `c`, of which `text` is an address. */
  of(c: number, text: string): number {
    let p = this.coarse[c];
    if (p === undefined) {
      const key = this.key(parseIp(text)!);
      p = this.ids.get(key);
      if (p === undefined) this.ids.set(key, (p = this.ids.size));
      this.coarse[c] = p;
    }
    return p;
  }
}
