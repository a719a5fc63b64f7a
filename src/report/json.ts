/**
 * JSON output: one document; 64-bit counters as numbers while exact, as decimal strings beyond 2^53. Long
 * arrays (a million conntrack entries) are written element by element, so the document never has to exist
 * as one string (V8 caps a string near 512 MB).
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, replacer, 2);
}

/**
 * toJson's text of a value. Without a replacer first: JSON.stringify calls one for every key of every value (most of
 * the time of writing thirteen thousand findings), and throws at the first bigint, where the replacer is needed.
 */
export function stringified(v: unknown): string | undefined {
  try {
    return JSON.stringify(v, null, 2);
  } catch {
    return JSON.stringify(v, replacer, 2);
  }
}

function replacer(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v;
}

const LONG = 256;

/**
 * An array whose elements are made as they are written: a report of a million entries need not hold each
 * entry's JSON value (or the document) at once. Written exactly as the array of `json` of its items would be;
 * `text`, when given, writes an item's JSON at an indent itself (the same text, faster than walking a value).
 */
export class StreamedArray<T> {
  constructor(
    /** Undefined when it is not known before writing (a stream): the array is then always written item by item. */
    readonly length: number | undefined,
    readonly items: () => Iterable<T>,
    readonly json: (item: T) => unknown,
    readonly text?: (item: T, indent: string) => string,
    /** Writes the elements at an indent as UTF-8 (from the first element's line break to the last's end), instead of `text`. */
    readonly bytes?: (indent: string) => Iterable<Uint8Array>,
  ) {}

  /** Where the array is short enough to be written by JSON.stringify. */
  toJSON(): unknown[] {
    return Array.from(this.items(), this.json);
  }
}

/**
 * A value made when the writer reaches it, after the values before it in its object are written: what a stream
 * written before it (a StreamedArray read once) tells only once it has been read.
 */
export class Later {
  constructor(readonly make: () => unknown) {}

  toJSON(): unknown {
    return this.make();
  }
}

const streamed = (v: StreamedArray<unknown>) => v.length === undefined || v.length > LONG;

/**
 * The same document as toJson, produced in pieces of about `flushAt` characters (or bytes, where a StreamedArray
 * writes its elements as bytes), indented for a value `indent` deep. Pieces stay small enough for
 * V8's young generation: with 1 MB pieces the parts waiting for a join were promoted at each scavenge and the
 * old generation filled with them, doubling the peak of `stale --json` on a million stale entries.
 */
export function* jsonPieces(value: unknown, flushAt = 1 << 16, indent = ''): Generator<string | Uint8Array> {
  // Parts joined once per piece: a piece grown by += is a rope of thousands of parts, flattened when written.
  // `add` is a plain function, not a generator delegated to: that made two generator objects per array element.
  let parts: string[] = [];
  let size = 0;
  const add = (s: string): boolean => {
    parts.push(s);
    size += s.length;
    return size >= flushAt;
  };
  const piece = (): string => {
    const joined = parts.join('');
    parts = [];
    size = 0;
    return joined;
  };
  function* walk(v: unknown, indent: string): Generator<string | Uint8Array> {
    if (v instanceof Later) {
      yield* walk(v.make(), indent);
    } else if (v instanceof StreamedArray && streamed(v) && v.bytes) {
      add('[');
      yield piece();
      yield* v.bytes(`${indent}  `);
      if (add(`\n${indent}]`)) yield piece();
    } else if (v instanceof StreamedArray && streamed(v)) {
      const inner = `${indent}  `;
      if (add('[')) yield piece();
      let i = 0;
      const text = v.text;
      for (const item of v.items()) {
        if (add(i++ ? `,\n${inner}` : `\n${inner}`)) yield piece();
        if (text) {
          if (add(text(item, inner))) yield piece();
        } else yield* walk(v.json(item), inner);
      }
      // A stream can turn out empty: written as JSON.stringify writes an empty array.
      if (add(i ? `\n${indent}]` : ']')) yield piece();
    } else if (v instanceof StreamedArray) {
      yield* walk(v.toJSON(), indent);
    } else if (Array.isArray(v) && v.length > LONG) {
      const inner = `${indent}  `;
      if (add('[')) yield piece();
      for (let i = 0; i < v.length; i++) {
        if (add(i ? `,\n${inner}` : `\n${inner}`)) yield piece();
        yield* walk(v[i], inner);
      }
      if (add(`\n${indent}]`)) yield piece();
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && hasLongArray(v)) {
      const inner = `${indent}  `;
      const entries = Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== 'function');
      if (add('{')) yield piece();
      for (let i = 0; i < entries.length; i++) {
        const [k, x] = entries[i]!;
        if (add(`${i ? ',' : ''}\n${inner}${JSON.stringify(k)}: `)) yield piece();
        yield* walk(x, inner);
      }
      if (add(`\n${indent}}`)) yield piece();
    } else if (add((stringified(v) ?? 'null').replaceAll('\n', `\n${indent}`))) yield piece();
  }
  yield* walk(value, indent);
  if (size) yield piece();
}

function hasLongArray(v: object, depth = 0): boolean {
  if (depth > 3) return false;
  for (const value of Object.values(v)) {
    // A Later is made only when written: its object is written by jsonPieces, which reaches it in turn.
    if ((value instanceof StreamedArray && streamed(value)) || value instanceof Later) return true;
    const x = value instanceof StreamedArray ? value.toJSON() : value;
    if (
      Array.isArray(x)
        ? x.length > LONG || x.some((y) => y !== null && typeof y === 'object' && hasLongArray(y, depth + 1))
        : x !== null && typeof x === 'object' && hasLongArray(x, depth + 1)
    )
      return true;
  }
  return false;
}
