/**
 * A stale conntrack entry as the report lists it, read from the entry and its verdict when asked. A table after a
 * mass redeploy has a stale entry for most lines; holding each one's reason, target and cleanup command as text
 * until the report is written cost more memory than the table.
 */
import type { ConntrackEntry } from '../../model/conntrack';
import type { Family } from '../../model/values';
import { entryCleanup } from './cleanup';
import { type StaleVerdict, natTargetOf, staleReason } from './conntrack-stale';
import type { StaleEntry } from './model';

export class ConntrackStaleEntry implements StaleEntry {
  constructor(
    readonly entry: ConntrackEntry,
    readonly verdict: StaleVerdict,
    readonly node: string,
    readonly file: string,
  ) {}

  get proto(): string {
    return this.entry.proto;
  }
  get src(): string {
    return this.entry.orig.src;
  }
  get sport(): number | null {
    return this.entry.orig.sport ?? null;
  }
  get dst(): string {
    return this.entry.orig.dst;
  }
  get dport(): number | null {
    return this.entry.orig.dport ?? null;
  }
  get natTarget(): string | null {
    return natTargetOf(this.entry);
  }
  get reason(): string {
    return staleReason(this.entry, this.verdict);
  }
  get service(): string | null {
    return this.verdict.service;
  }
  get line(): number {
    return this.entry.line;
  }
  get kind(): StaleVerdict['kind'] {
    return this.verdict.kind;
  }
  get family(): Family {
    return this.entry.family;
  }
  get state(): string | undefined {
    return this.entry.state;
  }
  get table(): 'conntrack' {
    return 'conntrack';
  }
  get now(): readonly string[] {
    return this.verdict.now;
  }
  get cleanup(): string {
    return entryCleanup(this.entry);
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
