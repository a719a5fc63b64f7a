/**
 * One listed rule as iptables-save words: the base columns (prot, opt, in, out, source, destination,
 * `[goto]`), then the extension text, read module by module (matches.ts) until the target's own text
 * (targets.ts) takes the rest. Text no reader knows is kept verbatim as an opaque match or target, never
 * dropped; the caller puts those into the rule after extraction, since they have no save spelling.
 */
import type { OpaqueMatch } from '../../src/model/match';
import type { OpaqueTarget } from '../../src/model/target';
import type { Family } from '../../src/model/values';
import type { WordSyntax } from '../iptables-save/syntax';
import type { RuleColumns } from './columns';
import { Cursor, SaveWords, saveBang, saveWord } from './cursor';
import { type MatchReader, matchReaders } from './matches';
import type { ListWord } from './syntax';
import { hasTargetReader, readTarget } from './targets';

export interface ListedRule {
  /** The rule's words after `-A CHAIN`. */
  readonly words: readonly WordSyntax[];
  /** Matches no reader knows, with the number of matches read before each. */
  readonly opaque: readonly { readonly at: number; readonly match: OpaqueMatch; readonly column: number }[];
  readonly opaqueTarget?: { readonly target: OpaqueTarget; readonly column: number };
  /** Host names a listing without -n printed for -s / -d. */
  readonly hostNames: readonly ListWord[];
  /**
   * A goto to a chain the listing does not show (`iptables -L CHAIN`): written as a jump, which a part of
   * a ruleset may name without its chain, and made a goto again after extraction.
   */
  readonly gotoUnlisted?: true;
}

const VERDICTS = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE', 'TRACE']);
const ANY_ADDRESS = new Set(['0.0.0.0/0', '::/0', 'anywhere']);

/** What a listing's in and out columns show for no interface: `*` with -n, `any` without. */
export type NoInterface = '*' | 'any';

export function listedRule(
  r: RuleColumns,
  family: Family,
  chains: ReadonlySet<string>,
  noInterface: NoInterface,
): ListedRule {
  const words: WordSyntax[] = [];
  const hostNames: ListWord[] = [];
  const base = (option: string, w: ListWord | undefined, skip: (text: string) => boolean, value = (t: string) => t) => {
    if (!w) return;
    const negated = w.text.startsWith('!');
    const text = negated ? w.text.slice(1) : w.text;
    if (skip(text)) return;
    if (negated) words.push(saveBang(w));
    words.push(saveWord(option, w), saveWord(value(text), w));
  };
  const address = (text: string, w: ListWord) => {
    if (/^[\d.]+(\/[\d.]+)?$|:/.test(text)) return text;
    // A name getaddrinfo gave (no -n): which address it stands for is not in the dump.
    hostNames.push(w);
    return `<${text}>`;
  };
  base('-p', r.prot, (t) => t === '0' || t === 'all');
  if (r.opt && r.opt.text !== '--') {
    if (r.opt.text === '!f') words.push(saveBang(r.opt));
    words.push(saveWord('-f', r.opt));
  }
  base('-i', r.in, (t) => t === noInterface);
  base('-o', r.out, (t) => t === noInterface);
  base(
    '-s',
    r.source,
    (t) => ANY_ADDRESS.has(t),
    (t) => address(t, r.source),
  );
  base(
    '-d',
    r.destination,
    (t) => ANY_ADDRESS.has(t),
    (t) => address(t, r.destination),
  );
  const out: {
    words: WordSyntax[];
    opaque: ListedRule['opaque'][number][];
    opaqueTarget?: ListedRule['opaqueTarget'];
  } = { words, opaque: [] };
  readExtensions(new Cursor(r.rest), r, family, chains, out);
  const gotoUnlisted = r.goto && r.target !== undefined && !chains.has(r.target.text);
  return {
    words: out.words,
    opaque: out.opaque,
    ...(out.opaqueTarget ? { opaqueTarget: out.opaqueTarget } : {}),
    hostNames,
    ...(gotoUnlisted ? { gotoUnlisted } : {}),
  };
}

function readExtensions(
  c: Cursor,
  r: RuleColumns,
  family: Family,
  chains: ReadonlySet<string>,
  out: { words: WordSyntax[]; opaque: ListedRule['opaque'][number][]; opaqueTarget?: ListedRule['opaqueTarget'] },
): void {
  const readers = matchReaders(family);
  const name = r.target?.text;
  // A chain, a verdict or a target nfwalk reads: its text (if any) is known; any other target's is whatever is left.
  const knownTarget = name === undefined || chains.has(name) || VERDICTS.has(name) || hasTargetReader(name);
  let unknown: ListWord[] = [];
  const goto = r.goto && (name === undefined || chains.has(name));
  // An unknown target prints text nfwalk cannot read: what no match reader took is that text, not a target of no options.
  const target = () =>
    name === undefined
      ? c.done
        ? []
        : undefined
      : !knownTarget && unknown.length
        ? undefined
        : readTarget(c, name, r.target!, goto);
  let matches = 0;
  const flush = () => {
    if (!unknown.length) return;
    const [first, ...rest] = unknown;
    out.opaque.push({
      at: matches++,
      column: first!.column,
      match: { module: 'opaque', name: first!.text, words: rest.map(verbatim) },
    });
    unknown = [];
  };
  for (;;) {
    const ending = c.attempt(target);
    if (ending) {
      flush();
      out.words.push(...ending);
      return;
    }
    if (c.done) break;
    const read = readMatch(c, readers);
    if (read) {
      flush();
      out.words.push(...read);
      matches++;
    } else unknown.push(c.take()!);
  }
  // Nothing read the end of the line: the target's own text when nfwalk does not know the target.
  if (!knownTarget && name) {
    out.opaqueTarget = { column: r.target!.column, target: { kind: 'opaque', name, words: unknown.map(verbatim) } };
    unknown = [];
  } else if (name) out.words.push(...new SaveWords(r.target!).add(goto ? '-g' : '-j', name).out);
  flush();
}

function readMatch(c: Cursor, readers: readonly MatchReader[]): WordSyntax[] | undefined {
  for (const read of readers) {
    const words = c.attempt(() => read(c));
    if (words) return words;
  }
  return undefined;
}

const verbatim = (w: ListWord) => ({
  text: w.kind === 'comment' ? `/* ${w.text} */` : w.text,
  bang: w.text === '!',
  quoted: w.kind === 'quoted',
});
