/**
 * A fixed set of words looked up where they stand in a line, without a slice per word: candidates by length and
 * first character, then compared in place. The fast path reads a protocol, a state and a flag or two on every
 * line of a table; a slice each was a string to make, hash and collect a million times over.
 */
export class WordLookup<T> {
  private readonly buckets: (readonly (readonly [string, T])[])[] = [];

  constructor(entries: Iterable<readonly [string, T]>) {
    for (const entry of entries) {
      const k = bucketOf(entry[0], 0, entry[0].length);
      if (k < 0) throw new Error(`not a word for a lookup: ${entry[0]}`);
      this.buckets[k] = [...(this.buckets[k] ?? []), entry];
    }
  }

  /** The value of the word on [from, to) of `text`, or undefined when it is none of the set. */
  get(text: string, from: number, to: number): T | undefined {
    const k = bucketOf(text, from, to);
    const bucket = k < 0 ? undefined : this.buckets[k];
    if (bucket) for (const [word, value] of bucket) if (text.startsWith(word, from)) return value;
    return undefined;
  }
}

/** Words of 1 to 63 characters starting with an ASCII character have a bucket. */
function bucketOf(text: string, from: number, to: number): number {
  const n = to - from;
  const c = text.charCodeAt(from);
  return n > 0 && n < 64 && c < 128 ? n * 128 + c : -1;
}
