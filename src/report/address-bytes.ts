/**
 * A conntrack table's addresses as UTF-8 bytes, encoded once per address when first written: a report writes
 * each address of a stale entry three to five times, and a busy table's million entries share a few hundred
 * thousand addresses.
 */
import { plainInJson } from './byte-sink';
import type { TableAddresses } from '../model/address-interner';

const UNKNOWN = -1;
/** The address needs JSON escapes: its entries are written otherwise. */
const ESCAPED = -2;
/** In an address's second slot, beside its length: IPv6 text, written in brackets before a port. */
const COLON = 1 << 30;

const encoder = new TextEncoder();

export class AddressBytes {
  /** The bytes of the addresses met, one after another. */
  pool = new Uint8Array(1 << 16);
  private used = 0;
  /**
   * Two slots per address index, side by side so that an address costs one cache miss: where its bytes start in
   * `pool`, and their length (with COLON), UNKNOWN before it is met, or ESCAPED.
   */
  slots = new Int32Array(0);

  constructor(readonly texts: TableAddresses) {}

  /**
   * The length of address `id`'s bytes (encoded now if it was not yet), negative when it needs escapes; `pool` may
   * be a new array after.
   */
  know(id: number): number {
    if (2 * id >= this.slots.length) this.grow();
    const known = this.slots[2 * id + 1]!;
    return (known === UNKNOWN ? this.encode(id) : known) & ~COLON;
  }

  /** Where address `id`'s bytes start in `pool` (after `know`). */
  start(id: number): number {
    return this.slots[2 * id]!;
  }

  /** Address `id` is IPv6 text (after `know`). */
  colon(id: number): boolean {
    return (this.slots[2 * id + 1]! & COLON) !== 0;
  }

  private encode(id: number): number {
    const text = this.texts.textOf(id);
    if (!plainInJson(text)) return (this.slots[2 * id + 1] = ESCAPED);
    if (this.used + text.length * 3 > this.pool.length) {
      const pool = new Uint8Array(Math.max(this.pool.length * 2, this.used + text.length * 3));
      pool.set(this.pool.subarray(0, this.used));
      this.pool = pool;
    }
    const written = encoder.encodeInto(text, this.pool.subarray(this.used)).written;
    this.slots[2 * id] = this.used;
    this.used += written;
    return (this.slots[2 * id + 1] = written | (text.includes(':') ? COLON : 0));
  }

  /** Room for every address of the table (it may have grown since). */
  private grow(): void {
    const slots = new Int32Array(2 * this.texts.length).fill(UNKNOWN);
    slots.set(this.slots);
    this.slots = slots;
  }
}
