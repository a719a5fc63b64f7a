/**
 * Results as plain JSON values: exactly what `JSON.parse` of the CLI's `--json` gives (bigint counters as
 * numbers while exact, else decimal strings, as src/report/json.ts prints them; undefined members left out),
 * so that a library result and the CLI's document are deep-equal, strictly.
 */

/** The JSON form of a type: what `plain` makes of a value of it. */
export type Json<T> = T extends bigint
  ? number | string
  : T extends string | number | boolean | null
    ? T
    : T extends readonly (infer U)[]
      ? Json<U>[]
      : T extends object
        ? { -readonly [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: Json<T[K]> }
        : never;

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** JSON.stringify's rules without the string: toJSON, finite numbers, undefined and functions dropped. */
export function plain<T>(value: T): Json<T> {
  return walk(value, '') as Json<T>;
}

function walk(value: unknown, key: string): unknown {
  const v =
    value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function'
      ? (value as { toJSON(k: string): unknown }).toJSON(key)
      : value;
  switch (typeof v) {
    case 'bigint':
      return v <= MAX_EXACT ? Number(v) : v.toString();
    case 'number':
      // -0 prints as 0, and NaN or infinities as null.
      return Number.isFinite(v) ? v + 0 : null;
    case 'string':
    case 'boolean':
      return v;
    case 'object':
      if (v === null) return null;
      if (Array.isArray(v)) return v.map((x, i) => walk(x, String(i)) ?? null);
      return members(v);
    case 'symbol':
    case 'undefined':
    case 'function':
      return undefined;
  }
}

function members(v: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const p = walk(x, k);
    if (p !== undefined) out[k] = p;
  }
  return out;
}
