/** Looks a key from the input up in a constant table; `constructor` or `__proto__` in a dump must not hit Object.prototype. */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
