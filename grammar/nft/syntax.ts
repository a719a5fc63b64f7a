/** What the nft grammar makes of a line: its tokens with their columns and the blanks before them. */

export type TokenKind = 'word' | 'string' | 'open-quote' | 'lbrace' | 'rbrace' | 'semi' | 'comma';

export interface NftToken {
  readonly kind: TokenKind;
  /** The word, or a string's text without its quotes. */
  readonly text: string;
  /** 1-based. */
  readonly column: number;
  /** Blanks between this token and the one before it on the line (after the indentation for the first). */
  readonly gap: number;
}

export interface NftLine {
  readonly line: number;
  readonly tokens: readonly NftToken[];
  /** A trailing `# …` (`# handle 4`, or the whole line for `# Warning: …`), without the `#`. */
  readonly comment?: { readonly text: string; readonly column: number };
  /** Blanks after the last token: iptables-nft's invisible statements at a rule's end. */
  readonly trailing: number;
  /** Leading tabs. */
  readonly indent: number;
}
