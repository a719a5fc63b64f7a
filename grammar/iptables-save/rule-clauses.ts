/**
 * Splits a rule's words into clauses: base options, match clauses and the target clause. A clause runs until
 * the next `-m`/`-j`/`-g` or base option, which is how iptables' getopt loop hands words to extensions.
 */
import type { WordSyntax } from './syntax';
import { lookup } from '../shared/lookup';
import type { LineProblem } from '../shared/problem';

export type BaseOption = 's' | 'd' | 'i' | 'o' | 'p' | 'f' | 'c' | 'm' | 'j' | 'g';

export const BASE_OPTIONS: Readonly<Record<string, BaseOption>> = {
  '-s': 's',
  '--source': 's',
  '--src': 's',
  '-d': 'd',
  '--destination': 'd',
  '--dst': 'd',
  '-i': 'i',
  '--in-interface': 'i',
  '-o': 'o',
  '--out-interface': 'o',
  '-p': 'p',
  '--protocol': 'p',
  '-f': 'f',
  '--fragment': 'f',
  '-c': 'c',
  '--set-counters': 'c',
  '-m': 'm',
  '--match': 'm',
  '-j': 'j',
  '--jump': 'j',
  '-g': 'g',
  '--goto': 'g',
};
const ARITY: Readonly<Record<BaseOption, number>> = { s: 1, d: 1, i: 1, o: 1, p: 1, f: 0, c: 2, m: 1, j: 1, g: 1 };

export type RuleClause =
  | {
      readonly kind: 'base';
      readonly option: BaseOption;
      readonly negated: boolean;
      readonly args: readonly WordSyntax[];
      readonly at: WordSyntax;
    }
  | {
      readonly kind: 'match';
      readonly name: string;
      readonly words: readonly WordSyntax[];
      readonly at: WordSyntax;
      readonly implicit: boolean;
    }
  | {
      readonly kind: 'target';
      readonly name: string;
      readonly goto: boolean;
      readonly words: readonly WordSyntax[];
      readonly at: WordSyntax;
    };

/** The base option a bare word names (`-s`, `--source`, `-m`…), if any. */
export const baseOptionNamed = (text: string): BaseOption | undefined => lookup(BASE_OPTIONS, text);

/** The base options spelt `-X`, by the character code of X. */
const SHORT_OPTIONS: readonly (BaseOption | undefined)[] = Object.entries(BASE_OPTIONS).reduce<
  (BaseOption | undefined)[]
>((short, [name, option]) => {
  if (name.length === 2) short[name.charCodeAt(1)] = option;
  return short;
}, new Array<BaseOption | undefined>(128).fill(undefined));

/** The base options spelt `--NAME`, by the spelling's length: a word of no such length is none. */
const LONG_OPTIONS: readonly (readonly (readonly [string, BaseOption])[] | undefined)[] = Object.entries(
  BASE_OPTIONS,
).reduce<(readonly [string, BaseOption])[][]>((long, [name, option]) => {
  if (name.length > 2) (long[name.length] ??= []).push([name, option]);
  return long;
}, []);

/**
 * baseOptionNamed of the word on [start, end) of `text`, without copying it (the fast path asks this of every
 * word that may end an extension's options).
 */
export function baseOptionIn(text: string, start: number, end: number): BaseOption | undefined {
  const length = end - start;
  if (length < 2 || text.charCodeAt(start) !== 45) return undefined;
  if (length === 2) return SHORT_OPTIONS[text.charCodeAt(start + 1)];
  // A load past the array's end would deoptimize the fast path's callers: `--to-destination` is longer than any option.
  if (length >= LONG_OPTIONS.length) return undefined;
  const named = LONG_OPTIONS[length];
  if (!named) return undefined;
  for (const [name, option] of named) if (text.startsWith(name, start)) return option;
  return undefined;
}

function baseOption(w: WordSyntax | undefined): BaseOption | undefined {
  return w && !w.quoted && !w.bang ? baseOptionNamed(w.text) : undefined;
}

function isBoundary(words: readonly WordSyntax[], i: number): boolean {
  const w = words[i];
  return baseOption(w) !== undefined || (w?.bang === true && baseOption(words[i + 1]) !== undefined);
}

/** What splitting a rule into clauses needs to know of extensions. */
export interface ClauseContext {
  /** The module `-p tcp --dport 22` loads without `-m`. */
  readonly implicitModule: (protocol: string) => string | undefined;
  /**
   * How many value words an option of an extension takes, when known. Its values are taken before any
   * boundary check, as getopt does: iptables-save prints `--log-prefix -p` bare, and `-p` is the prefix there.
   */
  readonly optionArity: (kind: 'match' | 'target', extension: string, option: string) => number | undefined;
}

export function splitRuleClauses(words: readonly WordSyntax[], ctx: ClauseContext): RuleClause[] | LineProblem {
  const out: RuleClause[] = [];
  let protocol: string | undefined;
  let i = 0;
  const clauseWords = (kind: 'match' | 'target', name: string) => {
    const start = i;
    while (i < words.length && !isBoundary(words, i)) {
      const w = words[i++]!;
      const arity = w.quoted || w.bang ? undefined : ctx.optionArity(kind, name, w.text);
      if (!arity) continue;
      if (words[i]?.bang) i++;
      i = Math.min(words.length, i + arity);
    }
    return words.slice(start, i);
  };
  while (i < words.length) {
    let negated = false;
    let w = words[i]!;
    if (w.bang) {
      negated = true;
      w = words[++i] ?? w;
    }
    const option = baseOption(w);
    if (!option) {
      // Options before any -m belong to the protocol's own module (`-p tcp --dport 22`).
      const module = protocol ? ctx.implicitModule(protocol) : undefined;
      if (!module || w.bang) return { problem: 'broken', message: `unexpected '${w.text}'`, column: w.column };
      if (negated) i--;
      const words = clauseWords('match', module);
      // iptables hands the option to a match of that module already loaded by `-m` (`-m tcp -p tcp --dport 80`).
      const loaded = out.findIndex((s) => s.kind === 'match' && s.name === module);
      const earlier = out[loaded];
      if (earlier?.kind === 'match') out[loaded] = { ...earlier, words: [...earlier.words, ...words] };
      else out.push({ kind: 'match', name: module, words, at: w, implicit: true });
      continue;
    }
    i++;
    // Pre-1.4.3 saves put `!` after the option: `-d ! 10.0.0.0/8`.
    if (!negated && words[i]?.bang && ARITY[option] > 0) {
      negated = true;
      i++;
    }
    const args = words.slice(i, i + ARITY[option]);
    if (args.length < ARITY[option]) return { problem: 'broken', message: `${w.text} needs a value`, column: w.column };
    i += args.length;
    if (option === 'm' || option === 'j' || option === 'g') {
      if (negated) return { problem: 'broken', message: `${w.text} cannot be negated`, column: w.column };
      const name = args[0]!.text;
      const rest = clauseWords(option === 'm' ? 'match' : 'target', name);
      out.push(
        option === 'm'
          ? { kind: 'match', name, words: rest, at: args[0]!, implicit: false }
          : { kind: 'target', name, goto: option === 'g', words: rest, at: args[0]! },
      );
      continue;
    }
    if (option === 'p') protocol = args[0]!.text.toLowerCase();
    out.push({ kind: 'base', option, negated, args, at: w });
  }
  return out;
}
