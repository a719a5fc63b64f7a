/**
 * JSON output: one document; 64-bit counters as numbers while exact, as decimal strings beyond 2^53. Long
 * arrays (a million conntrack entries) are written element by element, so the document never has to exist
 * as one string (V8 caps a string near 512 MB).
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, replacer, 2);
}

function replacer(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v;
}

const LONG = 256;

/** The same document as toJson, produced in pieces of about `flushAt` characters. */
export function* jsonPieces(value: unknown, flushAt = 1 << 20): Generator<string> {
  let buffer = '';
  function* emit(s: string): Generator<string> {
    buffer += s;
    if (buffer.length >= flushAt) {
      yield buffer;
      buffer = '';
    }
  }
  function* walk(v: unknown, indent: string): Generator<string> {
    if (Array.isArray(v) && v.length > LONG) {
      const inner = `${indent}  `;
      yield* emit('[');
      for (let i = 0; i < v.length; i++) {
        yield* emit(`${i ? ',' : ''}\n${inner}`);
        yield* walk(v[i], inner);
      }
      yield* emit(`\n${indent}]`);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && hasLongArray(v)) {
      const inner = `${indent}  `;
      const entries = Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== 'function');
      yield* emit('{');
      for (let i = 0; i < entries.length; i++) {
        const [k, x] = entries[i]!;
        yield* emit(`${i ? ',' : ''}\n${inner}${JSON.stringify(k)}: `);
        yield* walk(x, inner);
      }
      yield* emit(`\n${indent}}`);
    } else {
      yield* emit((JSON.stringify(v, replacer, 2) ?? 'null').replaceAll('\n', `\n${indent}`));
    }
  }
  yield* walk(value, '');
  if (buffer) yield buffer;
}

function hasLongArray(v: object, depth = 0): boolean {
  if (depth > 3) return false;
  for (const x of Object.values(v)) {
    if (
      Array.isArray(x)
        ? x.length > LONG || x.some((y) => y !== null && typeof y === 'object' && hasLongArray(y, depth + 1))
        : x !== null && typeof x === 'object' && hasLongArray(x, depth + 1)
    )
      return true;
  }
  return false;
}
