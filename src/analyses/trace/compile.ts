/**
 * A ruleset made ready to walk: each chain's rules turned into matchers the first time a walk enters
 * the chain, and long chains indexed by destination address. kube-proxy's KUBE-SERVICES has one
 * `-d VIP/32` rule per service port, so a packet only tests the rules for its own destination plus
 * the rules that test no single destination, in chain order. Chains whose rules test no destination
 * but one port each (KUBE-NODEPORTS) are indexed by protocol and port the same way.
 */
import { printRule } from '../../../grammar/iptables-save/print';
import { chainIndexOf } from '../../graph/chain-index';
import { protocolNumber } from '../../model/protocols';
import { ReadChain } from '../../model/read-located';
import type { Backend, Chain, Rule, Ruleset, TableName } from '../../model/ruleset';
import type { JumpTarget, Target } from '../../model/target';
import type { Family } from '../../model/values';
import { pinnedHost, pinnedPort } from '../pinned';
import { type Matcher, type MatchContext, SharedMatchers, ruleMatchers } from './match/index';
import { address } from './match/base';
import { RuleCode, WHOLE } from './rule-code';
import type { Packet } from './packet';
import type { NftCompiledRule } from './nft/rule';
import type { RuleStep } from './path';

/** A chain of either rule language, as the walker runs it. */
interface CompiledChain {
  /** The table as messages name it: `nat`, `ip kube-proxy`. */
  readonly table: string;
  readonly name: string;
  /** The dump ends inside this chain. */
  readonly cut: boolean;
  /**
   * Indexes of the rules that can match this packet, ascending, from `from` on; a list may begin below `from` (the
   * walk skips those), so that a chain scanned whole hands out one list for every `from`.
   */
  candidates(p: Packet, from: number): readonly number[];
}

/**
 * An nft chain: its rules run statements after their matchers. The matchers of all its rules are one array, rule
 * `i`'s from `ends[i - 1]` (0 for the first) to `ends[i]`.
 */
export interface NftCompiledChain extends CompiledChain {
  readonly kind: 'nft';
  readonly rules: readonly NftCompiledRule[];
  readonly matchers: readonly Matcher[];
  /** Per rule, the end of its matchers in `matchers`. */
  readonly ends: readonly number[];
}

/**
 * An iptables chain: its table and, when the node runs both backends, whose it is. Its rules are slots `first` to
 * `first + n - 1` of the ruleset's `code`: base tests as numbers, the other matchers in `code.rest`.
 */
export interface IptablesChain extends CompiledChain {
  readonly kind: 'iptables';
  readonly table: TableName;
  /** Set when the node runs both backends: the steps in this chain then say whose it is. */
  readonly backend: Backend | undefined;
  readonly chain: Chain;
  readonly code: RuleCode;
  readonly first: number;
  /** The matcher of rule `i`'s `-s` (position 1) or `-d` (2), for a packet whose address its number cannot decide. */
  addressMatcher(i: number, position: number): Matcher;
  /** The step TRACE records when rule `i` matches; made on its first match and shared by every path after. */
  step(i: number): RuleStep;
  /** The chain rule `i`'s `-j`/`-g` target enters, looked up on its first jump; undefined when the dump lacks it. */
  jumpChain(i: number): IptablesChain | undefined;
}

export type WalkChain = IptablesChain | NftCompiledChain;

const NONE: readonly never[] = [];

/**
 * The `matchers` and `ends` of an nft chain of `n` rules, `add(i, out)` adding rule `i`'s matchers to `out`. Copied to
 * arrays of the length they need: arrays grown by push keep room for 17, and 32,000 chains stay alive.
 */
export function flatMatchers(
  n: number,
  add: (i: number, out: Matcher[]) => void,
): { matchers: readonly Matcher[]; ends: readonly number[] } {
  const matchers: Matcher[] = [];
  const ends = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    add(i, matchers);
    ends[i] = matchers.length;
  }
  return { matchers: matchers.length === 0 ? NONE : matchers.slice(), ends: n === 0 ? NONE : ends };
}

/** Below this many rules a plain scan is as fast as the index. */
const INDEX_FROM = 64;

/** KUBE-NODEPORTS-like chains test no destination but one protocol and port per rule. */
function destinationPort(rule: Rule): number | undefined {
  const p = pinnedPort(rule);
  return p && protocolNumber(p.module)! * 65536 + p.port;
}

/**
 * The indexes of three ascending lists that share none, from `from` on, in order. Written for three lists, without
 * a cursor array: it runs for every walk through an indexed chain (KUBE-SERVICES twice for most packets).
 */
function mergeFrom(a: readonly number[], b: readonly number[], c: readonly number[], from: number): readonly number[] {
  let i = lowerBound(a, from);
  let j = lowerBound(b, from);
  let k = lowerBound(c, from);
  // One list holds them all from its start: handed over as it is (candidates are only read).
  if (i === 0 && j === b.length && k === c.length) return a;
  if (j === 0 && i === a.length && k === c.length) return b;
  if (k === 0 && i === a.length && j === b.length) return c;
  const n = a.length - i + (b.length - j) + (c.length - k);
  const out = new Array<number>(n);
  for (let o = 0; o < n; o++) {
    const x = i < a.length ? a[i]! : Infinity;
    const y = j < b.length ? b[j]! : Infinity;
    const z = k < c.length ? c[k]! : Infinity;
    if (x < y && x < z) {
      out[o] = x;
      i++;
    } else if (y < z) {
      out[o] = y;
      j++;
    } else {
      out[o] = z;
      k++;
    }
  }
  return out;
}

/** The first position in `list` (ascending) of a value at or above `value`. */
export function lowerBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function targetName(t: Target | undefined): string | undefined {
  if (!t) return undefined;
  if (t.kind === 'jump') return t.chain;
  return t.kind === 'opaque' ? t.name : t.kind;
}

/** Written out, not spread: a step is made for every rule a walk matches (a backend is named on few nodes). */
function ruleStep(place: ScannedChain, rule: Rule): RuleStep {
  const { table, backend } = place;
  const chain = place.chain.name;
  const index = rule.index;
  const t = rule.target;
  const target = targetName(t);
  const text = place.ruleset.stepText ? printRule(place.chain, rule, place.ruleset.family) : '';
  const step: RuleStep =
    target === undefined
      ? { table, chain, rule: index, text }
      : t?.kind === 'jump'
        ? { table, chain, rule: index, target, jump: t.goto ? 'goto' : 'jump', text }
        : { table, chain, rule: index, target, text };
  return backend ? { ...step, backend } : step;
}

/** What every chain of a compiled ruleset shares. */
interface RulesetPlace {
  readonly family: Family;
  /** The chain a jump target enters (the chain index finds it once per target object, or the reader linked it). */
  jumpOf(table: TableName, target: JumpTarget): IptablesChain | undefined;
  /** Whether steps carry the rule's text (see `compileRuleset`). */
  readonly stepText: boolean;
  readonly code: RuleCode;
  readonly ctx: MatchContext;
  readonly shared: SharedMatchers;
  /** By rule slot: its step, made on its first match, and the chain its jump enters (null: none), on its first jump. */
  readonly steps: (RuleStep | undefined)[];
  readonly jumps: (IptablesChain | null | undefined)[];
}

/** Indexes 0 to n-1, one array per length and never written to: most chains are scanned whole from their first rule. */
const everyIndex: (readonly number[])[] = [];
const indexesTo = (n: number) => (everyIndex[n] ??= Array.from({ length: n }, (_, i) => i));

/** A chain scanned rule by rule; it is also the place its rules' steps name. */
class ScannedChain implements IptablesChain {
  readonly kind = 'iptables';
  readonly first: number;

  constructor(
    readonly table: TableName,
    readonly chain: Chain,
    readonly backend: Backend | undefined,
    readonly ruleset: RulesetPlace,
  ) {
    const { code, ctx, shared, family } = ruleset;
    this.first = code.next;
    const rules = chain.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const taken = code.add(rule, family);
      // Most of kube-proxy's rules are whole in their numbers: no matchers to make, nor a `where` for them.
      if ((taken & WHOLE) === 0)
        ruleMatchers(rule, ctx, family, () => `${table} ${chain.name} rule ${rule.index}`, shared, code.rest, taken);
      code.end();
    }
  }

  get name(): string {
    return this.chain.name;
  }

  get cut(): boolean {
    return this.chain.cut ?? false;
  }

  get code(): RuleCode {
    return this.ruleset.code;
  }

  addressMatcher(i: number, position: number): Matcher {
    const rule = this.chain.rules[i]!;
    const where = () => `${this.table} ${this.chain.name} rule ${rule.index}`;
    return position === 1
      ? address(rule.source!, 'src', where, this.ruleset.shared)
      : address(rule.destination!, 'dst', where, this.ruleset.shared);
  }

  step(i: number): RuleStep {
    return (this.ruleset.steps[this.first + i] ??= ruleStep(this, this.chain.rules[i]!));
  }

  jumpChain(i: number): IptablesChain | undefined {
    const jumps = this.ruleset.jumps;
    const slot = this.first + i;
    let c = jumps[slot];
    if (c === undefined) {
      const target = this.chain.rules[i]!.target;
      c = jumps[slot] = (target?.kind === 'jump' ? this.ruleset.jumpOf(this.table, target) : undefined) ?? null;
    }
    return c ?? undefined;
  }

  candidates(_p: Packet, _from: number): readonly number[] {
    return indexesTo(this.chain.rules.length);
  }
}

/**
 * The key a host is indexed by: its IPv4 value as a number (a Map hashes a number without the bigint's heap object),
 * an IPv6 value as the bigint. A ruleset is of one family, and so is every packet walked through it.
 */
const hostKey = (family: Family, value: bigint): number | bigint => (family === 'ipv4' ? Number(value) : value);

/** A long chain, indexed by the one destination host, else the one protocol and port, each rule tests. */
class IndexedChain extends ScannedChain {
  private readonly byDestination = new Map<number | bigint, number[]>();
  private readonly byPort = new Map<number, number[]>();
  private readonly rest: number[] = [];

  constructor(table: TableName, chain: Chain, backend: Backend | undefined, ruleset: RulesetPlace) {
    super(table, chain, backend, ruleset);
    const file = <K>(map: Map<K, number[]>, key: K, i: number) => {
      const list = map.get(key);
      if (list) list.push(i);
      else map.set(key, [i]);
    };
    const { code, family } = ruleset;
    chain.rules.forEach((rule, i) => {
      const host = code.destinationHost(this.first + i) ?? pinnedHost(rule.destination);
      const port = host === undefined ? destinationPort(rule) : undefined;
      if (host !== undefined) file(this.byDestination, typeof host === 'number' ? host : hostKey(family, host), i);
      else if (port !== undefined) file(this.byPort, port, i);
      else this.rest.push(i);
    });
  }

  override candidates(p: Packet, from: number): readonly number[] {
    // A masked destination may be any host's: every rule is a candidate.
    if (p.dst.unknown) return indexesTo(this.chain.rules.length);
    return mergeFrom(
      this.byDestination.get(hostKey(this.ruleset.family, p.dst.value)) ?? NONE,
      p.dport === undefined ? NONE : (this.byPort.get(p.protoNumber * 65536 + p.dport) ?? NONE),
      this.rest,
      from,
    );
  }
}

function compileChain(
  table: TableName,
  chain: Chain,
  backend: Backend | undefined,
  ruleset: RulesetPlace,
): IptablesChain {
  return chain.rules.length < INDEX_FROM
    ? new ScannedChain(table, chain, backend, ruleset)
    : new IndexedChain(table, chain, backend, ruleset);
}

/** The line a chain the reader made was declared on: its own in the dump, but for built-in chains the dump leaves out. */
const declaredLine = (chain: Chain): number | undefined => (chain instanceof ReadChain ? chain.line : undefined);

/**
 * A compiled ruleset's chains by the model's chain they compile: in an array by the line the chain was declared on,
 * each entry checked by identity, and a Map for the others (chains not read, or sharing a line). A Map by chain
 * object grew to 32,500 entries for a 10,000-service dump and hashed each of its 68,000 lookups.
 */
class CompiledChains {
  private readonly byLine: (IptablesChain | undefined)[];
  private readonly others = new Map<Chain, IptablesChain>();

  /** `lastLine`: the last line a chain of the ruleset was declared on, of `chains` in all. */
  constructor(lastLine: number, chains: number) {
    // Declarations head their table in a dump; an array as long as a dump's far scattered ones would be mostly holes.
    this.byLine = new Array<IptablesChain | undefined>(lastLine < 4 * chains + 1024 ? lastLine + 1 : 0);
  }

  get(chain: Chain): IptablesChain | undefined {
    const line = declaredLine(chain);
    if (line !== undefined && line < this.byLine.length) {
      const c = this.byLine[line];
      if (c === undefined || c.chain === chain) return c;
    }
    return this.others.get(chain);
  }

  /** Keeps `compiled`, the compiled `chain`, which `get` did not find, and returns it. */
  add(chain: Chain, compiled: IptablesChain): IptablesChain {
    const line = declaredLine(chain);
    if (line !== undefined && line < this.byLine.length && this.byLine[line] === undefined)
      this.byLine[line] = compiled;
    else this.others.set(chain, compiled);
    return compiled;
  }
}

export interface CompiledRuleset {
  chain(table: TableName, name: string): IptablesChain | undefined;
}

/**
 * `backend` is given when the node runs both backends, so that every step says whose table it is in. Without
 * `stepText` a step's text is empty: printing every matched rule costs a tenth of a 10,000-service walk, and
 * the analyses that only read where paths go (services, stale) never show it.
 */
export function compileRuleset(
  ruleset: Ruleset,
  ctx: MatchContext,
  backend?: Backend,
  stepText = true,
): CompiledRuleset {
  const index = chainIndexOf(ruleset);
  let rules = 0;
  let chains = 0;
  let lastLine = -1;
  for (const table of ruleset.tables)
    for (const chain of table.chains) {
      rules += chain.rules.length;
      chains++;
      lastLine = Math.max(lastLine, declaredLine(chain) ?? -1);
    }
  const compiled = new CompiledChains(lastLine, chains);
  const compiledOf = (table: TableName, chain: Chain): IptablesChain =>
    compiled.get(chain) ?? compiled.add(chain, compileChain(table, chain, backend, place));
  const chainOf = (table: TableName, name: string): IptablesChain | undefined => {
    const chain = index.chain(table, name);
    return chain && compiledOf(table, chain);
  };
  const jumpOf = (table: TableName, target: JumpTarget): IptablesChain | undefined => {
    const chain = index.entered(table, target);
    return chain && compiledOf(table, chain);
  };
  const place: RulesetPlace = {
    family: ruleset.family,
    jumpOf,
    stepText,
    code: new RuleCode(rules),
    ctx,
    shared: new SharedMatchers(),
    steps: new Array<RuleStep | undefined>(rules),
    jumps: new Array<IptablesChain | null | undefined>(rules),
  };
  return { chain: chainOf };
}
