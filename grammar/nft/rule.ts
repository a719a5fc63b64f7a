/**
 * One rule's statements, a set's elements and a set's `typeof`, read by the rule grammar (rule-parser.ts).
 * Where the grammar meets something it does not know, the rest of the statement list is kept verbatim as one
 * opaque statement with a warning, so nothing is dropped and the rule prints back as it was.
 */
import { EOF, type IRecognitionException, type IToken, tokenMatcher } from 'chevrotain';
import type { NftElement, NftExpr, NftStmt } from '../../src/model/nft';
import { tokensText } from './cursor';
import { fastStatements } from './fast-rule';
import { MeaningError, NftRuleParser } from './rule-parser';
import { type RuleToken, ruleTokensOf } from './rule-tokens';
import type { NftToken } from './syntax';
import { type TokenProblem, tokenProblem } from '../shared/problem';

export interface RuleRead {
  readonly stmts: NftStmt[];
  readonly comment?: string;
  /** Where the reader gave up (the opaque statement starts there) and why. */
  readonly problem?: { readonly column: number; readonly message: string };
}

// Built on first use, before any token is made: the parser gives the token types their indexes.
let ruleParser: NftRuleParser | undefined;
const grammar = () => ({ parser: (ruleParser ??= new NftRuleParser()) });

export function readRule(tokens: readonly NftToken[]): RuleRead {
  const { end, comment } = ruleBody(tokens);
  const fast = fastStatements(tokens, end);
  if (fast) return comment !== undefined ? { stmts: fast, comment } : { stmts: fast };
  return byGrammar(tokens.slice(0, end), comment);
}

/** Where a rule's statements end: before a last `comment "…"`, which is the rule's comment. */
export function ruleBody(tokens: readonly NftToken[]): { readonly end: number; readonly comment?: string } {
  const end = tokens.length;
  const last = tokens[end - 1];
  return last?.kind === 'string' && tokens[end - 2]?.kind === 'word' && tokens[end - 2]!.text === 'comment'
    ? { end: end - 2, comment: last.text }
    : { end };
}

/** The rule grammar's reading of a rule's statements (`body`, its comment already taken off). */
export function byGrammar(body: readonly NftToken[], comment: string | undefined): RuleRead {
  const { parser } = grammar();
  parser.read(ruleTokensOf(body));
  let failure: TokenProblem | undefined;
  // A statement that failed is kept from its start; a token no statement starts with, from itself on.
  let from = 0;
  try {
    parser.statements();
    const error = parser.errors[0];
    if (error && error.name !== 'NotAllInputParsedException') {
      failure = problemOf(error, body.length);
      from = parser.stmtStart;
    } else if (parser.stoppedAt < body.length) {
      failure = tokenProblem(parser.stoppedAt, 'a statement starts with a word');
      from = parser.stoppedAt;
      for (let h = body[from]!.gap - (from === 0 ? 0 : 1); h > 0; h--) parser.stmts.push({ kind: 'hidden' });
    }
  } catch (e) {
    if (!(e instanceof MeaningError)) throw e;
    failure = tokenProblem(indexOf(e.token, body.length), e.message);
    from = parser.stmtStart;
  }
  const stmts = parser.stmts;
  if (failure) {
    const rest = body.slice(from);
    stmts.push({ kind: 'opaque', text: tokensText(rest) });
    return {
      stmts,
      ...(comment !== undefined ? { comment } : {}),
      problem: {
        column: body[failure.at]!.column,
        message: `${failure.message}: '${tokensText(rest)}' kept as an opaque statement`,
      },
    };
  }
  return comment !== undefined ? { stmts, comment } : { stmts };
}

/** The elements of `{ … }`, from the token after the opening brace through the closing one. */
export function readElements(tokens: readonly NftToken[]): NftElement[] | TokenProblem {
  const { parser } = grammar();
  parser.read(ruleTokensOf(tokens));
  try {
    const elements = parser.elements();
    // Text after the closing brace is the caller's to report.
    const error = parser.errors[0];
    if (error && error.name !== 'NotAllInputParsedException') return problemOf(error, tokens.length);
    return elements;
  } catch (e) {
    if (!(e instanceof MeaningError)) throw e;
    return tokenProblem(indexOf(e.token, tokens.length), e.message);
  }
}

/** `typeof KEY [: DATA]`, the tokens after the keyword. */
export function readTypeof(tokens: readonly NftToken[]): { key: NftExpr; data?: NftExpr } | TokenProblem {
  const { parser } = grammar();
  parser.read(ruleTokensOf(tokens));
  try {
    const read = parser.typeofBody();
    const error = parser.errors[0];
    if (error?.name === 'NotAllInputParsedException')
      return tokenProblem(indexOf(error.token, tokens.length), 'unexpected text after typeof');
    return error ? problemOf(error, tokens.length) : read;
  } catch (e) {
    if (!(e instanceof MeaningError)) throw e;
    return tokenProblem(indexOf(e.token, tokens.length), e.message);
  }
}

/** The token a recognition error names, as an index; the end of the tokens reads as their last one. */
function problemOf(e: IRecognitionException, length: number): TokenProblem {
  const end = tokenMatcher(e.token, EOF);
  return tokenProblem(indexOf(e.token, length), end ? 'the statement ends too early' : `unexpected '${e.token.image}'`);
}

function indexOf(t: IToken, length: number): number {
  const index = (t as Partial<RuleToken>).payload?.index;
  return index === undefined ? length - 1 : index;
}
