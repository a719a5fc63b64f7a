/**
 * Tokens of `nft list ruleset` text (shared/reference/nftables.md §2.1). The printer separates every
 * operator by blanks (`ip daddr . tcp dport`, `key : value`, `== 0x1`), so words are runs of anything but
 * blanks, braces, semicolons and quotes; a comma followed by a word stays inside it (`flags dynamic,timeout`,
 * `ct state established,related`) while the `, ` between elements is its own token.
 */
import { Lexer, createToken } from 'chevrotain';
import { complementStartChars } from '../shared/line-start';

const Blank = createToken({ name: 'Blank', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
export const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true });
// `# handle 4`, `# Warning: table ip nat is managed by iptables-nft, do not touch!`: a `#` that starts a word.
export const Comment = createToken({
  name: 'Comment',
  pattern: /#[^\n]*/,
  start_chars_hint: ['#'],
  line_breaks: false,
});
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/ });
export const Semi = createToken({ name: 'Semi', pattern: /;/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Quoted = createToken({ name: 'Quoted', pattern: /"(?:[^"\\\n]|\\[^\n])*"/ });
// An opening quote that never closes on its line: its own token, so the line gets a precise diagnostic.
export const OpenQuote = createToken({ name: 'OpenQuote', pattern: /"[^\n]*/ });
const Word = createToken({
  name: 'Word',
  pattern: /[^\s{};",#][^\s{};",]*(?:,[^\s{};",]+)*/,
  start_chars_hint: complementStartChars(' \t\r\n\f\v{};",#'),
});

/** Everything a line holds before its end; the parser consumes the category. */
export const Item = createToken({ name: 'Item', pattern: Lexer.NA });
for (const t of [LBrace, RBrace, Semi, Comma, Quoted, OpenQuote, Word, Comment]) t.CATEGORIES = [Item];

export const allTokens = [Item, Blank, Newline, Comment, LBrace, RBrace, Semi, Comma, Quoted, OpenQuote, Word];
