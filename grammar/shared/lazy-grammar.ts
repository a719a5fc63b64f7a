/**
 * How every grammar's lexer and parser are set up (ecosystem.md §3) and built: on first use, so a run that
 * reads no dump of a format does not pay for that format's grammar at startup.
 */
import { type IParserConfig, Lexer, type TokenType } from 'chevrotain';

// Chevrotain's own checks of a grammar cost startup time on every run; NFWALK_VALIDATE_GRAMMAR=1 turns them
// on after a grammar changes. Read when a grammar is built, not at import: the library reads no environment then.
const skipValidations = () => process.env.NFWALK_VALIDATE_GRAMMAR !== '1';

export const PARSER_CONFIG: IParserConfig = {
  recoveryEnabled: false,
  get skipValidations() {
    return skipValidations();
  },
};

export interface Grammar<P> {
  readonly lexer: Lexer;
  readonly parser: P;
}

/** The lexer is built before the parser: built after it, it loses the token categories the parser consumes. */
export function lazyGrammar<P>(tokens: TokenType[], makeParser: () => P): () => Grammar<P> {
  let grammar: Grammar<P> | undefined;
  return () =>
    (grammar ??= {
      lexer: new Lexer(tokens, {
        positionTracking: 'onlyOffset',
        ensureOptimizations: true,
        skipValidations: skipValidations(),
      }),
      parser: makeParser(),
    });
}
