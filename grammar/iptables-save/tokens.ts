/**
 * Tokens of the iptables-save/restore format (shared/reference/formats.md §1.1–1.2). Coarse on purpose:
 * option names and values are all `Word`/`Quoted`; the extraction step gives them meaning.
 * Order matters: chevrotain takes the first pattern that matches, not the longest.
 */
import { Lexer, createToken } from 'chevrotain';
import { complementStartChars, lineStartPattern } from '../shared/line-start';

// Blanks separate words; \r before \n (CRLF pastes) and other ASCII blanks count as blanks too.
export const Blank = createToken({ name: 'Blank', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
export const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true });

// `#` starts a comment only at the start of a line; elsewhere it is part of a word.
export const Comment = createToken({ name: 'Comment', pattern: lineStartPattern(/#[^\n]*/), start_chars_hint: ['#'], line_breaks: false });
export const TableStart = createToken({ name: 'TableStart', pattern: lineStartPattern(/\*[^ \t\r\n]*/), start_chars_hint: ['*'], line_breaks: false });
// `:` starts a chain declaration only at line start: `--to-destination :8080` is a word.
export const ChainDecl = createToken({ name: 'ChainDecl', pattern: lineStartPattern(/:[^ \t\r\n]*/), start_chars_hint: [':'], line_breaks: false });

// A quoted segment; one that touches the bare word before it (`ab"c d"`) joins that word, and its closing
// quote ends the word (`"x"y` is two words), as iptables-restore's add_param_to_argv does.
export const Quoted = createToken({ name: 'Quoted', pattern: /"(?:[^"\\\n]|\\[^\n])*"/ });
export const Word = createToken({ name: 'Word', pattern: /[^ \t\r\n\f\v"]+/, start_chars_hint: complementStartChars(' \t\r\n\f\v"') });
export const Counters = createToken({ name: 'Counters', pattern: /\[\d+:\d+\]/, longer_alt: Word });
export const Bang = createToken({ name: 'Bang', pattern: /!/, longer_alt: Word });
// An opening quote that never closes on its line: its own token, so the line gets a precise diagnostic.
export const OpenQuote = createToken({ name: 'OpenQuote', pattern: /"[^\n]*/ });

export const allTokens = [Blank, Newline, Comment, TableStart, ChainDecl, Counters, Bang, Quoted, Word, OpenQuote];

export const iptablesSaveLexer = new Lexer(allTokens, {
  positionTracking: 'onlyOffset',
  ensureOptimizations: true,
  skipValidations: process.env.NFWALK_VALIDATE_GRAMMAR !== '1',
});
