/**
 * A table while its lines are read: chains and rules still mutable (a rule's position is final only once every
 * `-A`/`-I` of the table is placed), and the table the model gets once it is closed.
 */
import type { Match, Opt } from '../../src/model/match';
import type { Chain, Rule, Table, TableName } from '../../src/model/ruleset';
import type { JumpTarget, Target } from '../../src/model/target';
import { linkJump, noteReadTable } from '../../src/model/read-jumps';
import { ReadChain } from '../../src/model/read-located';
import type { SourceRef } from '../../src/model/source';
import type { Counters } from '../../src/model/values';
import { BUILTIN_CHAINS } from './builtins';
import { type HeaderlessGroup, newHeaderlessGroup } from './headerless';
import type { LineProblem } from '../shared/problem';
import { parseCounters } from './command';
import type { RuleClause } from './rule-clauses';
import type { WordSyntax } from './syntax';

export type RuleDraft = { -readonly [K in keyof Rule]: Rule[K] };

/**
 * A chain while its table is read, in the model's shape and key order (JSON shows that order): buildTable
 * gives the model the draft itself unless the table's end changed what it shows (see chainOf).
 */
export interface ChainDraft {
  readonly name: string;
  /** Whether the name is a built-in chain's of the table as known when declared (a headerless table's is not). */
  readonly builtin: boolean;
  policy: 'ACCEPT' | 'DROP' | null;
  /** Replaced by an array of its own size once the chain's run of rules ends (fitRules). */
  rules: RuleDraft[];
  readonly location: SourceRef;
  /** The dump was cut in or before this chain's rules (see markCut). */
  cut?: true;
  readonly counters?: Counters;
}

export interface TableDraft {
  /** Final once the table is closed when `headerless` (see HeaderlessGroup). */
  name: TableName;
  /** The dump's path, for the locations of its chains. */
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly chains: Map<string, ChainDraft>;
  /** `-j NAME` that is neither a chain nor a known target yet: a later `-N NAME` may still declare it. */
  readonly unresolved: { rule: RuleDraft; clause: Extract<RuleClause, { kind: 'target' }>; line: number }[];
  /** Identical match and target clauses read once per table (interned.ts). */
  readonly matchClauses: Map<string, Match>;
  readonly targetClauses: Map<string, Target>;
  /** Base option values and jumps, each read once per table (interned.ts). */
  readonly options: Map<string, Opt<unknown> | null>;
  readonly jumps: Map<string, Target>;
  /** Rules for chains the dump never declared: an error in a whole dump, expected in a fragment. */
  readonly undeclared: { line: number; column: number; chain: string }[];
  /** The dump was cut in this table (markCut). */
  cut?: boolean;
  readonly headerless?: HeaderlessGroup;
}

export const NO_COUNTERS: Counters = { packets: 0n, bytes: 0n };

export function newTable(name: TableName, path: string, line: number, column: number, headerless = false): TableDraft {
  const draft = {
    name,
    path,
    line,
    column,
    chains: new Map(),
    unresolved: [],
    matchClauses: new Map(),
    targetClauses: new Map(),
    options: new Map(),
    jumps: new Map(),
    undeclared: [],
  };
  return headerless ? { ...draft, headerless: newHeaderlessGroup() } : draft;
}

const ANY_BUILTIN = new Set(Object.values(BUILTIN_CHAINS).flat());
export const isBuiltinName = (name: string) => ANY_BUILTIN.has(name);

/** A headerless table's name is settled only at its end, so any table's built-in chain is one. */
export const isBuiltin = (t: TableDraft, name: string) =>
  t.headerless ? isBuiltinName(name) : BUILTIN_CHAINS[t.name].includes(name);

/**
 * iptables-save and `iptables -S` print a table's rules chain by chain, in the order the chains were declared:
 * where the dump was cut, the chain of its last rule and every chain after it may have had more rules.
 */
export function markCut(t: TableDraft): void {
  const chains = [...t.chains.values()];
  for (const c of chains.slice(
    Math.max(
      0,
      chains.findLastIndex((c) => c.rules.length > 0),
    ),
  ))
    c.cut = true;
  t.cut = true;
}

/** The table as the kernel holds it: every built-in chain (first, in hook order, when the dump left one out). */
export function buildTable(t: TableDraft): Table {
  const builtins = BUILTIN_CHAINS[t.name];
  const declared = [...t.chains.keys()];
  const missing = builtins.filter((b) => !t.chains.has(b));
  // A built-in chain the dump does not show exists all the same: with rules, if the dump was cut before them.
  for (const b of missing) {
    const chain = newChain(t, b, 'ACCEPT', NO_COUNTERS, t.line, t.column);
    if (t.cut) chain.cut = true;
    t.chains.set(b, chain);
  }
  const order = missing.length ? [...builtins, ...declared.filter((n) => !builtins.includes(n))] : declared;
  let drafts = true;
  const chains: Chain[] = order.map((name) => {
    const c = t.chains.get(name)!;
    for (let i = 0; i < c.rules.length; i++) c.rules[i]!.index = i + 1;
    const chain = chainOf(c, builtins.includes(name));
    if (chain !== c) drafts = false;
    return chain;
  });
  const table: Table = { name: t.name, chains, location: { path: t.path, line: t.line, column: t.column } };
  // The fast path linked its jumps to the drafts as it read them (fast-rule.ts); a draft the model replaced leaves
  // the table to be looked up by name.
  if (drafts) {
    for (const target of t.jumps.values()) {
      const to = target.kind === 'jump' ? t.chains.get(target.chain) : undefined;
      if (to) linkJump(target as JumpTarget, to);
    }
    noteReadTable(table, t.chains);
  }
  return table;
}

/**
 * The model's chain: the draft itself when it already says what the table's end found (one object per chain
 * instead of two: 32,500 in a kube-proxy dump), else a new one in the same key order, `cut` before `counters`.
 */
function chainOf(c: ChainDraft, builtin: boolean): Chain {
  if (!c.cut && c.builtin === builtin) return c;
  const { name, policy, rules, counters } = c;
  const { path, line, column } = c as unknown as ReadChain<RuleDraft>;
  const chain = new ReadChain(name, builtin, policy, rules, path, line, column) as ReadChain<RuleDraft> & Fields;
  if (c.cut) chain.cut = true;
  if (counters) chain.counters = counters;
  return chain as unknown as Chain;
}

/** A ReadChain's fields set after it is made. */
type Fields = { cut?: true; counters?: Counters };

/** `:NAME POLICY [p:b]` or `-N NAME`: the chain, or why it cannot be declared. */
export function declareChain(
  t: TableDraft,
  name: string,
  words: readonly WordSyntax[],
  line: number,
  column: number,
): LineProblem | undefined {
  if (!name) return { problem: 'broken', message: 'chain declaration without a name', column };
  const [policyWord, countersWord, extra] = words;
  if (!policyWord)
    return { problem: 'broken', message: `chain ${name} has no policy (expected ACCEPT, DROP or -)`, column };
  const policy = policyWord.text;
  const builtin = declaresBuiltin(t, name, policy);
  if (!takesPolicy(builtin, policy)) {
    return {
      problem: 'broken',
      message: builtin
        ? `built-in chain ${name} needs policy ACCEPT or DROP, got '${policy}'`
        : `user chain ${name} takes '-' as policy, got '${policy}'`,
      column: policyWord.column,
    };
  }
  let counters: Counters | undefined;
  if (countersWord) {
    counters = parseCounters(countersWord.text);
    if (!counters)
      return {
        problem: 'broken',
        message: `expected [packets:bytes], got '${countersWord.text}'`,
        column: countersWord.column,
      };
  }
  if (extra)
    return { problem: 'broken', message: `unexpected '${extra.text}' after chain declaration`, column: extra.column };
  if (t.chains.has(name)) return { problem: 'broken', message: `chain ${name} declared twice`, column };
  const g = t.headerless;
  if (g) {
    g.chains.add(name);
    if (builtin) g.policies.add(name);
    else g.declared = true;
  }
  addChain(t, name, builtin, policy, counters, line, column);
  return undefined;
}

/**
 * Whether `:NAME POLICY` declares a built-in chain with its policy: on a built-in chain `-` keeps the current
 * policy (iptables-restore), ACCEPT on a freshly created table, and the chain is read as a user chain's is.
 */
export const declaresBuiltin = (t: TableDraft, name: string, policy: string) => policy !== '-' && isBuiltin(t, name);

/** Built-in chains take ACCEPT or DROP as policy, user chains only `-`. */
export const takesPolicy = (builtin: boolean, policy: string) =>
  builtin ? policy === 'ACCEPT' || policy === 'DROP' : policy === '-';

/**
 * A declared chain into the table, with its policy when it is `builtin` (declareChain has checked it; so has the
 * fast path, extract.ts fastChain).
 */
export function addChain(
  t: TableDraft,
  name: string,
  builtin: boolean,
  policyWord: string,
  counters: Counters | undefined,
  line: number,
  column: number,
): void {
  const policy = builtin ? (policyWord === 'DROP' ? 'DROP' : 'ACCEPT') : null;
  t.chains.set(name, newChain(t, name, policy, counters, line, column));
}

/**
 * The chain's rules in an array of their number, once a dump has moved on to another chain's (dumps list a
 * chain's rules together): an array grown by push keeps room for about 16 more rules, 150 bytes for a chain of
 * one or two, which a kube-proxy dump has by the ten thousand and every young collection copies.
 */
export function fitRules(c: ChainDraft): void {
  c.rules = c.rules.slice();
}

const CHAIN = ReadChain.prototype;

/**
 * A chain of the table, without rules yet, declared (or first met) at `line`: a literal with ReadChain's prototype
 * rather than `new`, so that V8 can make the chains in the old generation (rule-shapes.ts says why).
 */
export function newChain(
  t: TableDraft,
  name: string,
  policy: 'ACCEPT' | 'DROP' | null,
  counters: Counters | undefined,
  line: number,
  column: number,
): ChainDraft {
  const builtin = isBuiltin(t, name);
  const path = t.path;
  const rules: RuleDraft[] = [];
  const chain = counters
    ? { __proto__: CHAIN, name, builtin, policy, rules, path, line, column, counters }
    : { __proto__: CHAIN, name, builtin, policy, rules, path, line, column };
  return chain as unknown as ChainDraft;
}
