/**
 * The vocabulary of the rule grammar (rule-parser.ts). The line lexer (tokens.ts) has already cut a rule into
 * words, strings and punctuation; here each word gets its keyword's token type when it is one, else `Word`.
 * Every keyword is also a word (category `AnyWord`): `tcp`, `mark` or `type` are values in one place and
 * keywords in another, and the grammar decides which by position, as nft's printer does.
 */
import { type IToken, Lexer, type TokenType, createToken } from 'chevrotain';
import type { NftToken } from './syntax';
import { BARE_META, KEYWORD_STMTS, NAT_KINDS, PLAIN_VERDICTS, REL_OPS, SET_OPS } from './vocabulary';

const category = (name: string, categories: TokenType[] = []) => createToken({ name, pattern: Lexer.NA, categories });

export const AnyWord = category('AnyWord');
export const RelOp = category('RelOp', [AnyWord]);
export const BinOp = category('BinOp', [AnyWord]);
/** Statement keywords whose options are kept as printed (`log prefix "x"`, `limit rate 10/second`). */
export const KeywordStmt = category('KeywordStmt', [AnyWord]);
/** `accept`, `drop`, `continue`, `return`. */
export const PlainVerdict = category('PlainVerdict', [AnyWord]);
/** `jump`, `goto`. */
export const ChainVerdict = category('ChainVerdict', [AnyWord]);
export const NatKind = category('NatKind', [AnyWord]);
/** `add`, `update`, `delete` (of a set element). */
export const SetOp = category('SetOp', [AnyWord]);
/** Meta keys nft prints without `meta` (`iifname`, `mark`). */
export const BareMeta = category('BareMeta', [AnyWord]);

const Word = category('Word', [AnyWord]);
/** `@name`. */
export const Ref = category('Ref', [AnyWord]);
export const Str = category('Str');
export const OpenQuote = category('OpenQuote');
export const LBrace = category('LBrace');
export const RBrace = category('RBrace');
export const Comma = category('Comma');
export const Semi = category('Semi');

const KEYWORDS = new Map<string, TokenType>();
/**
 * A keyword is a token type as a plain object, made complete (index, category matches) by the parser's
 * constructor, which does that for every type of its vocabulary: chevrotain's createToken does it again for
 * every token against all made before it, 15-25 ms of every start for ~180 keywords, whether or not the run
 * reads nft. The rule grammar's parser is built before any rule token is made (rule.ts); the categories above
 * are made by createToken, which also tells the parser that the vocabulary uses categories.
 */
const keyword = (text: string, categories: TokenType[] = []) => {
  const t: TokenType = { name: `K_${text}`, PATTERN: Lexer.NA, CATEGORIES: [AnyWord, ...categories] };
  KEYWORDS.set(text, t);
  return t;
};

export const Dot = keyword('.');
export const Colon = keyword(':');
export const SetKw = keyword('set');
export const Vmap = keyword('vmap');
export const MapKw = keyword('map');
export const Meta = keyword('meta');
export const Ct = keyword('ct');
export const Fib = keyword('fib');
export const Numgen = keyword('numgen');
export const Jhash = keyword('jhash');
export const Symhash = keyword('symhash');
export const Mod = keyword('mod');
export const Offset = keyword('offset');
export const Seed = keyword('seed');
export const Counter = keyword('counter');
export const Packets = keyword('packets');
export const Bytes = keyword('bytes');
export const Name = keyword('name');
export const Reject = keyword('reject');
export const With = keyword('with');
export const To = keyword('to');
export const Notrack = keyword('notrack');
export const Xt = keyword('xt');
export const Timeout = keyword('timeout');
export const Expires = keyword('expires');
export const CommentKw = keyword('comment');
for (const op of REL_OPS) keyword(op, [RelOp]);
for (const op of ['&', '|', '^', '<<', '>>', 'and', 'or', 'xor']) keyword(op, [BinOp]);
for (const v of PLAIN_VERDICTS) keyword(v, [PlainVerdict]);
for (const v of ['jump', 'goto']) keyword(v, [ChainVerdict]);
for (const v of NAT_KINDS) keyword(v, [NatKind]);
for (const v of SET_OPS) keyword(v, [SetOp]);
for (const v of KEYWORD_STMTS) keyword(v, [KeywordStmt]);
for (const v of BARE_META) if (!KEYWORDS.has(v)) keyword(v, [BareMeta]);

/** Whether a word has a keyword's token type (and so may be read as more than a value). */
export const isKeyword = (text: string): boolean => KEYWORDS.has(text);

export const ruleTokens: TokenType[] = [
  AnyWord,
  RelOp,
  BinOp,
  KeywordStmt,
  PlainVerdict,
  ChainVerdict,
  NatKind,
  SetOp,
  BareMeta,
  Word,
  Ref,
  Str,
  OpenQuote,
  LBrace,
  RBrace,
  Comma,
  Semi,
  ...KEYWORDS.values(),
];

/** A token of the rule grammar; `payload` is the line token it stands for, `tokenTypeIdx`'s index in the rule. */
export interface RuleToken extends IToken {
  readonly payload: { readonly token: NftToken; readonly index: number };
}

function typeOf(t: NftToken): TokenType {
  switch (t.kind) {
    case 'word':
      return (
        KEYWORDS.get(t.text) ?? (t.text.length > 1 && t.text.charCodeAt(0) === 64 && !t.text.includes(',') ? Ref : Word)
      );
    case 'string':
      return Str;
    case 'open-quote':
      return OpenQuote;
    case 'lbrace':
      return LBrace;
    case 'rbrace':
      return RBrace;
    case 'comma':
      return Comma;
    case 'semi':
      return Semi;
  }
}

/** The line's tokens as the rule grammar's input: only what the parser reads of a token (not a lexer's positions). */
export function ruleTokensOf(tokens: readonly NftToken[]): RuleToken[] {
  return tokens.map((token, index) => {
    const tokenType = typeOf(token);
    return {
      image: token.text,
      startOffset: index,
      tokenType,
      tokenTypeIdx: tokenType.tokenTypeIdx!,
      payload: { token, index },
    };
  });
}
