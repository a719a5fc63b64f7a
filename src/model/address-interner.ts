/**
 * A conntrack table's distinct addresses, each given an index in order of first sight. Dotted quads written as a
 * number prints them (the bulk of every table) are found by that number in an open-addressing hash over typed
 * arrays, read in place from the line: no string, slice or string hash per lookup, and the text is made once per
 * distinct address, printed from the number (which gives back a canonical quad's text), so a line read as bytes
 * interns addresses as a line read as text does. Other spellings (IPv6, leading zeros) are found by their text in
 * a Map. A canonical dotted quad only ever goes by number and every other text only by text, so one text has one
 * index either way.
 */
import { canonicalIpv4Value, ipv4Text } from '../../grammar/shared/address';

const FIRST_BITS = 12;
/** Knuth's multiplicative hash constant: spreads the addresses of one subnet over the table. */
const GOLDEN = 0x9e3779b1;

/** A string of its own: a slice of a chunk of input would keep the whole chunk alive. */
const ownCopy = (s: string): string => JSON.parse(JSON.stringify(s)) as string;

export class AddressInterner {
  /** The distinct addresses, in order of first sight. */
  readonly texts: string[] = [];
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
    const id = this.texts.length;
    this.texts.push(ipv4Text(value));
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
    this.texts.forEach((text, id) => {
      const value = canonicalIpv4Value(text, 0, text.length);
      if (value < 0) this.others.set(text, id);
      else {
        this.place(value | 0, id + 1);
        if (++this.quads * 2 > 1 << this.bits) this.grow();
      }
    });
  }

  /** The index of an address given as text, in whatever spelling. */
  text(address: string): number {
    const value = canonicalIpv4Value(address, 0, address.length);
    if (value >= 0) return this.ipv4(value);
    if (this.released) this.rebuild();
    let id = this.others.get(address);
    if (id === undefined) {
      const own = ownCopy(address);
      id = this.texts.length;
      this.texts.push(own);
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
