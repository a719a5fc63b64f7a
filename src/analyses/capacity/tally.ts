/** Counting entries per key and keeping the largest: the state mix and the top talkers. */
import type { Tally } from './model';

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
  top(n: number): Tally[] {
    return [...this.counts].map(([key, entries]) => ({ key, entries })).sort((a, b) => b.entries - a.entries || a.key.localeCompare(b.key)).slice(0, n);
  }
}
