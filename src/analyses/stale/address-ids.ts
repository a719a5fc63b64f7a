/**
 * Small numbers for the addresses one node's stale analysis compares: the targets of the walk's answers, the
 * services' entry points and the entries' own addresses. Two addresses get one number exactly when they have
 * one address key (address-key.ts), so lookups by number agree with the lookups by text they replace.
 */
import { addressKey, type AddressKey } from '../address-key';
import { TableMemo } from './table-memo';
import type { TableAddresses } from '../../model/address-interner';

export class AddressIds {
  private readonly ids = new Map<AddressKey, number>();
  // A dotted quad's number is its address key: no text made for it.
  private readonly rows = new TableMemo((addresses, i) => {
    const value = addresses.ipv4Of(i);
    return this.idOfKey(value >= 0 ? value : addressKey(addresses.textOf(i)));
  });

  id(text: string): number {
    return this.idOfKey(addressKey(text));
  }

  private idOfKey(key: AddressKey): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(key, id);
    }
    return id;
  }

  /** The number of address `i` of a conntrack table's list of addresses. */
  ofTable(addresses: TableAddresses, i: number): number {
    return this.rows.of(addresses, i);
  }
}
