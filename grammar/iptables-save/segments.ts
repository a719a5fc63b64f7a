/**
 * Splits a rule's words into base options, match sections and the target section. A section runs until
 * the next `-m`/`-j`/`-g` or base option, which is how iptables' getopt loop hands words to extensions.
 */
import type { WordSyntax } from './syntax';

export type BaseOption = 's' | 'd' | 'i' | 'o' | 'p' | 'f' | 'c' | 'm' | 'j' | 'g';

const BASE_OPTIONS: Readonly<Record<string, BaseOption>> = {
  '-s': 's', '--source': 's', '--src': 's', '-d': 'd', '--destination': 'd', '--dst': 'd',
  '-i': 'i', '--in-interface': 'i', '-o': 'o', '--out-interface': 'o', '-p': 'p', '--protocol': 'p',
  '-f': 'f', '--fragment': 'f', '-c': 'c', '--set-counters': 'c', '-m': 'm', '--match': 'm',
  '-j': 'j', '--jump': 'j', '-g': 'g', '--goto': 'g',
};
const ARITY: Readonly<Record<BaseOption, number>> = { s: 1, d: 1, i: 1, o: 1, p: 1, f: 0, c: 2, m: 1, j: 1, g: 1 };

export type Segment =
  | { readonly kind: 'base'; readonly option: BaseOption; readonly negated: boolean; readonly args: readonly WordSyntax[]; readonly at: WordSyntax }
  | { readonly kind: 'match'; readonly name: string; readonly words: readonly WordSyntax[]; readonly at: WordSyntax; readonly implicit: boolean }
  | { readonly kind: 'target'; readonly name: string; readonly goto: boolean; readonly words: readonly WordSyntax[]; readonly at: WordSyntax };

export interface SegmentProblem {
  readonly message: string;
  readonly column: number;
}

function baseOption(w: WordSyntax | undefined): BaseOption | undefined {
  return w && !w.quoted && !w.bang ? BASE_OPTIONS[w.text] : undefined;
}

function isBoundary(words: readonly WordSyntax[], i: number): boolean {
  const w = words[i];
  return baseOption(w) !== undefined || (w?.bang === true && baseOption(words[i + 1]) !== undefined);
}

/** `implicitModule` names the module `-p tcp --dport 22` loads without `-m`. */
export function segmentRule(words: readonly WordSyntax[], implicitModule: (protocol: string) => string | undefined): Segment[] | SegmentProblem {
  const out: Segment[] = [];
  let protocol: string | undefined;
  let i = 0;
  const section = () => {
    const start = i;
    while (i < words.length && !isBoundary(words, i)) i++;
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
      const module = protocol ? implicitModule(protocol) : undefined;
      if (!module || w.bang) return { message: `unexpected '${w.text}'`, column: w.column };
      if (negated) i--;
      const words = section();
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
    if (args.length < ARITY[option]) return { message: `${w.text} needs a value`, column: w.column };
    i += args.length;
    if (option === 'm' || option === 'j' || option === 'g') {
      if (negated) return { message: `${w.text} cannot be negated`, column: w.column };
      const name = args[0]!.text;
      const rest = section();
      out.push(option === 'm' ? { kind: 'match', name, words: rest, at: args[0]!, implicit: false } : { kind: 'target', name, goto: option === 'g', words: rest, at: args[0]! });
      continue;
    }
    if (option === 'p') protocol = args[0]!.text.toLowerCase();
    out.push({ kind: 'base', option, negated, args, at: w });
  }
  return out;
}
