/**
 * One row of a conntrack table (model/conntrack-columns.ts) as the stale analysis reads it: loaded into one
 * reused object and read in place, so that judging a million entries, wording and writing the stale ones
 * make no entry object each.
 */
import type { ConntrackColumns } from '../../model/conntrack-columns';
import { NO_ADDRESSES, type TableAddresses } from '../../model/address-interner';
import type { Family } from '../../model/values';

/** The original direction: what the walk is asked about and the cleanup command names. */
export interface RowTuple {
  src: string;
  dst: string;
  sport: number | undefined;
  dport: number | undefined;
  type: number | undefined;
  code: number | undefined;
  id: number | undefined;
}

export class EntryRow {
  family: Family = 'ipv4';
  proto = '';
  zone: number | undefined = undefined;
  readonly orig: RowTuple = {
    src: '',
    dst: '',
    sport: undefined,
    dport: undefined,
    type: undefined,
    code: undefined,
    id: undefined,
  };
  /** The reply's source: where the entry sends the connection. */
  readonly reply: { src: string; sport: number | undefined } = { src: '', sport: undefined };
  /** The table's distinct addresses, and the indices of the row's among them (equal indices, equal addresses). */
  addresses: TableAddresses = NO_ADDRESSES;
  origSrcId = 0;
  origDstId = 0;
  replySrcId = 0;

  load(c: ConntrackColumns, i: number): this {
    this.family = c.family(i);
    this.proto = c.proto(i);
    this.addresses = c.addresses;
    this.origSrcId = c.origSrcId(i);
    this.origDstId = c.origDstId(i);
    this.replySrcId = c.replySrcId(i);
    const o = this.orig;
    const r = this.reply;
    if (c.isObject(i)) {
      const e = c.entry(i);
      this.zone = e.zone;
      o.src = e.orig.src;
      o.dst = e.orig.dst;
      o.sport = e.orig.sport;
      o.dport = e.orig.dport;
      o.type = e.orig.type;
      o.code = e.orig.code;
      o.id = e.orig.id;
      r.src = e.reply.src;
      r.sport = e.reply.sport;
      return this;
    }
    const a = c.addresses;
    this.zone = undefined;
    o.src = a.textOf(this.origSrcId);
    o.dst = a.textOf(this.origDstId);
    const sport = c.origSport(i);
    const dport = c.origDport(i);
    o.sport = sport < 0 ? undefined : sport;
    o.dport = dport < 0 ? undefined : dport;
    o.type = o.code = o.id = undefined;
    r.src = a.textOf(this.replySrcId);
    const rsport = c.replySport(i);
    r.sport = rsport < 0 ? undefined : rsport;
    return this;
  }

  /** The reply comes from somewhere other than where the client sent to: the destination was rewritten. */
  rewritten(): boolean {
    return this.replySrcId !== this.origDstId || this.reply.sport !== this.orig.dport;
  }
}
