/**
 * Why a reader cannot take a line, a rule's words or a value: data returned beside what could be read, never
 * thrown. `problem` says what becomes of it; each reader turns it into a Diagnostic, or ends its dump
 * (reader.ts, StopAt), in one switch over it.
 */
export type Problem =
  /** A value that cannot be read (a codec's argument); whoever read it from a line knows its column. */
  | { readonly problem: 'value'; readonly message: string }
  /** Broken input at the `at`-th token of those read (nft's rule grammar); the caller knows where that token is. */
  | { readonly problem: 'token'; readonly at: number; readonly message: string }
  /** Broken input at this column: an error. A word-line reader lets a line that reads like prose end the dump. */
  | { readonly problem: 'broken'; readonly message: string; readonly column: number }
  /** Broken input in a line that belongs to the dump whatever it reads like: an error. */
  | { readonly problem: 'broken-in-dump'; readonly message: string; readonly column: number }
  /** Something nfwalk does not know yet (an extension's option), not a broken dump: a warning. */
  | { readonly problem: 'unknown'; readonly message: string; readonly column: number }
  /** The line starts a new dump of this same format (a second listing). */
  | { readonly problem: 'restart'; readonly message: string; readonly column: number }
  /** The line is no part of this dump (prose after it): it ends the dump instead of becoming an error. */
  | { readonly problem: 'ends'; readonly message: string; readonly column: number };

/** A problem that names its column: one a line or a rule's words can have. */
export type LineProblem = Exclude<Problem, { readonly problem: 'value' | 'token' }>;

/** A problem of a value alone, before it has a place on a line. */
export type ValueProblem = Extract<Problem, { readonly problem: 'value' }>;

export const valueProblem = (message: string): ValueProblem => ({ problem: 'value', message });

/** A problem at a token of those read, before it has a place on a line. */
export type TokenProblem = Extract<Problem, { readonly problem: 'token' }>;

export const tokenProblem = (at: number, message: string): TokenProblem => ({ problem: 'token', at, message });

export const broken = (column: number, message: string): LineProblem & { problem: 'broken' } => ({
  problem: 'broken',
  message,
  column,
});

/** The problems a result of type T may be (any, when T is unknown). */
type ProblemIn<T> = unknown extends T ? Problem & T : Extract<T, Problem>;

/** Whether a reader's result is a problem rather than what it read (no value read is an object with `problem`). */
export function isProblem<T>(x: T): x is ProblemIn<T> {
  return typeof x === 'object' && x !== null && 'problem' in x;
}

/** What a reader passes to StopAt for a line it cannot take: whether it restarts the format, whether it ends the dump. */
export function stopArguments(p: LineProblem, readsLikeProse: () => boolean): [restart: boolean, ends: boolean] {
  switch (p.problem) {
    case 'broken':
    case 'unknown':
      return [false, readsLikeProse()];
    case 'broken-in-dump':
      return [false, false];
    case 'restart':
      return [true, readsLikeProse()];
    case 'ends':
      return [false, true];
    default:
      return p satisfies never;
  }
}
