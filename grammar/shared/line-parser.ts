/**
 * What every line grammar's parser keeps while it reads one chunk: the records it appends to, the number of
 * the line it is on, and where that line starts (columns are counted from there). Subclasses define the
 * rules and call performSelfAnalysis() in their constructor, as chevrotain requires.
 */
import { EmbeddedActionsParser, type IToken, type TokenType } from 'chevrotain';
import type { Chunk } from './chunks';
import { PARSER_CONFIG } from './lazy-grammar';

export abstract class LineParser<L> extends EmbeddedActionsParser {
  protected out: L[] = [];
  protected text = '';
  protected lineNo = 1;
  protected lineStart = 0;

  constructor(tokens: TokenType[]) {
    super(tokens, PARSER_CONFIG);
  }

  begin(tokens: IToken[], chunk: Chunk, out: L[]): void {
    this.input = tokens;
    this.text = chunk.text;
    this.out = out;
    this.lineNo = chunk.firstLine;
    this.lineStart = 0;
  }
}
