/**
 * Tokens of the iptables-save/restore format (shared/reference/formats.md §1.1–1.2). Coarse on purpose,
 * because the lexer's cost grows with the number of tokens (ecosystem.md §3): outside quotes a whole run of
 * bare words is one `BareRun`, split into words by the parser's action. Quoted parts are their own tokens
 * because only the lexer can tell where they end. Order matters: chevrotain takes the first pattern that
 * matches, not the longest.
 */
import { Lexer, createToken } from 'chevrotain';
import { complementStartChars, lineStartPattern } from '../shared/line-start';

// Blanks before a line-start token or between tokens; \r before \n (CRLF pastes) counts as a blank.
const Blank = createToken({ name: 'Blank', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
export const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true });

// `#`, `*` and `:` mean something only at the start of a line; elsewhere they are part of a word
// (`--to-destination :8080`).
export const Comment = createToken({
  name: 'Comment',
  pattern: lineStartPattern(/#[^\n]*/),
  start_chars_hint: ['#'],
  line_breaks: false,
});
export const TableStart = createToken({
  name: 'TableStart',
  pattern: lineStartPattern(/\*[^ \t\r\n]*/),
  start_chars_hint: ['*'],
  line_breaks: false,
});
const ChainDecl = createToken({
  name: 'ChainDecl',
  pattern: lineStartPattern(/:[^ \t\r\n]*/),
  start_chars_hint: [':'],
  line_breaks: false,
});

// Words and blanks up to the next quote or the end of the line; a lone `!` among them is a negation.
export const BareRun = createToken({
  name: 'BareRun',
  pattern: /[^"\n \t\r\f\v][^"\n]*/,
  start_chars_hint: complementStartChars('"\n \t\r\f\v'),
});
// A quoted part; one that touches the bare word before it (`ab"c d"`) joins that word, and its closing
// quote ends the word (`"x"y` is two words), as iptables-restore's add_param_to_argv does.
const Quoted = createToken({ name: 'Quoted', pattern: /"(?:[^"\\\n]|\\[^\n])*"/ });
// An opening quote that never closes on its line: its own token, so the line gets a precise diagnostic.
export const OpenQuote = createToken({ name: 'OpenQuote', pattern: /"[^\n]*/ });

// Categories: the tokens that open a line, and the tokens that stand in a run of words. The grammar consumes
// categories, which is faster than an OR of alternatives (ecosystem.md §3).
export const LineHead = createToken({ name: 'LineHead', pattern: Lexer.NA });
for (const t of [Comment, TableStart, ChainDecl]) t.CATEGORIES = [LineHead];
export const Arg = createToken({ name: 'Arg', pattern: Lexer.NA });
for (const t of [BareRun, Quoted, OpenQuote]) t.CATEGORIES = [Arg];

export const allTokens = [LineHead, Arg, Blank, Newline, Comment, TableStart, ChainDecl, Quoted, OpenQuote, BareRun];
