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
    return topTallies(
      [...this.counts].map(([key, entries]) => ({ key, entries })),
      n,
    );
  }
}

/**
 * The n largest tallies, most first, ties by key. Only those that can make the first n are sorted by key: a
 * million sources compared with localeCompare took seconds, their counts as numbers a few milliseconds.
 */
export function topTallies(tallies: readonly Tally[], n = Number.MAX_SAFE_INTEGER): Tally[] {
  let candidates = tallies;
  if (n > 0 && n < tallies.length) {
    const counts = Float64Array.from(tallies, (t) => t.entries).sort();
    const least = counts[counts.length - n]!;
    candidates = tallies.filter((t) => t.entries >= least);
  }
  return candidates
    .map((t) => ({ key: t.key, entries: t.entries }))
    .sort((a, b) => b.entries - a.entries || a.key.localeCompare(b.key))
    .slice(0, n);
}
