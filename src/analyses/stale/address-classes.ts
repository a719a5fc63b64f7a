/**
 * The classes of addresses that one node's rules and network tell apart, as numbers. The class of an address
 * (flow-key.ts: what the rules test of it; network.ts: whether it is local, where it routes) can only change
 * at the edge of a prefix, range or host some rule or route names. So the IPv4 space is cut at every such
 * edge once per node, each piece classed once by its first address, and an address's class is a binary
 * search over the pieces: no string, no object, no Map per address. A table's rows ask once per distinct
 * address of the table (classOfTable). Where the class is the address itself
 * (a rule tests addresses in a way not modelled) and for IPv6, each address is classed on first sight and
 * remembered by its key.
 */
import { type AddressKey, addressKey } from '../address-key';
import { type Ip, parseIp } from '../../model/address';
import { TableMemo } from './table-memo';

/** Addresses from `from` to `to`, both included, as numbers (IPv4 only). */
export interface Span {
  readonly from: number;
  readonly to: number;
}

const IPV4_END = 0x1_0000_0000;

export class AddressClasses<C> {
  /** First address of each piece, ascending; the first is 0. */
  private readonly starts: Float64Array = new Float64Array(0);
  private readonly pieceClass: Int32Array = new Int32Array(0);
  private readonly ids = new Map<string, number>();
  private readonly memo = new Map<AddressKey, number>();
  /** What each class number stands for, made by `make` from the first address asked of the class. */
  private readonly values: (C | undefined)[] = [];
  private count = 0;
  private readonly rows = new TableMemo((text) => this.classOf(text));

  /**
   * `key` names the class of an address, `make` what the class holds (see holding). With `spans` (every edge
   * the key depends on, for IPv4), IPv4 addresses are classed by piece; without, one by one.
   */
  constructor(
    readonly key: (ip: Ip) => string,
    private readonly make: (ip: Ip) => C,
    spans: readonly Span[] | undefined,
  ) {
    if (!spans) return;
    const edges = [0];
    for (const s of spans) {
      edges.push(s.from);
      if (s.to + 1 < IPV4_END) edges.push(s.to + 1);
    }
    edges.sort((a, b) => a - b);
    const starts: number[] = [];
    for (const e of edges) if (starts[starts.length - 1] !== e) starts.push(e);
    this.starts = Float64Array.from(starts);
    this.pieceClass = Int32Array.from(starts, (s) => this.intern({ family: 'ipv4', value: BigInt(s) }));
  }

  /** What class `c` holds; `text` is an address of it, which makes it when it is asked for the first time. */
  holding(c: number, text: string): C {
    let v = this.values[c];
    if (v === undefined) this.values[c] = v = this.make(parseIp(text)!);
    return v;
  }

  /** The class number of the address written `text`; -1 when it is no address. */
  classOf(text: string): number {
    const key = addressKey(text);
    if (typeof key === 'number' && this.starts.length > 0) return this.pieceClass[this.pieceOf(key)]!;
    let c = this.memo.get(key);
    if (c === undefined) {
      const ip = parseIp(text);
      c = ip ? this.intern(ip) : -1;
      this.memo.set(key, c);
    }
    return c;
  }

  /** The class number of address `i` of a conntrack table's list of addresses: worked out once per address. */
  classOfTable(addresses: readonly string[], i: number): number {
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

  /** The last piece starting at or before `v`. */
  private pieceOf(v: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= v) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
