/**
 * Descriptors of match and target extensions, and the one engine that reads and prints their options.
 * A descriptor lists options in the order iptables-save prints them, so printing is canonical.
 */
import { type LineProblem, broken, isProblem } from '../shared/problem';
import type { Family } from '../../src/model/values';
import { type Codec, readsBackBare } from './codecs';
import type { WordSyntax } from './syntax';

/** An option of an extension; `F` is the record field it fills, checked against the record type by define.ts. */
export interface OptionSpec<F extends string = string> {
  /** Spellings accepted on input; the first is printed unless the codec names another. */
  readonly names: readonly string[];
  readonly field: F;
  readonly codec: Codec<unknown>;
  /** `! --opt` allowed; the field then holds `{ negated, value }`. */
  readonly negatable?: boolean;
  /** May appear several times (old DNAT with two `--to-destination`); the field holds an array. */
  readonly repeatable?: boolean;
  /** An input-only spelling (`--syn`): printing goes through the first spec of the same field. */
  readonly parseOnly?: boolean;
}

/** How fully nfwalk understands an extension (Batfish's implementation states). */
export type SupportState = 'modelled' | 'typed-text';

/**
 * The descriptor of an extension whose records are `R` (a `Match` or `Target` member): the engine below builds
 * an `R` from the fixed fields, the defaults and one field per option read.
 */
export interface ExtensionSpec<R extends object = object> {
  /** Module (`-m NAME`) or target (`-j NAME`) name. */
  readonly name: string;
  /** Where in iptables-extensions(8) it is described. */
  readonly doc: string;
  readonly state: SupportState;
  /** Fields every record of this extension has (`module`, `kind`). */
  readonly fixed: Readonly<ExtensionRecord>;
  readonly options: readonly OptionSpec[];
  /** Values iptables-save prints even when the input left them out (REJECT's `--reject-with`). */
  readonly defaults?: (family: Family) => Readonly<Partial<R>>;
  /** Options are kept as typed text in `options`, in input order (payload and policy predicates). */
  readonly textOptions?: boolean;
  /** Rewrites a parsed record into the form the kernel stores (CONNMARK's `--mask M` sets both masks). */
  readonly normalise?: (record: ExtensionRecord) => ExtensionRecord;
}

/** A record while the engine fills it, field by field. */
export type ExtensionRecord = Record<string, unknown>;

const fail = broken;

const lookups = new WeakMap<ExtensionSpec, Map<string, OptionSpec>>();
function lookup(spec: ExtensionSpec): Map<string, OptionSpec> {
  let m = lookups.get(spec);
  if (!m) {
    m = new Map();
    for (const o of spec.options) for (const n of o.names) m.set(n, o);
    lookups.set(spec, m);
  }
  return m;
}

/** Value words an option of this extension takes; undefined when the option is unknown. */
export function optionArity(spec: ExtensionSpec, option: string): number | undefined {
  return lookup(spec).get(option)?.codec.arity;
}

/** An extension's option spellings and the value words each takes, by the spelling's length (see optionArityIn). */
export type OptionArities = readonly (readonly (readonly [string, number])[] | undefined)[];

const arities = new WeakMap<ExtensionSpec, OptionArities>();

export function optionArities(spec: ExtensionSpec): OptionArities {
  let a = arities.get(spec);
  if (!a) {
    const byLength: [string, number][][] = [];
    for (const [name, o] of lookup(spec)) (byLength[name.length] ??= []).push([name, o.codec.arity]);
    arities.set(spec, (a = byLength));
  }
  return a;
}

/** optionArity of the word on [start, end) of `text`, without copying it. */
export function optionArityIn(table: OptionArities, text: string, start: number, end: number): number | undefined {
  const named = table[end - start];
  if (named) for (const [name, arity] of named) if (text.startsWith(name, start)) return arity;
  return undefined;
}

/**
 * Reads an extension's option words (those after `-m NAME` / `-j NAME`) into its record. Both negation styles:
 * `! --opt v` and pre-1.4.3 `--opt ! v`. An option nfwalk does not know is an `unknown` problem (a gap in
 * nfwalk), a broken value a `broken` one (a broken dump).
 */
export function readExtensionOptions<R extends object>(
  spec: ExtensionSpec<R>,
  words: readonly WordSyntax[],
  family: Family,
  at: number,
): R | LineProblem {
  if (spec.textOptions) return parseTextOptions(spec, words, at);
  // Object.assign, not a spread: V8 gives each spread copy that then gains a field a map of its own (16,500
  // comment records had 16,500 maps), where copies made by assignment share their maps.
  const rec: ExtensionRecord = Object.assign({}, spec.fixed, spec.defaults?.(family));
  const seen = new Set<string>();
  let i = 0;
  while (i < words.length) {
    let negated = false;
    let w = words[i]!;
    if (w.bang) {
      negated = true;
      w = words[++i] ?? w;
      if (w.bang) return fail(w.column, 'dangling "!"');
    }
    const opt = w.quoted ? undefined : lookup(spec).get(w.text);
    if (!opt) {
      // `--frob` is an option nfwalk may not know yet; a bare word here is a broken rule.
      const looksLikeOption = !w.quoted && w.text.startsWith('-');
      const message = looksLikeOption
        ? `unknown option '${w.text}' for ${spec.name}`
        : `unexpected '${w.text}' in ${spec.name} options`;
      return looksLikeOption ? { problem: 'unknown', message, column: w.column } : fail(w.column, message);
    }
    i++;
    // Pre-1.4.3 `--opt ! value`; after a flag, `!` belongs to the next option (`--socket-exists ! --uid-owner`).
    if (opt.negatable && opt.codec.arity > 0 && words[i]?.bang) {
      negated = true;
      i++;
    }
    if (negated && !opt.negatable) return fail(w.column, `${w.text} cannot be negated`);
    const args = words.slice(i, i + opt.codec.arity);
    if (args.length < opt.codec.arity) return fail(w.column, `${w.text} needs ${opt.codec.arity} argument(s)`);
    const value = opt.codec.parse(
      args.map((a) => a.text),
      { family, optionName: w.text },
    );
    if (isProblem(value)) return fail(args[0]?.column ?? w.column, `${w.text}: ${value.message}`);
    const stored = opt.negatable ? { negated, value } : value;
    if (seen.has(opt.field) && !opt.repeatable) return fail(w.column, `${w.text} given twice`);
    seen.add(opt.field);
    i += opt.codec.arity;
    // A default iptables-save leaves out (`--limit-burst 5`) is left out of the model too, so both spellings agree.
    const printer = opt.parseOnly ? (spec.options.find((o) => o.field === opt.field && !o.parseOnly) ?? opt) : opt;
    if (!negated && printer.codec.print(value, { family, name: printer.names[0]! }) === null) continue;
    if (opt.repeatable) {
      rec[opt.field] = [...((rec[opt.field] as unknown[] | undefined) ?? []), stored];
    } else {
      rec[opt.field] = stored;
    }
  }
  return recordOf(spec, spec.normalise ? spec.normalise(rec) : rec);
}

/**
 * The filled record as the descriptor's record type. The one place the engine vouches for its result: fields
 * are the descriptor's (define.ts checks each against `R`), values its codecs'.
 */
const recordOf = <R extends object>(_spec: ExtensionSpec<R>, rec: ExtensionRecord): R => rec as R;

function parseTextOptions<R extends object>(
  spec: ExtensionSpec<R>,
  words: readonly WordSyntax[],
  at: number,
): R | LineProblem {
  const options: { name: string; negated: boolean; args: { text: string; quoted: boolean }[] }[] = [];
  let negated = false;
  for (const w of words) {
    if (w.bang) {
      const last = options[options.length - 1];
      // `--opt ! value` (pre-1.4.3) negates the option it follows when that option has no argument yet.
      if (last && last.args.length === 0 && !negated) last.negated = true;
      else negated = true;
      continue;
    }
    if (!w.quoted && w.text.startsWith('--')) {
      options.push({ name: w.text, negated, args: [] });
      negated = false;
      continue;
    }
    const last = options[options.length - 1];
    if (!last) return fail(w.column, `expected an option of ${spec.name}, got '${w.text}'`);
    last.args.push({ text: w.text, quoted: w.quoted });
  }
  if (negated) return fail(words[words.length - 1]?.column ?? at, 'dangling "!"');
  return recordOf(spec, Object.assign({}, spec.fixed, { options }));
}

/** Prints a record's options in the extension's own order, as words ready to join with spaces. */
export function printExtensionOptions<R extends object>(spec: ExtensionSpec<R>, record: R, family: Family): string[] {
  // Read field by field, by the names the descriptor gives.
  const rec = record as Readonly<ExtensionRecord>;
  const out: string[] = [];
  if (spec.textOptions) {
    for (const o of rec.options as { name: string; negated: boolean; args: { text: string; quoted: boolean }[] }[]) {
      if (o.negated) out.push('!');
      out.push(o.name, ...o.args.map(printWord));
    }
    return out;
  }
  const printed = new Set<string>();
  for (const opt of spec.options) {
    if (opt.parseOnly || printed.has(opt.field) || rec[opt.field] === undefined) continue;
    printed.add(opt.field);
    const values = opt.repeatable ? (rec[opt.field] as unknown[]) : [rec[opt.field]];
    for (const stored of values) {
      const { negated, value } = opt.negatable
        ? (stored as { negated: boolean; value: unknown })
        : { negated: false, value: stored };
      const p = opt.codec.print(value, { family, name: opt.names[0]! });
      if (!p) continue;
      if (negated) out.push('!');
      out.push(p.name, ...p.args);
    }
  }
  return out;
}

/** A word kept as written: quoted where the input quoted it or where it could not be read back otherwise. */
export function printWord(w: { readonly text: string; readonly quoted: boolean }): string {
  return !w.quoted && readsBackBare(w.text) ? w.text : `"${w.text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
