/**
 * A fixed set of words looked up where they stand in a line (text, or bytes not yet decoded), without a slice per
 * word: candidates by length and first character, then compared in place. The fast path reads a protocol, a state
 * and a flag or two on every line of a table; a slice each was a string to make, hash and collect a million times
 * over.
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

  /** The value of the word on [from, to) of `bytes`, undecoded (its characters ASCII), or undefined. */
  getBytes(bytes: Uint8Array, from: number, to: number): T | undefined {
    const k = byteBucketOf(bytes, from, to);
    const bucket = k < 0 ? undefined : this.buckets[k];
    if (bucket) for (const [word, value] of bucket) if (sameBytes(bytes, from, word)) return value;
    return undefined;
  }
}

/** The word's bucket, of a word given as bytes (ASCII). */
function byteBucketOf(bytes: Uint8Array, from: number, to: number): number {
  const n = to - from;
  const c = bytes[from]!;
  return n > 0 && n < 64 && c < 128 ? n * 128 + c : -1;
}

/** Whether [from, to) of `bytes` is `word` (of the bucket's length), byte by character. */
function sameBytes(bytes: Uint8Array, from: number, word: string): boolean {
  for (let i = 1; i < word.length; i++) if (bytes[from + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** Words of 1 to 63 characters starting with an ASCII character have a bucket. */
function bucketOf(text: string, from: number, to: number): number {
  const n = to - from;
  const c = text.charCodeAt(from);
  return n > 0 && n < 64 && c < 128 ? n * 128 + c : -1;
}
