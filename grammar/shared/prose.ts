/**
 * Text below a pasted dump that is not the dump's: a sentence ("Nothing unusual in the routes."), or the
 * lines of a JSON or YAML document the dump was embedded in (`},`, `"kind": "ConfigMap",`, `metadata:`).
 * A reader that cannot read such a line ends its dump there (reader.ts, StopAt `ends`) instead of
 * reporting it as a broken record.
 */
// The apostrophe ’ escaped: a bundle of ASCII alone is read faster at every start (scripts/build.mjs).
const WORD = /^[A-Za-z][A-Za-z'\u2019-]*[.,:;!?)]*$/;
const DOCUMENT = /^\s*(?:[{}[\],]+|"[^"]*"\s*:.*|[A-Za-z][\w.-]*:(?:\s.*)?)$/;

export function looksLikeProse(raw: string): boolean {
  if (DOCUMENT.test(raw)) return true;
  const words = raw.trim().split(/\s+/);
  if (!/^[A-Za-z]/.test(words[0]!) || raw.includes('=')) return false;
  // Two words make a sentence only when they end like one ("Looks normal.").
  if (words.length < 3) return words.length === 2 && words.every((w) => WORD.test(w)) && /[.!?:]$/.test(raw.trim());
  return words.filter((w) => WORD.test(w)).length >= words.length * 0.6;
}
