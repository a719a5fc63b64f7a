/**
 * conntrack grammar: file := line* ; line := XmlLine Newline | Field* Newline. The action hands each line's
 * tokens to the decoder with its line number and start offset, so the decoder can give columns.
 */
import { EmbeddedActionsParser, type IToken } from 'chevrotain';
import { type Chunk, withFinalNewline } from '../shared/chunks';
import { PARSER_CONFIG, lazyGrammar } from '../shared/lazy-grammar';
import { Field, Newline, XmlLine, allTokens } from './tokens';

export type LineSink = (tokens: readonly IToken[], line: number, lineStart: number, text: string) => boolean;

class ConntrackParser extends EmbeddedActionsParser {
  private sink: LineSink = () => true;
  private text = '';
  private lineNo = 1;
  private lineStart = 0;
  private stopped = false;

  constructor() {
    super(allTokens, PARSER_CONFIG);
    this.performSelfAnalysis();
  }

  begin(tokens: IToken[], chunk: Chunk, sink: LineSink): void {
    this.input = tokens;
    this.text = chunk.text;
    this.sink = sink;
    this.lineNo = chunk.firstLine;
    this.lineStart = 0;
    this.stopped = false;
  }

  public file = this.RULE('file', () => {
    this.MANY({
      // The sink returns false to stop at a line that starts another dump; the rest is not decoded.
      GATE: () => !this.stopped,
      DEF: () => {
        const fields: IToken[] = [];
        this.OR([
          {
            ALT: () => {
              fields.push(this.CONSUME(XmlLine));
            },
          },
          {
            ALT: () =>
              this.MANY2(() => {
                fields.push(this.CONSUME(Field));
              }),
          },
        ]);
        const nl = this.CONSUME(Newline);
        if (!this.RECORDING_PHASE) {
          if (!this.sink(fields, this.lineNo, this.lineStart, this.text)) this.stopped = true;
          this.lineNo++;
          this.lineStart = nl.startOffset + 1;
        }
      },
    });
  });
}

const grammar = lazyGrammar(allTokens, () => new ConntrackParser());

/** Lexes and parses one line-aligned chunk, calling `sink` per line until it returns false. */
export function parseConntrackChunk(chunk: Chunk, sink: LineSink): void {
  const { lexer, parser } = grammar();
  const whole = withFinalNewline(chunk);
  parser.begin(lexer.tokenize(whole.text).tokens, whole, sink);
  parser.file();
}
