/**
 * Values by name, found by a word of a line without copying the word out: the fast path (fast-rule.ts) finds the
 * module of every `-m NAME` this way, where a lookup in a Map needed the name as a string of its own (about
 * 115,000 made and dropped on a dump of 10,000 services).
 */

/** The names and their values by the name's length. */
export type NamesByLength<T> = readonly (readonly (readonly [string, T])[] | undefined)[];

export function namesByLength<T>(all: ReadonlyMap<string, T>): NamesByLength<T> {
  const byLength: [string, T][][] = [];
  for (const [name, value] of all) (byLength[name.length] ??= []).push([name, value]);
  return byLength;
}

/** The value of the name spelt on [start, end) of `text`, if any. */
export function namedIn<T>(names: NamesByLength<T>, text: string, start: number, end: number): T | undefined {
  const named = names[end - start];
  if (!named) return undefined;
  const first = text.charCodeAt(start);
  for (const [name, value] of named) if (name.charCodeAt(0) === first && text.startsWith(name, start)) return value;
  return undefined;
}
