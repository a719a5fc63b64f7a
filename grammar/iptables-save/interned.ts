/**
 * Values read once per table and shared by every rule that spells them the same (the model is immutable): a
 * kube-proxy dump repeats `-p tcp`, `! -s 10.244.0.0/16` and `-m comment --comment …` thousands of times, and
 * fewer objects that live as long as the model mean less GC.
 */
import type { Opt } from '../../src/model/match';
import type { Target } from '../../src/model/target';
import { type LineProblem, isProblem } from '../shared/problem';
import type { TableDraft } from './table-draft';
import type { WordSyntax } from './syntax';

/**
 * The value of a match or target clause, read by `read` unless the table has read the same words before. A
 * clause that reported anything is read again each time, so that each of its lines gets its diagnostics.
 */
export function internedClause<V, A extends unknown[]>(
  cache: Map<string, V>,
  clause: { readonly name: string; readonly words: readonly WordSyntax[] },
  report: (...args: A) => void,
  read: (report: (...args: A) => void) => V,
): V {
  let key = clause.name;
  for (const w of clause.words) key += (w.bang ? '\u0002' : w.quoted ? '\u0003' : '\u0000') + w.text;
  const hit = cache.get(key);
  if (hit) return hit;
  let clean = true;
  const value = read((...args) => {
    clean = false;
    report(...args);
  });
  if (clean) cache.set(key, value);
  return value;
}

/** A base option's value (null: it matches every packet), read by `read` unless the table has read `key` before. */
export function internedOption(
  t: TableDraft,
  key: string,
  read: () => Opt<unknown> | null | LineProblem,
): Opt<unknown> | null | LineProblem {
  const hit = t.options.get(key);
  if (hit !== undefined) return hit;
  const opt = read();
  if (!isProblem(opt)) t.options.set(key, opt);
  return opt;
}

/** One target object per chain and kind of jump in a table, shared by the rules. */
export function jumpTarget(t: TableDraft, chain: string, goto: boolean): Target {
  const key = goto ? `g ${chain}` : chain;
  let target = t.jumps.get(key);
  if (!target) t.jumps.set(key, (target = { kind: 'jump', chain, goto }));
  return target;
}
