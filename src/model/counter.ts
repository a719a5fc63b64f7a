/** Counting occurrences per key and listing the most frequent: state mixes, top talkers, reasons. */

export interface Tally {
  readonly key: string;
  readonly entries: number;
}

export class Counter {
  private readonly counts = new Map<string, number>();
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }
  keys(): IterableIterator<string> {
    return this.counts.keys();
  }
  /** The n most frequent keys, most first, ties by key. */
  top(n = Number.MAX_SAFE_INTEGER): Tally[] {
    return [...this.counts].map(([key, entries]) => ({ key, entries })).sort((a, b) => b.entries - a.entries || a.key.localeCompare(b.key)).slice(0, n);
  }
}
