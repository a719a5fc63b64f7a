/**
 * The stale entries of an analysis, in the order found: a conntrack entry is three numbers (its table, row and
 * verdict) in typed arrays, an IPVS entry its object. After a mass redeploy most of a million rows are stale; an
 * object per stale entry and its slots in the lists and groups held about 70 bytes each. Entries are made as
 * objects when read (`entry`), for reports and library users that read them.
 */
import { ConntrackStaleEntry, type TableOrigin } from './conntrack-stale-entry';
import type { StaleVerdict } from './conntrack-stale';
import type { StaleAnalysis, StaleEntry } from './model';
import type { Finding } from '../finding';
import { StaleFindings } from './findings';
import { pieceAt } from '../../model/sorted-starts';

/** Ids of values that repeat across many entries (tables, verdicts). */
export class Numbered<T> {
  readonly values: T[] = [];
  private readonly ids = new Map<T, number>();
  // Rows come table by table, and a table's stale entries often in runs of one verdict: no Map lookup then.
  private last: T | undefined;
  private lastId = -1;
  id(v: T): number {
    if (v === this.last) return this.lastId;
    this.last = v;
    return (this.lastId = this.lookup(v));
  }
  private lookup(v: T): number {
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(v);
      this.ids.set(v, id);
    }
    return id;
  }
}

/** Entries per block: lists grow a block at a time, never copied whole. */
const BLOCK_BITS = 14;
const BLOCK = 1 << BLOCK_BITS;
const MASK = BLOCK - 1;

/** Per entry, two numbers side by side: the row of its table (or the object's index) and the verdict's number. */
const WIDTH = 2;

/** Where runs of entries of one table start, and each run's table (-1 for entries held as objects). */
interface Runs {
  readonly starts: number[];
  readonly tables: number[];
}

export class StaleList {
  private readonly origins = new Numbered<TableOrigin>();
  private readonly objects: StaleEntry[] = [];
  /**
   * Blocks of BLOCK entries. A list grown by doubling held its old and new arrays at once while copying, and the
   * analysis's list and a node's first look side by side: 50 MB on a million stale entries, where blocks and
   * settling in place (`settle`) keep 8.
   */
  private readonly blocks: Int32Array[] = [];
  /**
   * The entries' tables as runs: a node's rows come table by table, so a table's number per entry (4 of 12 bytes)
   * would repeat one value over hundreds of thousands of entries.
   */
  private runs: Runs = { starts: [], tables: [] };
  /** The run the last lookup found: readers go through the list in order. */
  private run = 0;
  length = 0;

  /**
   * `verdicts` numbers the verdicts: lists that share it (an analysis's judging and its result) pass entries on by
   * the verdict's number, which the judge gives, without a lookup by the verdict.
   */
  constructor(readonly verdicts = new Numbered<StaleVerdict>()) {}

  /** Entry `i`, the one after the last set (pushed, or kept while settling). */
  private set(i: number, table: number, row: number, verdict: number): void {
    let block = this.blocks[i >>> BLOCK_BITS];
    if (!block) this.blocks.push((block = new Int32Array(BLOCK * WIDTH)));
    const at = (i & MASK) * WIDTH;
    block[at] = row;
    block[at + 1] = verdict;
    const { starts, tables } = this.runs;
    if (tables[tables.length - 1] !== table || tables.length === 0) {
      starts.push(i);
      tables.push(table);
    }
  }

  private field(i: number, k: number): number {
    return this.blocks[i >>> BLOCK_BITS]![(i & MASK) * WIDTH + k]!;
  }

  /** The number of entry `i`'s table, -1 for an object. */
  private tableOf(i: number): number {
    const { starts, tables } = this.runs;
    let r = this.run;
    if (!(starts[r]! <= i && (r + 1 === starts.length || i < starts[r + 1]!))) this.run = r = pieceAt(starts, i);
    return tables[r]!;
  }

  pushRow(origin: TableOrigin, row: number, verdict: StaleVerdict): void {
    this.pushNumbered(origin, row, this.verdicts.id(verdict));
  }

  /** A row whose verdict is number `verdict` of the list's `verdicts`. */
  pushNumbered(origin: TableOrigin, row: number, verdict: number): void {
    this.set(this.length++, this.origins.id(origin), row, verdict);
  }

  push(entry: StaleEntry): void {
    if (entry instanceof ConntrackStaleEntry) {
      this.pushRow(entry.origin, entry.row, entry.verdict);
      return;
    }
    this.set(this.length++, -1, this.objects.length, 0);
    this.objects.push(entry);
  }

  /**
   * Settles the row entries from `from` on, in order: `verdict` gives each one's verdict number, or -1 to drop it.
   * It is given the entry's table, since the list's own runs are being rebuilt (`originOf` cannot be asked). The
   * entries kept move up in place and the blocks no longer needed are freed.
   */
  settle(from: number, verdict: (i: number, origin: TableOrigin | undefined) => number): void {
    const before = this.runs;
    const first = before.starts.findIndex((s) => s >= from);
    const cut = first < 0 ? before.starts.length : first;
    this.runs = { starts: before.starts.slice(0, cut), tables: before.tables.slice(0, cut) };
    this.run = 0;
    let kept = from;
    for (let i = from; i < this.length; i++) {
      const table = before.tables[pieceAt(before.starts, i)]!;
      const v = verdict(i, table < 0 ? undefined : this.origins.values[table]);
      if (v >= 0) this.set(kept++, table, this.field(i, 0), v);
    }
    this.length = kept;
    this.blocks.length = (kept + MASK) >>> BLOCK_BITS;
  }

  /** The entry's table, when it is a conntrack row (undefined for an entry held as an object). */
  originOf(i: number): TableOrigin | undefined {
    const t = this.tableOf(i);
    return t < 0 ? undefined : this.origins.values[t];
  }

  /** The conntrack row of the entry (for a row entry). */
  rowOf(i: number): number {
    return this.field(i, 0);
  }

  /** The number of the entry's verdict, the same for every entry of that verdict (for a row entry). */
  verdictIdOf(i: number): number {
    return this.field(i, 1);
  }

  /** The verdict of the entry (for a row entry). */
  verdictOf(i: number): StaleVerdict {
    return this.verdicts.values[this.field(i, 1)]!;
  }

  /** The entry as an object: made when asked for a row entry (a new object each time). */
  entry(i: number): StaleEntry {
    const origin = this.originOf(i);
    return origin ? new ConntrackStaleEntry(origin, this.rowOf(i), this.verdictOf(i)) : this.objects[this.rowOf(i)]!;
  }

  /** Every entry as an object. */
  entries(): StaleEntry[] {
    return Array.from({ length: this.length }, (_, i) => this.entry(i));
  }

  static of(entries: readonly StaleEntry[]): StaleList {
    const list = new StaleList();
    for (const e of entries) list.push(e);
    return list;
  }
}

/** What is behind each analysis analysisOf made: report writers read its rows and findings without making all. */
const behind = new WeakMap<StaleAnalysis, { readonly list: StaleList; readonly findings: StaleFindings }>();

/**
 * The analysis with `stale` as its entries' objects and `findings` made, each when first read (and kept): the
 * `stale` command's reports read the list (staleListOf), the groups and the findings one at a time
 * (staleFindingsOf), and never make them all.
 */
export function analysisOf(
  list: StaleList,
  rest: Omit<StaleAnalysis, 'stale' | 'findings'> & { readonly findings: StaleFindings },
): StaleAnalysis {
  let entries: StaleEntry[] | undefined;
  let findings: Finding[] | undefined;
  const made = Object.defineProperties(
    {},
    {
      stale: { enumerable: true, get: () => (entries ??= list.entries()) },
      groups: { enumerable: true, value: rest.groups },
      nodes: { enumerable: true, value: rest.nodes },
      findings: { enumerable: true, get: () => (findings ??= rest.findings.all()) },
    },
  ) as StaleAnalysis;
  behind.set(made, { list, findings: rest.findings });
  return made;
}

/** The analysis with more findings, its entries and findings still unmade. */
export function withFindings(a: StaleAnalysis, findings: readonly Finding[]): StaleAnalysis {
  if (findings.length === 0) return a;
  return analysisOf(staleListOf(a), { groups: a.groups, nodes: a.nodes, findings: staleFindingsOf(a).with(findings) });
}

/** The stale entries of an analysis as a list: the one behind it, or one made of its `stale`. */
export function staleListOf(a: StaleAnalysis): StaleList {
  return behind.get(a)?.list ?? StaleList.of(a.stale);
}

/** The findings of an analysis, made when read: those behind it, or its `findings`. */
export function staleFindingsOf(a: StaleAnalysis): StaleFindings {
  return behind.get(a)?.findings ?? StaleFindings.of(a.findings);
}
