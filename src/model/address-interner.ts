/**
 * A conntrack table's distinct addresses, each given an index in order of first sight. Dotted quads written as a
 * number prints them (the bulk of every table) are found by that number in an open-addressing hash over typed
 * arrays, read in place from the line: no string, slice or string hash per lookup, and the text is made once per
 * distinct address, printed from the number (which gives back a canonical quad's text), so a line read as bytes
 * interns addresses as a line read as text does. Other spellings (IPv6, leading zeros) are found by their text in
 * a Map. A canonical dotted quad only ever goes by number and every other text only by text, so one text has one
 * index either way. The addresses are kept as those numbers, a text made when asked (textOf): a text beside each
 * of a busy table's hundreds of thousands of addresses held 40 bytes of heap an address, which the analysis's peak
 * carried.
 */
import { canonicalIpv4Value, ipv4Text } from '../../grammar/shared/address';

const FIRST_BITS = 12;
/** Knuth's multiplicative hash constant: spreads the addresses of one subnet over the table. */
const GOLDEN = 0x9e3779b1;

/** A string of its own: a slice of a chunk of input would keep the whole chunk alive. */
const ownCopy = (s: string): string => JSON.parse(JSON.stringify(s)) as string;

/** A table's distinct addresses by index, in order of first sight. */
export interface TableAddresses {
  readonly length: number;
  /** The text of address `i`, made anew for a dotted quad. */
  textOf(i: number): string;
  /** The number of address `i` when it is a dotted quad written as its number prints it (canonicalIpv4Value), else -1. */
  ipv4Of(i: number): number;
}

/** No addresses: what a row reader holds before its first row. */
export const NO_ADDRESSES: TableAddresses = { length: 0, textOf: () => '', ipv4Of: () => -1 };

export class AddressInterner implements TableAddresses {
  length = 0;
  /** Per address: a dotted quad's number, or -1 - k for the text `otherTexts[k]`. */
  private values = new Float64Array(1024);
  private readonly otherTexts: string[] = [];
  private bits = FIRST_BITS;
  /** The dotted quads' numbers (as 32-bit integers), by slot. */
  private keys = new Int32Array(1 << FIRST_BITS);
  /** Index + 1 of the address in each slot; 0 for an empty slot. */
  private slots = new Int32Array(1 << FIRST_BITS);
  private quads = 0;
  private readonly others = new Map<string, number>();
  private released = false;

  /** The index of the dotted quad `value` (canonicalIpv4Value's number: a text with no leading zeros). */
  ipv4(value: number): number {
    if (this.released) this.rebuild();
    const key = value | 0;
    const mask = (1 << this.bits) - 1;
    for (let s = Math.imul(key, GOLDEN) >>> (32 - this.bits); ; s = (s + 1) & mask) {
      const slot = this.slots[s]!;
      if (slot === 0) break;
      if (this.keys[s] === key) return slot - 1;
    }
    const id = this.added(value);
    this.place(key, id + 1);
    if (++this.quads * 2 > 1 << this.bits) this.grow();
    return id;
  }

  /**
   * Frees the lookups while no address is being added (a table read to its end): 8 bytes a slot, two slots or more
   * per distinct address. A later lookup builds them again from the texts.
   */
  release(): void {
    this.bits = FIRST_BITS;
    this.keys = new Int32Array(1 << FIRST_BITS);
    this.slots = new Int32Array(1 << FIRST_BITS);
    this.quads = 0;
    this.others.clear();
    this.released = true;
  }

  private rebuild(): void {
    this.released = false;
    for (let id = 0; id < this.length; id++) {
      const value = this.values[id]!;
      if (value < 0) this.others.set(this.otherTexts[-1 - value]!, id);
      else {
        this.place(value | 0, id + 1);
        if (++this.quads * 2 > 1 << this.bits) this.grow();
      }
    }
  }

  textOf(i: number): string {
    const value = this.values[i]!;
    return value >= 0 ? ipv4Text(value) : this.otherTexts[-1 - value]!;
  }

  ipv4Of(i: number): number {
    const value = this.values[i]!;
    return value >= 0 ? value : -1;
  }

  /** A new address's index, `value` being its number or -1 - k for `otherTexts[k]`. */
  private added(value: number): number {
    if (this.length === this.values.length) {
      const values = new Float64Array(this.length * 2);
      values.set(this.values);
      this.values = values;
    }
    this.values[this.length] = value;
    return this.length++;
  }

  /** The index of an address given as text, in whatever spelling. */
  text(address: string): number {
    const value = canonicalIpv4Value(address, 0, address.length);
    if (value >= 0) return this.ipv4(value);
    if (this.released) this.rebuild();
    let id = this.others.get(address);
    if (id === undefined) {
      const own = ownCopy(address);
      id = this.added(-1 - this.otherTexts.length);
      this.otherTexts.push(own);
      this.others.set(own, id);
    }
    return id;
  }

  private place(key: number, slot: number): void {
    const mask = (1 << this.bits) - 1;
    let s = Math.imul(key, GOLDEN) >>> (32 - this.bits);
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.keys[s] = key;
    this.slots[s] = slot;
  }

  private grow(): void {
    const { keys, slots } = this;
    this.bits++;
    this.keys = new Int32Array(1 << this.bits);
    this.slots = new Int32Array(1 << this.bits);
    for (let s = 0; s < slots.length; s++) if (slots[s] !== 0) this.place(keys[s]!, slots[s]!);
  }
}
