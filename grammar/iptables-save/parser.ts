/**
 * iptables-save grammar (formats.md §1.1): a file is lines; a line is a comment, a table start, a chain
 * declaration or a run of words. Every token sequence is a valid sequence of lines, so the parser never
 * fails; what the words mean (rule, COMMIT, prompt, garbage) is decided in extract.ts, with diagnostics.
 */
import { EmbeddedActionsParser, type IToken, tokenMatcher } from 'chevrotain';
import { type Chunk, countNewlines } from '../shared/chunks';
import type { SyntaxLine, WordSyntax } from './syntax';
import {
  Bang, ChainDecl, Comment, Counters, Newline, OpenQuote, Quoted, TableStart, Word, allTokens, iptablesSaveLexer,
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
    let prev: IToken | undefined;
    this.MANY(() => {
      const t = this.OR([
        { ALT: () => this.CONSUME(Word) },
        { ALT: () => this.CONSUME(Quoted) },
        { ALT: () => this.CONSUME(Bang) },
        { ALT: () => this.CONSUME(Counters) },
        { ALT: () => this.CONSUME(OpenQuote) },
      ]);
      this.ACTION(() => {
        appendWord(words, t, prev, this.column(t));
        prev = t;
      });
    });
    return words;
  });

  private column(t: IToken): number {
    return t.startOffset - this.lineStart + 1;
  }
}

/** Quoted text as iptables-restore reads it: inside quotes `\` escapes the next character. */
function unquote(image: string): string {
  const body = image.slice(1, -1);
  return body.includes('\\') ? body.replace(/\\(.)/g, '$1') : body;
}

function appendWord(words: WordSyntax[], t: IToken, prev: IToken | undefined, column: number): void {
  const quoted = tokenMatcher(t, Quoted);
  const unterminated = tokenMatcher(t, OpenQuote);
  const text = quoted ? unquote(t.image) : unterminated ? t.image.slice(1) : t.image;
  const last = words[words.length - 1];
  // A quote right after a bare word continues that word (`ab"c d"` → `abc d`).
  if ((quoted || unterminated) && last && prev && !last.quoted && prev.startOffset + prev.image.length === t.startOffset) {
    words[words.length - 1] = { ...last, text: last.text + text, quoted: true, ...(unterminated ? { unterminated: true as const } : {}) };
    return;
  }
  words.push({ text, column, bang: tokenMatcher(t, Bang), quoted: quoted || unterminated, ...(unterminated ? { unterminated: true as const } : {}) });
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
