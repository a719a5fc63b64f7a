/**
 * iptables-save grammar (formats.md §1.1): a file is lines; a line is a comment, a table start, a chain
 * declaration or a run of words. Every token sequence is a valid sequence of lines, so the parser never
 * fails; what the words mean (rule, COMMIT, prompt, garbage) is decided in extract.ts, with diagnostics.
 */
import type { IToken } from 'chevrotain';
import { type Chunk, countNewlines, withFinalNewline } from '../shared/chunks';
import { lazyGrammar } from '../shared/lazy-grammar';
import { LineParser } from '../shared/line-parser';
import type { SyntaxLine, WordSyntax } from './syntax';
import { Arg, BareRun, Comment, LineHead, Newline, OpenQuote, TableStart, allTokens } from './tokens';

class IptablesSaveParser extends LineParser<SyntaxLine> {
  constructor() {
    super(allTokens);
    this.performSelfAnalysis();
  }

  /**
   * file := line* ; line := LineHead? Arg* Newline. One rule for the whole chunk: rule invocations are the
   * costly part of a chevrotain parser, and these lines need no more structure than this.
   */
  public file = this.RULE('file', () => {
    this.MANY(() => {
      let head: IToken | undefined;
      const words: WordSyntax[] = [];
      let touching = false;
      this.OPTION(() => {
        head = this.CONSUME(LineHead);
      });
      this.MANY2(() => {
        const t = this.CONSUME2(Arg);
        // Plain checks instead of ACTION(() => …): no closure per token on this hot path.
        if (!this.RECORDING_PHASE) touching = appendToken(words, t, t.startOffset - this.lineStart + 1, touching);
      });
      const nl = this.CONSUME3(Newline);
      if (!this.RECORDING_PHASE) {
        this.out.push(syntaxLine(head, words, this.lineNo, head ? head.startOffset - this.lineStart + 1 : 0));
        this.lineNo++;
        this.lineStart = nl.startOffset + 1;
      }
    });
  });
}

function syntaxLine(head: IToken | undefined, words: WordSyntax[], line: number, column: number): SyntaxLine {
  if (!head) return words.length === 0 ? { kind: 'blank', line } : { kind: 'words', line, words };
  if (head.tokenType === Comment) return { kind: 'comment', line, text: head.image };
  return { kind: head.tokenType === TableStart ? 'table' : 'chain', line, column, name: head.image.slice(1), words };
}

/** Quoted text as iptables-restore reads it: inside quotes `\` escapes the next character. */
function unquote(body: string): string {
  return body.includes('\\') ? body.replace(/\\(.)/g, '$1') : body;
}

const isBlank = (c: number) => c === 32 || c === 9 || c === 13 || c === 12 || c === 11;

/**
 * Adds a token's words to the line. Returns whether the token's end touches what follows (no blank between),
 * in which case a quoted part that follows continues its last word (`ab"c d"` → `abc d`).
 */
function appendToken(words: WordSyntax[], t: IToken, column: number, touching: boolean): boolean {
  const image = t.image;
  if (t.tokenType !== BareRun) {
    const unterminated = t.tokenType === OpenQuote;
    const text = unquote(unterminated ? image.slice(1) : image.slice(1, -1));
    const last = words[words.length - 1];
    if (touching && last && !last.quoted)
      words[words.length - 1] = {
        text: last.text + text,
        column: last.column,
        bang: false,
        quoted: true,
        unterminated,
      };
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

const grammar = lazyGrammar(allTokens, () => new IptablesSaveParser());

/** Parses one line-aligned chunk into syntax records, appended to `out`. */
export function parseChunk(chunk: Chunk, out: SyntaxLine[]): void {
  const whole = withFinalNewline(chunk);
  const { text } = whole;
  const { lexer, parser } = grammar();
  const { tokens, errors: lexErrors } = lexer.tokenize(text);
  parser.begin(tokens, whole, out);
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
    out.push({
      kind: 'invalid',
      line: chunk.firstLine + countNewlines(before),
      column: p.offset - lineStart + 1,
      message: p.message,
    });
  }
}
