/** Chevrotain custom-pattern helper for tokens that only mean something at the start of a line (`#`, `*`, `:`). */
import type { CustomPatternMatcherFunc } from 'chevrotain';

function atLineStart(text: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

export function lineStartPattern(regex: RegExp): CustomPatternMatcherFunc {
  const sticky = new RegExp(regex.source, 'y');
  return (text, offset) => {
    if (!atLineStart(text, offset)) return null;
    sticky.lastIndex = offset;
    return sticky.exec(text);
  };
}

/**
 * `start_chars_hint` for a complement class `[^excluded]`: chevrotain cannot derive first characters of a
 * complement and silently drops its first-char optimisation without a hint (ecosystem.md §3). Above 255,
 * chevrotain buckets character codes 255 at a time, so one code per bucket stands for the whole bucket.
 */
export function complementStartChars(excluded: string): number[] {
  const skip = new Set([...excluded].map((c) => c.charCodeAt(0)));
  const codes: number[] = [];
  for (let c = 0; c < 256; c++) if (!skip.has(c)) codes.push(c);
  for (let c = 256; c < 0x10000; c += 255) codes.push(c);
  return codes;
}
