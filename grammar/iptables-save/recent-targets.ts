/**
 * The last few names of `-j`/`-g` the fast path (fast-rule.ts) looked up, found by the word of the line without a
 * slice, with the jump targets made for them: most rules of a kube-proxy dump jump to KUBE-MARK-MASQ or DNAT, and
 * four names spare 52,000 of its 88,000 lookups of the table's chains (each a fresh string to hash). The rules
 * share a chain's target while its name stays among the four, without a Map of every chain's.
 */
import type { Chain } from '../../src/model/ruleset';
import type { Target } from '../../src/model/target';
import type { ExtensionSpec } from './extension';

/** A name of `-j`/`-g` and what it named when looked up. */
export interface RecentTarget<C extends Chain> {
  name: string;
  /** The table's chain of this name, if any. */
  chain: C | undefined;
  /** How many chains the table had: a name that was no chain may become one when the table gets more. */
  chains: number;
  /** The target extension of this name (null: not looked up yet). */
  spec: ExtensionSpec<Target> | undefined | null;
  /** The targets jumping and going to `chain`, once made. */
  jump: Target | undefined;
  goto: Target | undefined;
}

const SIZE = 4;

export class RecentTargets<C extends Chain> {
  /** Most recently used first. */
  private readonly entries: RecentTarget<C>[] = [];

  clear(): void {
    this.entries.length = 0;
  }

  /**
   * The entry of the name spelt on [start, end) of `text`, moved to the front; undefined if there is none, or
   * none still valid (that one is dropped, so that names stay distinct).
   */
  find(text: string, start: number, end: number, chains: number): RecentTarget<C> | undefined {
    const { entries } = this;
    const length = end - start;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.name.length !== length || !text.startsWith(e.name, start)) continue;
      const valid = e.chain !== undefined || e.chains === chains;
      for (let j = i; j > 0; j--) entries[j] = entries[j - 1]!;
      if (valid) entries[0] = e;
      else entries.shift();
      return valid ? e : undefined;
    }
    return undefined;
  }

  /**
   * A new entry at the front, in place of the least recently used, whose object it takes: 36,000 names of a
   * kube-proxy dump are not among the last four, and the entry is read only until the next name is.
   */
  add(name: string, chain: C | undefined, chains: number): RecentTarget<C> {
    const { entries } = this;
    const e = entries.length === SIZE ? entries[SIZE - 1]! : newEntry<C>();
    e.name = name;
    e.chain = chain;
    e.chains = chains;
    e.spec = null;
    e.jump = undefined;
    e.goto = undefined;
    for (let j = Math.min(entries.length, SIZE - 1); j > 0; j--) entries[j] = entries[j - 1]!;
    entries[0] = e;
    return e;
  }
}

const newEntry = <C extends Chain>(): RecentTarget<C> => ({
  name: '',
  chain: undefined,
  chains: 0,
  spec: null,
  jump: undefined,
  goto: undefined,
});
