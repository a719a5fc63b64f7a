/**
 * `iptables -L` grammar: a file is lines; a line is words (bare, quoted, comment). Every token sequence is
 * valid; what a line is (chain header, column header, rule) is decided in columns.ts.
 */
import type { IToken } from 'chevrotain';
import { type Chunk, withFinalNewline } from '../shared/chunks';
import { lazyGrammar } from '../shared/lazy-grammar';
import { LineParser } from '../shared/line-parser';
import type { ListLine, ListWord } from './syntax';
import { Comment, ListWordToken, Newline, Quoted, allTokens } from './tokens';

class ListingParser extends LineParser<ListLine> {
  constructor() {
    super(allTokens);
    this.performSelfAnalysis();
  }

  /** file := (ListWord* Newline)* */
  public file = this.RULE('file', () => {
    this.MANY(() => {
      const words: ListWord[] = [];
      this.MANY2(() => {
        const t = this.CONSUME(ListWordToken);
        if (!this.RECORDING_PHASE) words.push(wordOf(t, t.startOffset - this.lineStart + 1));
      });
      const nl = this.CONSUME(Newline);
      if (!this.RECORDING_PHASE) {
        this.out.push({ line: this.lineNo++, words });
        this.lineStart = nl.startOffset + 1;
      }
    });
  });
}

function wordOf(t: IToken, column: number): ListWord {
  if (t.tokenType === Comment) return { text: t.image.slice(3, -3), column, kind: 'comment' };
  if (t.tokenType === Quoted) return { text: t.image.slice(1, -1), column, kind: 'quoted' };
  return { text: t.image, column, kind: 'bare' };
}

const grammar = lazyGrammar(allTokens, () => new ListingParser());

/** The chunk's lines as words. Every character lexes (a lone `"` or `/*` is a bare word), so nothing is lost. */
export function listingLines(chunk: Chunk): ListLine[] {
  const out: ListLine[] = [];
  const whole = withFinalNewline(chunk);
  const { lexer, parser } = grammar();
  parser.begin(lexer.tokenize(whole.text).tokens, whole, out);
  parser.file();
  return out;
}
