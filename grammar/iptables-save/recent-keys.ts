/**
 * The last few keys of one of the fast path's caches (fast-rule.ts) with their values, found by the text of the line
 * without a slice: in a kube-proxy dump of 10,000 services, `-p tcp`, `! -s 10.244.0.0/16`, `-m tcp` and `-m tcp
 * --dport 80` are each the last or the one before it, 110,000 times, and each lookup by a slice made a string to
 * hash (and, under 13 characters, to copy).
 */
export class RecentKeys<V> {
  /** Most recently used first. */
  private readonly keys: string[] = [];
  private readonly values: V[] = [];

  constructor(private readonly size: number) {}

  clear(): void {
    this.keys.length = 0;
    this.values.length = 0;
  }

  /** The value of the key spelt on [start, end) of `text`, if it is one of the last few. */
  find(text: string, start: number, end: number): V | undefined {
    const { keys } = this;
    const length = end - start;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key.length !== length || !text.startsWith(key, start)) continue;
      const value = this.values[i]!;
      for (let j = i; j > 0; j--) {
        keys[j] = keys[j - 1]!;
        this.values[j] = this.values[j - 1]!;
      }
      keys[0] = key;
      this.values[0] = value;
      return value;
    }
    return undefined;
  }

  /** A key not among the last few, at the front, in place of the least recently used. */
  add(key: string, value: V): void {
    const { keys, values } = this;
    for (let j = Math.min(keys.length, this.size - 1); j > 0; j--) {
      keys[j] = keys[j - 1]!;
      values[j] = values[j - 1]!;
    }
    keys[0] = key;
    values[0] = value;
  }
}
