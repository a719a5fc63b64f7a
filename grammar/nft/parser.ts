/**
 * nft listing grammar, line level: line := Item* Newline. Every token sequence is a valid sequence of lines,
 * so the parser never fails; blocks and statements are given meaning in extract.ts and rule.ts, with
 * diagnostics, as for iptables-save (docs/architecture.md, "grammar and meaning are separate").
 */
import type { IToken } from 'chevrotain';
import { type Chunk, withFinalNewline } from '../shared/chunks';
import { lazyGrammar } from '../shared/lazy-grammar';
import { LineParser } from '../shared/line-parser';
import type { NftLine, NftToken, TokenKind } from './syntax';
import { Comma, Comment, Item, LBrace, Newline, OpenQuote, Quoted, RBrace, Semi, allTokens } from './tokens';

class NftParser extends LineParser<NftLine> {
  constructor() {
    super(allTokens);
    this.performSelfAnalysis();
  }

  public file = this.RULE('file', () => {
    this.MANY(() => {
      const items: IToken[] = [];
      this.MANY2(() => {
        const t = this.CONSUME(Item);
        if (!this.RECORDING_PHASE) items.push(t);
      });
      const nl = this.CONSUME(Newline);
      if (!this.RECORDING_PHASE) {
        this.out.push(lineOf(items, this.text, this.lineStart, nl.startOffset, this.lineNo));
        this.lineNo++;
        this.lineStart = nl.startOffset + 1;
      }
    });
  });
}

function kindOf(t: IToken): TokenKind {
  switch (t.tokenType) {
    case Quoted:
      return 'string';
    case OpenQuote:
      return 'open-quote';
    case LBrace:
      return 'lbrace';
    case RBrace:
      return 'rbrace';
    case Semi:
      return 'semi';
    case Comma:
      return 'comma';
    default:
      return 'word';
  }
}

function lineOf(items: IToken[], text: string, start: number, end: number, line: number): NftLine {
  let indent = 0;
  while (text.charCodeAt(start + indent) === 9) indent++;
  const tokens: NftToken[] = [];
  let comment: NftLine['comment'];
  let prevEnd = start + indent;
  for (const t of items) {
    const column = t.startOffset - start + 1;
    if (t.tokenType === Comment) {
      comment = { text: t.image.slice(1), column };
      break;
    }
    const kind = kindOf(t);
    const body = kind === 'string' ? t.image.slice(1, -1) : kind === 'open-quote' ? t.image.slice(1) : t.image;
    tokens.push({ kind, text: body, column, gap: t.startOffset - prevEnd });
    prevEnd = t.startOffset + t.image.length;
  }
  let lineEnd = end;
  if (text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
  const trailing = comment ? 0 : lineEnd - prevEnd > 0 && tokens.length > 0 ? lineEnd - prevEnd : 0;
  return comment ? { line, tokens, comment, trailing, indent } : { line, tokens, trailing, indent };
}

const grammar = lazyGrammar(allTokens, () => new NftParser());

/** Lexes and parses one chunk, appending a record per line to `out`. */
export function parseChunk(chunk: Chunk, out: NftLine[]): void {
  const { lexer, parser } = grammar();
  const c = withFinalNewline(chunk);
  const lexed = lexer.tokenize(c.text);
  parser.begin(lexed.tokens, c, out);
  parser.file();
}
