/** Decimal numbers without sign, as every format writes counts, ports and ids. */

const DIGITS = /^\d+$/;

/**
 * [from, to) of `text` as a decimal without sign, or -1; a loop instead of a regex and Number() because it
 * runs for every field of a conntrack table (and, on its fast path, reads the line in place).
 */
export function decimal(text: string, from = 0, to = text.length): number {
  const n = to - from;
  if (n === 0 || n > 15) return n > 15 && DIGITS.test(text.slice(from, to)) ? Number(text.slice(from, to)) : -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** A word as a decimal without sign; undefined when it is absent or not one. */
export function decimalWord(text: string | undefined): number | undefined {
  const v = text === undefined ? -1 : decimal(text);
  return v < 0 ? undefined : v;
}
