/**
 * Descriptors of match and target extensions, and the one engine that reads and prints their options.
 * A descriptor lists options in the order iptables-save prints them, so printing is canonical.
 */
import type { Family } from '../../src/model/values';
import { type Codec, Problem, readsBackBare } from './codecs';
import type { WordSyntax } from './syntax';

export interface OptionSpec {
  /** Spellings accepted on input; the first is printed unless the codec names another. */
  readonly names: readonly string[];
  readonly field: string;
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

export interface ExtensionSpec {
  /** Module (`-m NAME`) or target (`-j NAME`) name. */
  readonly name: string;
  /** Section of iptables-extensions(8) it follows. */
  readonly doc: string;
  readonly state: SupportState;
  /** Fields every record of this extension has (`module`, `kind`). */
  readonly fixed: Readonly<Record<string, unknown>>;
  readonly options: readonly OptionSpec[];
  /** Values iptables-save prints even when the input left them out (REJECT's `--reject-with`). */
  readonly defaults?: (family: Family) => Readonly<Record<string, unknown>>;
  /** Options are kept as typed text in `options`, in input order (payload and policy predicates). */
  readonly textOptions?: boolean;
  /** Rewrites a parsed record into the form the kernel stores (CONNMARK's `--mask M` sets both masks). */
  readonly normalise?: (record: ExtensionRecord) => ExtensionRecord;
}

export interface SectionProblem {
  readonly message: string;
  readonly column: number;
  /** An option nfwalk does not know (a gap in nfwalk), as opposed to a broken value (a broken dump). */
  readonly unknownOption: boolean;
}

export type ExtensionRecord = Record<string, unknown>;

export type SectionResult =
  | { readonly ok: true; readonly record: ExtensionRecord }
  | { readonly ok: false; readonly problem: SectionProblem };
const fail = (message: string, column: number, unknownOption = false): SectionResult => ({
  ok: false,
  problem: { message, column, unknownOption },
});

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

/** Reads the words after `-m NAME` / `-j NAME`. Both negation styles: `! --opt v` and pre-1.4.3 `--opt ! v`. */
export function parseSection(
  spec: ExtensionSpec,
  words: readonly WordSyntax[],
  family: Family,
  at: number,
): SectionResult {
  if (spec.textOptions) return parseTextOptions(spec, words, at);
  const rec: ExtensionRecord = { ...spec.fixed, ...spec.defaults?.(family) };
  const seen = new Set<string>();
  let i = 0;
  while (i < words.length) {
    let negated = false;
    let w = words[i]!;
    if (w.bang) {
      negated = true;
      w = words[++i] ?? w;
      if (w.bang) return fail('dangling "!"', w.column);
    }
    const opt = w.quoted ? undefined : lookup(spec).get(w.text);
    if (!opt) {
      // `--frob` is an option nfwalk may not know yet; a bare word here is a broken rule.
      const looksLikeOption = !w.quoted && w.text.startsWith('-');
      return fail(
        looksLikeOption
          ? `unknown option '${w.text}' for ${spec.name}`
          : `unexpected '${w.text}' in ${spec.name} options`,
        w.column,
        looksLikeOption,
      );
    }
    i++;
    // Pre-1.4.3 `--opt ! value`; after a flag, `!` belongs to the next option (`--socket-exists ! --uid-owner`).
    if (opt.negatable && opt.codec.arity > 0 && words[i]?.bang) {
      negated = true;
      i++;
    }
    if (negated && !opt.negatable) return fail(`${w.text} cannot be negated`, w.column);
    const args = words.slice(i, i + opt.codec.arity);
    if (args.length < opt.codec.arity) return fail(`${w.text} needs ${opt.codec.arity} argument(s)`, w.column);
    const value = opt.codec.parse(
      args.map((a) => a.text),
      { family, optionName: w.text },
    );
    if (value instanceof Problem) return fail(`${w.text}: ${value.message}`, args[0]?.column ?? w.column);
    const stored = opt.negatable ? { negated, value } : value;
    if (seen.has(opt.field) && !opt.repeatable) return fail(`${w.text} given twice`, w.column);
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
  return { ok: true, record: spec.normalise ? spec.normalise(rec) : rec };
}

function parseTextOptions(spec: ExtensionSpec, words: readonly WordSyntax[], at: number): SectionResult {
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
    if (!last) return fail(`expected an option of ${spec.name}, got '${w.text}'`, w.column);
    last.args.push({ text: w.text, quoted: w.quoted });
  }
  if (negated) return fail('dangling "!"', words[words.length - 1]?.column ?? at);
  return { ok: true, record: { ...spec.fixed, options } };
}

/** Prints a record's options in the extension's own order, as words ready to join with spaces. */
export function printSection(spec: ExtensionSpec, rec: ExtensionRecord, family: Family): string[] {
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
