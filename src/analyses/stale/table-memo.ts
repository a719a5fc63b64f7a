/**
 * A number per distinct address of a conntrack table, worked out once: rows hold their addresses as indices
 * into the table's list of distinct addresses (model/conntrack-columns.ts), so a million rows to sixty
 * thousand addresses read a typed array instead of parsing, hashing or classifying an address text each.
 */
import type { TableAddresses } from '../../model/address-interner';

const UNSET = -2;

export class TableMemo {
  private addresses: TableAddresses | undefined;
  private values: Int32Array = new Int32Array(0);

  /** `compute` gives the number of a table's address `i` (from -1 up); asked once per address of each table. */
  constructor(private readonly compute: (addresses: TableAddresses, i: number) => number) {}

  /** The number of `addresses[i]`: one table at a time, as the rows of one table are read one after another. */
  of(addresses: TableAddresses, i: number): number {
    if (addresses !== this.addresses || i >= this.values.length) {
      if (addresses !== this.addresses) this.values = new Int32Array(addresses.length).fill(UNSET);
      else this.values = grown(this.values, addresses.length);
      this.addresses = addresses;
    }
    let v = this.values[i]!;
    if (v === UNSET) this.values[i] = v = this.compute(addresses, i);
    return v;
  }
}

/** A table read further since: the numbers known so far, room for the rest. */
function grown(values: Int32Array, length: number): Int32Array {
  const next = new Int32Array(length).fill(UNSET);
  next.set(values);
  return next;
}
