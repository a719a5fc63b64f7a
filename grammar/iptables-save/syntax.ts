/** Syntax records: one per input line, words already unquoted. No option is interpreted here. */

export interface WordSyntax {
  readonly text: string;
  /** 1-based column of the word's first character. */
  readonly column: number;
  /** A bare `!` (negation); a quoted "!" is an ordinary word. */
  readonly bang: boolean;
  /** The word was (partly) quoted in the input. */
  readonly quoted: boolean;
  /** The quote was never closed on this line. */
  readonly unterminated: boolean;
}

export type SyntaxLine =
  | { readonly kind: 'blank'; readonly line: number }
  | { readonly kind: 'comment'; readonly line: number; readonly text: string }
  | {
      readonly kind: 'table';
      readonly line: number;
      readonly column: number;
      readonly name: string;
      readonly words: readonly WordSyntax[];
    }
  | {
      readonly kind: 'chain';
      readonly line: number;
      readonly column: number;
      readonly name: string;
      readonly words: readonly WordSyntax[];
    }
  | { readonly kind: 'words'; readonly line: number; readonly words: readonly WordSyntax[] }
  | { readonly kind: 'invalid'; readonly line: number; readonly column: number; readonly message: string };
