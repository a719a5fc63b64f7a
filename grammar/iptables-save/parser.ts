/**
 * iptables-save grammar (formats.md §1.1): a file is lines; a line is a comment, a table start, a chain
 * declaration or a run of words. Every token sequence is a valid sequence of lines, so the parser never
 * fails; what the words mean (rule, COMMIT, prompt, garbage) is decided in extract.ts, with diagnostics.
 */
import { EmbeddedActionsParser, type IToken } from 'chevrotain';
import { type Chunk, countNewlines } from '../shared/chunks';
import type { SyntaxLine, WordSyntax } from './syntax';
import {
  Arg, BareRun, ChainDecl, Comment, Newline, OpenQuote, TableStart, allTokens, iptablesSaveLexer,
} from './tokens';

class IptablesSaveParser extends EmbeddedActionsParser {
  private out: SyntaxLine[] = [];
  private lineNo = 1;
  private lineStart = 0;

  constructor() {
    super(allTokens, { recoveryEnabled: false, skipValidations: process.env.NFWALK_VALIDATE_GRAMMAR !== '1' });
    this.performSelfAnalysis();
  }

  begin(tokens: IToken[], firstLine: number, out: SyntaxLine[]): void {
    this.input = tokens;
    this.out = out;
    this.lineNo = firstLine;
    this.lineStart = 0;
  }

  public file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.line));
  });

  private line = this.RULE('line', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.commentLine) },
      { ALT: () => this.SUBRULE(this.tableStart) },
      { ALT: () => this.SUBRULE(this.chainDecl) },
      { ALT: () => this.SUBRULE(this.wordsLine) },
    ]);
    const nl = this.CONSUME(Newline);
    this.ACTION(() => {
      this.lineNo++;
      this.lineStart = nl.startOffset + 1;
    });
  });

  private commentLine = this.RULE('commentLine', () => {
    const t = this.CONSUME(Comment);
    this.ACTION(() => this.out.push({ kind: 'comment', line: this.lineNo, text: t.image }));
  });

  private tableStart = this.RULE('tableStart', () => {
    const t = this.CONSUME(TableStart);
    const words = this.SUBRULE(this.words);
    this.ACTION(() => this.out.push({ kind: 'table', line: this.lineNo, column: this.column(t), name: t.image.slice(1), words }));
  });

  private chainDecl = this.RULE('chainDecl', () => {
    const t = this.CONSUME(ChainDecl);
    const words = this.SUBRULE(this.words);
    this.ACTION(() => this.out.push({ kind: 'chain', line: this.lineNo, column: this.column(t), name: t.image.slice(1), words }));
  });

  private wordsLine = this.RULE('wordsLine', () => {
    const words = this.SUBRULE(this.words);
    this.ACTION(() => this.out.push(words.length === 0 ? { kind: 'blank', line: this.lineNo } : { kind: 'words', line: this.lineNo, words }));
  });

  private words = this.RULE('words', () => {
    const words: WordSyntax[] = [];
    let touching = false;
    this.MANY(() => {
      const t = this.CONSUME(Arg);
      // A plain check instead of ACTION(() => …): no closure per token on this hot path.
      if (!this.RECORDING_PHASE) touching = appendToken(words, t, t.startOffset - this.lineStart + 1, touching);
    });
    return words;
  });

  private column(t: IToken): number {
    return t.startOffset - this.lineStart + 1;
  }
}

/** Quoted text as iptables-restore reads it: inside quotes `\` escapes the next character. */
function unquote(body: string): string {
  return body.includes('\\') ? body.replace(/\\(.)/g, '$1') : body;
}

const isBlank = (c: number) => c === 32 || c === 9 || c === 13 || c === 12 || c === 11;

/**
 * Adds a token's words to the line. Returns whether the token's end touches what follows (no blank between),
 * in which case a quoted segment that follows continues its last word (`ab"c d"` → `abc d`).
 */
function appendToken(words: WordSyntax[], t: IToken, column: number, touching: boolean): boolean {
  const image = t.image;
  if (t.tokenType !== BareRun) {
    const unterminated = t.tokenType === OpenQuote;
    const text = unquote(unterminated ? image.slice(1) : image.slice(1, -1));
    const last = words[words.length - 1];
    if (touching && last && !last.quoted) words[words.length - 1] = { text: last.text + text, column: last.column, bang: false, quoted: true, unterminated };
    else words.push({ text, column, bang: false, quoted: true, unterminated });
    return false;
  }
  let i = 0;
  const n = image.length;
  while (i < n) {
    while (i < n && isBlank(image.charCodeAt(i))) i++;
    if (i === n) return false;
    const start = i;
    while (i < n && !isBlank(image.charCodeAt(i))) i++;
    const text = image.slice(start, i);
    words.push({ text, column: column + start, bang: text === '!', quoted: false, unterminated: false });
  }
  return true;
}

const parser = new IptablesSaveParser();

/** Parses one line-aligned chunk into syntax records, appended to `out`. */
export function parseChunk(chunk: Chunk, out: SyntaxLine[]): void {
  const text = chunk.text.endsWith('\n') ? chunk.text : `${chunk.text}\n`;
  const { tokens, errors: lexErrors } = iptablesSaveLexer.tokenize(text);
  parser.begin(tokens, chunk.firstLine, out);
  parser.file();
  // The token set covers every character and the grammar accepts every token sequence, so these stay
  // empty; should that ever break, the lines are reported rather than lost.
  const problems = [
    ...lexErrors.map((e) => ({ offset: e.offset, message: e.message })),
    ...parser.errors.map((e) => ({ offset: e.token.startOffset, message: e.message })),
  ];
  for (const p of problems) {
    const before = text.slice(0, Math.max(0, p.offset));
    const lineStart = before.lastIndexOf('\n') + 1;
    out.push({ kind: 'invalid', line: chunk.firstLine + countNewlines(before), column: p.offset - lineStart + 1, message: p.message });
  }
}
