/**
 * A cursor over one line's tokens, for the block lines extract.ts reads word by word (`type filter hook input
 * … priority 0; policy accept;`, a flowtable's `hook ingress priority 0;`), and the printing of tokens as nft
 * spells them. Rules, elements and `typeof` go through the chevrotain grammar (rule-parser.ts).
 */
import type { NftToken } from './syntax';

/** Thrown where a block line's tokens are not what nft prints; `at` indexes the cursor's tokens. */
export class Unknown extends Error {
  constructor(
    readonly at: number,
    readonly why: string,
  ) {
    super(why);
  }
}

/** Tokens as text the way nft prints them: strings quoted, one blank between tokens, `,` glued to the word before. */
export function tokensText(tokens: readonly NftToken[]): string {
  let out = '';
  for (const t of tokens) {
    const text = t.kind === 'string' ? `"${t.text}"` : t.kind === 'open-quote' ? `"${t.text}` : t.text;
    out += out === '' || t.kind === 'comma' ? text : ` ${text}`;
  }
  return out;
}

export class TokenCursor {
  i = 0;
  constructor(readonly tokens: readonly NftToken[]) {}

  peek(k = 0): NftToken | undefined {
    return this.tokens[this.i + k];
  }
  word(k = 0): string | undefined {
    const t = this.tokens[this.i + k];
    return t?.kind === 'word' ? t.text : undefined;
  }
  next(): NftToken {
    const t = this.tokens[this.i];
    if (!t) throw new Unknown(this.i, 'the line ends too early');
    this.i++;
    return t;
  }
  expectWord(what: string): string {
    const t = this.next();
    if (t.kind !== 'word') throw new Unknown(this.i - 1, `expected ${what}`);
    return t.text;
  }
  expect(word: string): void {
    if (this.word() !== word) throw new Unknown(this.i, `expected '${word}'`);
    this.i++;
  }
  get done(): boolean {
    return this.i >= this.tokens.length;
  }
}
