/**
 * A stale conntrack entry as the report lists it, read from its table's row and its verdict when asked. A table
 * after a mass redeploy has a stale entry for most lines; holding each one's reason, target and cleanup command
 * as text, or an entry object, until the report is written cost more memory than the table.
 */
import type { ConntrackColumns } from '../../model/conntrack-columns';
import type { TableAddresses } from '../../model/address-interner';
import type { Family } from '../../model/values';
import { endpointNumber } from '../address-key';
import { entryCleanup } from './cleanup';
import { type StaleVerdict, natTargetOf, staleReason } from './conntrack-stale';
import { EntryRow } from './entry-row';
import type { StaleEntry } from './model';

/** Where a table's entries come from: shared by all its stale entries. */
export interface TableOrigin {
  readonly columns: ConntrackColumns;
  readonly node: string;
  readonly file: string;
}

/** A row's original destination port, null when it has none: read from the columns for plain rows. */
export function destinationPort(c: ConntrackColumns, row: number): number | null {
  if (c.isObject(row)) return c.entry(row).orig.dport ?? null;
  const port = c.origDport(row);
  return port < 0 ? null : port;
}

/** The number `addressId` gives a row's original destination (an index into the table's addresses). */
export function destinationKey(
  c: ConntrackColumns,
  row: number,
  addressId: (addresses: TableAddresses, i: number) => number,
): number {
  return addressId(c.addresses, c.origDstId(row));
}

/**
 * A row's recorded target as a number, equal for two entries to one destination exactly when their targets are:
 * the reply source's number given by `addressId`, and its port; -1 when the entry records no DNAT. Read from
 * the columns: no row is loaded.
 */
export function targetKey(
  c: ConntrackColumns,
  row: number,
  addressId: (addresses: TableAddresses, i: number) => number,
): number {
  const reply = c.replySrcId(row);
  const port = c.replySport(row);
  if (reply === c.origDstId(row) && port === c.origDport(row)) return -1;
  return endpointNumber(addressId(c.addresses, reply), port < 0 ? undefined : port);
}

/** One row loaded for the words of one entry at a time: report writers read an entry's fields one after another. */
const scratch = new EntryRow();
let loadedOrigin: TableOrigin | undefined;
let loadedRow = -1;

export class ConntrackStaleEntry implements StaleEntry {
  constructor(
    readonly origin: TableOrigin,
    readonly row: number,
    readonly verdict: StaleVerdict,
  ) {}

  private loaded(): EntryRow {
    if (loadedOrigin !== this.origin || loadedRow !== this.row) {
      scratch.load(this.origin.columns, this.row);
      loadedOrigin = this.origin;
      loadedRow = this.row;
    }
    return scratch;
  }

  get proto(): string {
    return this.origin.columns.proto(this.row);
  }
  get src(): string {
    const c = this.origin.columns;
    return c.addresses.textOf(c.origSrcId(this.row));
  }
  get sport(): number | null {
    return this.loaded().orig.sport ?? null;
  }
  get dst(): string {
    const c = this.origin.columns;
    return c.addresses.textOf(c.origDstId(this.row));
  }
  get dport(): number | null {
    return destinationPort(this.origin.columns, this.row);
  }
  get natTarget(): string | null {
    return natTargetOf(this.loaded());
  }
  get reason(): string {
    return staleReason(this.loaded(), this.verdict);
  }
  get service(): string | null {
    return this.verdict.service;
  }
  get line(): number {
    return this.origin.columns.line(this.row);
  }
  get kind(): StaleVerdict['kind'] {
    return this.verdict.kind;
  }
  get node(): string {
    return this.origin.node;
  }
  get family(): Family {
    return this.origin.columns.family(this.row);
  }
  get file(): string {
    return this.origin.file;
  }
  get state(): string | undefined {
    return this.origin.columns.state(this.row);
  }
  get table(): 'conntrack' {
    return 'conntrack';
  }
  get now(): readonly string[] {
    return this.verdict.now;
  }
  get cleanup(): string {
    return entryCleanup(this.loaded());
  }

  /** The plain record, fields in the order StaleEntry lists them, for whoever writes the analysis as JSON itself. */
  toJSON(): StaleEntry {
    return {
      proto: this.proto,
      src: this.src,
      sport: this.sport,
      dst: this.dst,
      dport: this.dport,
      natTarget: this.natTarget,
      reason: this.reason,
      service: this.service,
      line: this.line,
      kind: this.kind,
      node: this.node,
      family: this.family,
      file: this.file,
      ...(this.state !== undefined ? { state: this.state } : {}),
      table: this.table,
      now: this.now,
      cleanup: this.cleanup,
    };
  }
}
