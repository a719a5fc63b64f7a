/**
 * Tokens of an `iptables -L` listing: blank-separated words, except the two texts modules print with blanks
 * inside: a comment (`/* text *\/`, xt_comment prints it unescaped) and a quoted string (LOG's `prefix "x"`).
 * Each ends at the first closing mark followed by a blank or the end of the line, since neither is escaped.
 */
import { Lexer, createToken } from 'chevrotain';
import { complementStartChars } from '../shared/line-start';

const Blank = createToken({ name: 'Blank', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
export const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true });
export const Comment = createToken({
  name: 'Comment',
  pattern: /\/\* [^\n]*? \*\/(?=[ \t\r]|\n|$)/,
  start_chars_hint: ['/'],
  line_breaks: false,
});
export const Quoted = createToken({
  name: 'Quoted',
  pattern: /"[^\n]*?"(?=[ \t\r]|\n|$)/,
  start_chars_hint: ['"'],
  line_breaks: false,
});
const Bare = createToken({
  name: 'Bare',
  pattern: /[^ \t\r\f\v\n]+/,
  start_chars_hint: complementStartChars(' \t\r\f\v\n'),
});

export const ListWordToken = createToken({ name: 'ListWordToken', pattern: Lexer.NA });
for (const t of [Comment, Quoted, Bare]) t.CATEGORIES = [ListWordToken];

export const allTokens = [ListWordToken, Blank, Newline, Comment, Quoted, Bare];
