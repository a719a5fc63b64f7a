/** Syntax records of a listing: one per line, its words with their columns. Nothing is interpreted here. */

export interface ListWord {
  /** The word; a comment or quoted string without its marks. */
  readonly text: string;
  /** 1-based column of the word's first character. */
  readonly column: number;
  readonly kind: 'bare' | 'quoted' | 'comment';
}

export interface ListLine {
  readonly line: number;
  readonly words: readonly ListWord[];
}
