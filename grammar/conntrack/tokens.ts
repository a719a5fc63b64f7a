/**
 * Tokens of conntrack listings (formats.md §3). Coarse, as measured best in ecosystem.md §3: a `key=value`
 * pair is one token and split in the action; `[...]` flags (also `[start=Sat Nov 21 ...]` with its blanks
 * and `[1795267517.332277]` event times) are one token; an `-o xml` line is one token decoded as a whole.
 */
import { Lexer, createToken } from 'chevrotain';
import { complementStartChars, lineStartPattern } from '../shared/line-start';

const Blank = createToken({ name: 'Blank', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
export const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true });
export const XmlLine = createToken({
  name: 'XmlLine',
  pattern: lineStartPattern(/<[^\n]*/),
  start_chars_hint: ['<'],
  line_breaks: false,
});
export const Flag = createToken({ name: 'Flag', pattern: /\[[^\]\n]*\]/ });
// A whole tuple is one token (`src=… dst=… sport=… dport=…`, icmp `type= code= id=`, gre keys): half the tokens
// of a line, and the lexer's cost follows the token count.
export const Tuple = createToken({
  name: 'Tuple',
  pattern:
    /src=[^ \t\r\n]+ dst=[^ \t\r\n]+(?: sport=\d+ dport=\d+| type=\d+ code=\d+ id=\d+| srckey=\S+ dstkey=\S+)?(?=[ \t\r\n]|$)/,
  start_chars_hint: ['s'],
});
export const KeyValue = createToken({ name: 'KeyValue', pattern: /[a-z][a-z0-9_-]*=[^ \t\r\n]*/ });
export const Word = createToken({
  name: 'Word',
  pattern: /[^ \t\r\f\v\n][^ \t\r\f\v\n]*/,
  start_chars_hint: complementStartChars(' \t\r\f\v\n'),
});

/** Every token that can stand in a line; the grammar consumes the category rather than an OR of three. */
export const Field = createToken({ name: 'Field', pattern: Lexer.NA });
for (const t of [Flag, Tuple, KeyValue, Word]) t.CATEGORIES = [Field];

export const allTokens = [Field, Blank, Newline, XmlLine, Flag, Tuple, KeyValue, Word];
