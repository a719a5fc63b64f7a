/**
 * Reading a rule's extension text word by word, and writing what it says as iptables-save words. A reader
 * that finds text that is not its module's gives up, and the cursor goes back to where it started.
 */
import type { WordSyntax } from '../iptables-save/syntax';
import type { ListWord } from './syntax';

export class Cursor {
  constructor(
    readonly words: readonly ListWord[],
    public i = 0,
  ) {}

  get done(): boolean {
    return this.i >= this.words.length;
  }

  /** The word `k` ahead, if it is bare (comments and quoted strings are never keywords). */
  bare(k = 0): string | undefined {
    const w = this.words[this.i + k];
    return w?.kind === 'bare' ? w.text : undefined;
  }

  at(k = 0): ListWord {
    return this.words[Math.min(this.i + k, this.words.length - 1)]!;
  }

  /** Consumes the bare words given, in order, or nothing. */
  accept(...texts: string[]): boolean {
    if (!texts.every((t, k) => this.bare(k) === t)) return false;
    this.i += texts.length;
    return true;
  }

  /** Consumes a `!` word: the next item is negated. */
  bang(): boolean {
    return this.accept('!');
  }

  /** Consumes `key value` when the value fits `pattern`, and returns the value. */
  keyed(key: string, pattern: RegExp): string | undefined {
    const value = this.bare(1);
    if (this.bare() !== key || value === undefined || !pattern.test(value)) return undefined;
    this.i += 2;
    return value;
  }

  take(): ListWord | undefined {
    return this.done ? undefined : this.words[this.i++];
  }

  /** Runs a reader; when it gives up, the cursor stays where it was. */
  attempt<T>(read: () => T | undefined): T | undefined {
    const start = this.i;
    const out = read();
    if (out === undefined) this.i = start;
    return out;
  }
}

/** A save word written for listing text at `at` (diagnostics point at the listing). */
export function saveWord(text: string, at: ListWord, quoted = false): WordSyntax {
  return { text, column: at.column, bang: false, quoted, unterminated: false };
}

export function saveBang(at: ListWord): WordSyntax {
  return { text: '!', column: at.column, bang: true, quoted: false, unterminated: false };
}

/** Writes save words at one place of the listing: `w('-m', 'tcp')`, `w.not(negated)`. */
export class SaveWords {
  readonly out: WordSyntax[] = [];
  constructor(private readonly at: ListWord) {}

  add(...texts: string[]): this {
    for (const t of texts) this.out.push(saveWord(t, this.at));
    return this;
  }

  quoted(text: string): this {
    this.out.push(saveWord(text, this.at, true));
    return this;
  }

  not(negated: boolean): this {
    if (negated) this.out.push(saveBang(this.at));
    return this;
  }
}
