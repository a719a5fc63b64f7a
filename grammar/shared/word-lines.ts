/**
 * The grammar shared by the column-oriented formats (ipvsadm, ipset, ip addr/route, sysctl, conntrack -S):
 * a file is lines, a line is blank-separated words, a double-quoted string is one word (ipset comments).
 * What the words mean is each format's reader's business; this keeps one lexer and parser for all of them
 * instead of five copies that differ only in their names.
 */
import { Lexer, createToken } from 'chevrotain';
import { type Chunk, withFinalNewline } from './chunks';
import { lazyGrammar } from './lazy-grammar';
import { LineParser } from './line-parser';
import { complementStartChars } from './line-start';

const Blank = createToken({ name: 'Blank', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true });
const Quoted = createToken({ name: 'Quoted', pattern: /"(?:[^"\\\n]|\\[^\n])*"/ });
const Bare = createToken({
  name: 'Bare',
  pattern: /[^ \t\r\f\v\n"][^ \t\r\f\v\n]*|"/,
  start_chars_hint: complementStartChars(' \t\r\f\v\n'),
});
const Word = createToken({ name: 'Word', pattern: Lexer.NA });
Quoted.CATEGORIES = [Word];
Bare.CATEGORIES = [Word];
const tokens = [Word, Blank, Newline, Quoted, Bare];

export interface WordToken {
  /** The word; a quoted word without its quotes and escapes. */
  readonly text: string;
  readonly column: number;
  readonly quoted: boolean;
}

export interface WordLine {
  readonly line: number;
  /** The line as written, without its newline (and without a trailing \r). */
  readonly raw: string;
  readonly words: readonly WordToken[];
}

class WordLinesParser extends LineParser<WordLine> {
  constructor() {
    super(tokens);
    this.performSelfAnalysis();
  }

  /** file := (Word* Newline)* */
  public file = this.RULE('file', () => {
    this.MANY(() => {
      const words: WordToken[] = [];
      this.MANY2(() => {
        const t = this.CONSUME(Word);
        if (!this.RECORDING_PHASE) {
          const quoted = t.tokenType === Quoted;
          words.push({
            text: quoted ? t.image.slice(1, -1).replace(/\\(.)/g, '$1') : t.image,
            column: t.startOffset - this.lineStart + 1,
            quoted,
          });
        }
      });
      const nl = this.CONSUME(Newline);
      if (!this.RECORDING_PHASE) {
        const end =
          nl.startOffset > this.lineStart && this.text.charCodeAt(nl.startOffset - 1) === 13
            ? nl.startOffset - 1
            : nl.startOffset;
        this.out.push({ line: this.lineNo++, raw: this.text.slice(this.lineStart, end), words });
        this.lineStart = nl.startOffset + 1;
      }
    });
  });
}

const grammar = lazyGrammar(tokens, () => new WordLinesParser());

/** The chunk's lines as words. Every character lexes (a lone `"` is a word), so nothing is lost. */
export function wordLines(chunk: Chunk): WordLine[] {
  const out: WordLine[] = [];
  const { lexer, parser } = grammar();
  const whole = withFinalNewline(chunk);
  parser.begin(lexer.tokenize(whole.text).tokens, whole, out);
  parser.file();
  return out;
}
