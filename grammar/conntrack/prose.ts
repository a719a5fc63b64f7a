/**
 * A line of prose after a listing (`As you can see the entries to 10.96.0.10 are still there.`): it ends the
 * dump (StopAt, grammar/shared/reader.ts) instead of becoming a bad entry. Prose has no `key=value` field, and
 * its first words are not how an entry starts, damaged or not: a protocol name or number, a family, a flag, `-A`, or
 * a cut name followed by the protocol number (`cp      6 431981 …`), which stay damaged entries.
 */
import type { IToken } from 'chevrotain';
import { L4_NUMBERS } from './protocols';
import { KeyValue, Tuple, Word } from './tokens';

const DIGITS = /^\d+$/;
// `-A` starts `-o save` lines.
const ENTRY_WORDS = new Set(['-A', 'ipv4', 'ipv6', 'unknown', ...Object.keys(L4_NUMBERS)]);

export function isProse(tokens: readonly IToken[]): boolean {
  const [first, second] = tokens;
  if (!first || first.tokenType !== Word || DIGITS.test(first.image) || ENTRY_WORDS.has(first.image)) return false;
  if (second && second.tokenType === Word && DIGITS.test(second.image)) return false;
  return !tokens.some((t) => t.tokenType === KeyValue || t.tokenType === Tuple);
}
