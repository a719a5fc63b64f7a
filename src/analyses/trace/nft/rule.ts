/**
 * One nft rule made ready for the walker. nft_do_chain runs a rule's expressions in order: a comparison that
 * fails stops the rule (NFT_BREAK) and the packet goes on with the next rule, keeping what earlier statements
 * of the rule did (a mark set before the failing test stays set); a rule that runs to its end without a
 * verdict is traced as `continue`. The leading comparisons become the walker's matchers (tested without
 * touching the path); the rest run here, where a statement may split the path (numgen, a hash, a dynamic
 * set, `limit`) or end the rule with a verdict.
 */
import { expr as printExpr, printNftRule, stmt as printStmt } from '../../../../grammar/nft/print';
import type { NftElement, NftExpr, NftFamily, NftRule, NftStmt, NftVerdictStmt } from '../../../model/nft';
import type { Target } from '../../../model/target';
import type { NatRange, PortRange } from '../../../model/values';
import type { ChainWalkContext } from '../chain-walk';
import type { NftCompiledChain } from '../compile';
import { type Decision, type Matcher, negate, unknown } from '../match/decision';
import { type Packet, withMarks } from '../packet';
import type { NftRuleStep } from '../path';
import { applyTarget } from '../target';
import {
  type WalkState,
  addAssumption,
  addStep,
  answerOf,
  headerOf,
  masqueraded,
  scaled,
  splitOn,
  withPacketOf,
} from '../walk-state';
import { type Atom, type Datatype, FLAG_TYPES, type Scalar, atomHolds, atomOf, datatypeOf } from './datatype';
import { BREAK, type Evaluator, type Value, compileExpr, isDraw, isOpen } from './expr';
import { type CompiledSet, compileSet } from './lookup';
import type { NodeNetwork } from '../network';

/** What a rule ended with on one branch; the step `nft monitor trace` shows is already on the state. */
export type RuleEnd =
  | { readonly end: 'next'; readonly state: WalkState }
  | { readonly end: 'verdict'; readonly verdict: string; readonly state: WalkState }
  | { readonly end: 'return'; readonly state: WalkState }
  | { readonly end: 'jump' | 'goto'; readonly chain: string; readonly state: WalkState };

type Verdict =
  | { readonly kind: 'accept' | 'drop' | 'reject' | 'queue' | 'return' | 'continue' }
  | { readonly kind: 'jump' | 'goto'; readonly chain: string }
  /** A statement the walk does not follow: the path stops there. */
  | { readonly kind: 'stop'; readonly name: string };

interface Branch {
  readonly state: WalkState;
  readonly stop?: 'break' | Verdict;
  readonly rewrote?: boolean;
}

type Op = (s: WalkState, ctx: ChainWalkContext) => Branch[];

/** What a rule's compilation may look at: its table's sets and maps, the node's addresses and routes. */
export interface NftRuleContext {
  readonly network: NodeNetwork;
  readonly family: NftFamily;
  readonly table: string;
  readonly chain: string;
  /** false: steps carry no text, for analyses that never print them. */
  readonly stepText: boolean;
  set(name: string): CompiledSet | undefined;
  /** The chain a jump or goto enters; undefined when the listing lacks it. */
  jump(name: string): NftCompiledChain | undefined;
}

const verdictOf = (v: NftVerdictStmt): Verdict =>
  v.verdict === 'jump' || v.verdict === 'goto' ? { kind: v.verdict, chain: v.chain } : { kind: v.verdict };

/** The text the kernel's trace gives a verdict: reject is a drop to it, a NAT statement an accept. */
function verdictText(v: Verdict): string {
  switch (v.kind) {
    case 'jump':
    case 'goto':
      return `${v.kind} ${v.chain}`;
    case 'reject':
      return 'drop';
    case 'stop':
      return v.name;
    case 'return':
    case 'continue':
    case 'accept':
    case 'drop':
    case 'queue':
      return v.kind;
  }
}

/** A comparison as an op: it lets the path through, stops the rule, or splits. */
function testOp(m: Matcher): Op {
  return (s) => {
    const d = m(s.packet);
    if (d === true) return [{ state: s }];
    if (d === false) return [{ state: s, stop: 'break' }];
    const known = d.question === undefined ? undefined : answerOf(s, d.question);
    if (known !== undefined) return [known === d.matchesWhen ? { state: s } : { state: s, stop: 'break' }];
    if (d.pYes >= 1 || d.pYes <= 0) return [d.pYes >= 1 === d.matchesWhen ? { state: s } : { state: s, stop: 'break' }];
    const { yes, no } = splitOn(s, d);
    return [{ state: yes }, { state: no, stop: 'break' }];
  };
}

/** What a value says about a test of it: the draw's share that passes, or the open fact as a question. */
function decide(v: Value, test: (x: Value) => boolean, question: (about: string) => string): Decision {
  if (v === BREAK) return false;
  if (isOpen(v)) return unknown(question(v.open));
  if (isDraw(v)) {
    const pass = v.draw.filter((x) => test(x)).length / v.draw.length;
    return pass >= 1 ? true : pass <= 0 ? false : { pYes: pass, matchesWhen: true };
  }
  return test(v);
}

const asKey = (v: Value): Scalar[] => (Array.isArray(v) ? (v as Scalar[]) : [v as Scalar]);

function partsOf(e: NftExpr): readonly NftExpr[] {
  return e.kind === 'concat' ? e.parts : [e];
}

function typesOf(e: NftExpr): Datatype[] | undefined {
  const types = partsOf(e).map(datatypeOf);
  return types.every((t) => t !== undefined) ? (types as Datatype[]) : undefined;
}

/** `meta random & 2147483647 < 1073741824` (iptables-nft's statistic): the share of 32-bit draws that pass. */
function randomShare(left: NftExpr, op: string | undefined, right: NftExpr): number | undefined {
  let mask = 0xffffffffn;
  let sel = left;
  if (sel.kind === 'binop' && sel.op === '&' && sel.right.kind === 'literal') {
    mask = BigInt(sel.right.text);
    sel = sel.left;
  }
  if (sel.kind !== 'meta' || sel.key !== 'random' || right.kind !== 'literal') return undefined;
  if ((mask & (mask + 1n)) !== 0n) return undefined;
  const k = BigInt(right.text);
  const n = Number(mask + 1n);
  const below = Number(k > mask + 1n ? mask + 1n : k);
  switch (op) {
    case '<':
      return below / n;
    case '<=':
      return Math.min(below + 1, n) / n;
    case '>':
      return (n - Math.min(below + 1, n)) / n;
    case '>=':
      return (n - below) / n;
    case '!=':
      return k <= mask ? 1 - 1 / n : 1;
    case undefined:
    default:
      return k <= mask ? 1 / n : 0;
  }
}

/** A set lookup's test: a snapshot miss in a dynamic set is a question, unless the client is new to the node. */
function setTest(set: CompiledSet, selector: NftExpr): (v: Value, p: { newClient: boolean }) => Decision {
  const what = () => `the packet's ${printExpr(selector)} is in @${set.name}`;
  let dynamic: Decision | undefined;
  let unread: Decision | undefined;
  const holds = (x: Value) => set.find(asKey(x)) !== undefined;
  const question = (about: string) => `${about} is in @${set.name}`;
  return (v, p) => {
    const d = decide(v, holds, question);
    const concrete = v !== BREAK && !isOpen(v) && !isDraw(v);
    if (d !== false || !concrete) return d;
    if (set.dynamic)
      return p.newClient
        ? false
        : (dynamic ??= unknown(
            `${what()} (a set the rules add to while packets pass; the dump shows ${set.elements.length} elements)`,
          ));
    return set.unread > 0 ? (unread ??= unknown(`${what()} (${set.unread} of its elements are not read)`)) : false;
  };
}

function anonymousSet(elements: readonly NftElement[], types: readonly Datatype[]): CompiledSet {
  return compileSet('{…}', elements, types, false);
}

function setOf(right: NftExpr, types: readonly Datatype[] | undefined, ctx: NftRuleContext): CompiledSet | undefined {
  if (right.kind === 'ref') return ctx.set(right.name);
  if (right.kind === 'set' && types) return anonymousSet(right.elements, types);
  return undefined;
}

function compare(op: string | undefined, v: bigint, k: bigint): boolean {
  switch (op) {
    case '<':
      return v < k;
    case '<=':
      return v <= k;
    case '>':
      return v > k;
    case '>=':
      return v >= k;
    case undefined:
    default:
      return v === k;
  }
}

/**
 * A matcher that always asks one question, its text made on first use: most rules never print theirs, and
 * each closure a compiled rule keeps is memory for every rule of a 10,000-service table.
 */
function opaqueMatcher(question: () => string): Matcher {
  let d: Decision | undefined;
  return () => (d ??= unknown(question()));
}

const opaqueMatch = (st: NftStmt): Matcher => opaqueMatcher(() => `\`${printStmt(st)}\` matches`);

/** How a lookup names its map: printed when short, else `long`. */
function mapText(map: NftExpr, long: string): string {
  const text = printExpr(map);
  return text.length > 60 ? long : text;
}

/** A comparison with a value: the statement is printed only when a question names it. */
function valueMatcher(st: NftStmt, left: Evaluator, test: (x: Value) => boolean, negated: boolean): Matcher {
  let text: string | undefined;
  const question = (about: string) => `${about} passes \`${(text ??= printStmt(st))}\``;
  return (p) => {
    const v = left(p);
    return v === BREAK ? false : negate(decide(v, test, question), negated);
  };
}

function setMatcher(left: Evaluator, test: ReturnType<typeof setTest>, negated: boolean): Matcher {
  return (p) => {
    const v = left(p);
    return v === BREAK ? false : negate(test(v, p), negated);
  };
}

/** How a value compares with the literal atoms of a statement's right side. */
function valueTest(
  op: string | undefined,
  types: readonly Datatype[],
  atoms: readonly Atom[],
  negated: boolean,
): (x: Value) => boolean {
  const only = atoms.length === 1 ? atoms[0]! : undefined;
  // Only the implicit operator tests bits (`ct status dnat`); `==` and `!=` compare the whole value (cmp eq/neq).
  if (only && only.kind === 'eq' && typeof only.value === 'bigint' && FLAG_TYPES.has(types[0]!) && !op) {
    const bits = only.value;
    return (x) => typeof x === 'bigint' && (x & bits) !== 0n;
  }
  if (only && only.kind === 'eq' && typeof only.value === 'bigint' && op && op !== '==' && !negated) {
    const k = only.value;
    return (x) => typeof x === 'bigint' && compare(op, x, k);
  }
  return (x) => {
    const key = asKey(x);
    return atoms.every((a, i) => atomHolds(a, key[i]!));
  };
}

function matchMatcher(st: Extract<NftStmt, { kind: 'match' }>, ctx: NftRuleContext): Matcher {
  const share = randomShare(st.left, st.op, st.right);
  if (share !== undefined) {
    const d: Decision = share >= 1 ? true : share <= 0 ? false : { pYes: share, matchesWhen: true };
    return () => d;
  }
  const left = compileExpr(st.left, ctx.network);
  if (!left) return opaqueMatch(st);
  const negated = st.op === '!=';
  const types = typesOf(st.left);
  if (st.right.kind === 'ref' || st.right.kind === 'set') {
    const set = setOf(st.right, types, ctx);
    return set ? setMatcher(left, setTest(set, st.left), negated) : opaqueMatch(st);
  }
  if (!types) return opaqueMatch(st);
  const rights = partsOf(st.right);
  if (rights.length !== types.length || rights.some((r) => r.kind !== 'literal')) return opaqueMatch(st);
  const atoms = rights.map((r, i) => atomOf(r as Extract<NftExpr, { kind: 'literal' }>, types[i]!));
  if (atoms.some((a) => a === undefined)) return opaqueMatch(st);
  return valueMatcher(st, left, valueTest(st.op, types, atoms as Atom[], negated), negated);
}

/** Statements that only ask a question about state the dumps do not hold: limits, quotas, counts, xt matches. */
function questionMatcher(st: NftStmt, ctx: NftRuleContext, position: number): Matcher | undefined {
  const where = () => `${ctx.family} ${ctx.table} ${ctx.chain} rule ${position}`;
  if (st.kind === 'keyword' && (st.keyword === 'limit' || st.keyword === 'quota'))
    return opaqueMatcher(() => `\`${printStmt(st)}\` in ${where()} matches`);
  if (st.kind === 'keyword' && st.keyword === 'ct' && st.args[0] === 'count')
    return opaqueMatcher(() => `\`${printStmt(st)}\` in ${where()} matches`);
  if (st.kind === 'xt' && st.type === 'match') {
    if (st.name === 'comment') return () => true;
    const d = unknown(`iptables-nft's \`${st.name}\` match, whose parameters nft does not print, matches`);
    return () => d;
  }
  if (st.kind === 'opaque') {
    const d = unknown(`\`${st.text}\` (not read by nfwalk) matches`);
    return () => d;
  }
  return undefined;
}

// ---- NAT ----

function portRange(text: string): PortRange | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  return m ? { from: Number(m[1]), to: Number(m[2] ?? m[1]) } : undefined;
}

/** `A`, `A-B`, `A:P`, `A-B:P-Q`, `[v6]:P`, `:P` as a NAT range. */
function natRangeOf(text: string): NatRange | undefined {
  let addr = text;
  let ports: string | undefined;
  // Read once per DNAT rule of every endpoint chain a walk enters: the common forms without a regular expression.
  const bracket = text.startsWith('[') ? /^\[([^\]]+)\](?::(.+))?$/.exec(text) : null;
  const colon = text.indexOf(':');
  if (bracket) {
    addr = bracket[1]!;
    ports = bracket[2];
  } else if (colon >= 0 && text.indexOf(':', colon + 1) < 0) {
    addr = text.slice(0, colon);
    ports = text.slice(colon + 1);
  }
  const range = ports === undefined ? undefined : portRange(ports);
  if (ports !== undefined && !range) return undefined;
  if (addr === '') return { family: 'ipv4', ...(range ? { ports: range } : {}) };
  const [from, to = from] = addr.includes('-') && !addr.includes(':') ? addr.split('-') : [addr];
  const family = addr.includes(':') ? 'ipv6' : 'ipv4';
  return { family, addresses: { from: from!, to: to! }, ...(range ? { ports: range } : {}) };
}

/** A map's data (`10.180.0.1 . 80`, or an address) as a NAT range. */
function natRangeOfData(e: NftExpr): NatRange | undefined {
  if (e.kind === 'literal') return natRangeOf(e.text);
  if (e.kind === 'concat' && e.parts.length === 2 && e.parts.every((x) => x.kind === 'literal')) {
    const [a, p] = e.parts as [Extract<NftExpr, { kind: 'literal' }>, Extract<NftExpr, { kind: 'literal' }>];
    const range = natRangeOf(a.text.includes(':') ? `[${a.text}]` : a.text);
    const ports = portRange(p.text);
    return range && ports ? { ...range, ports } : undefined;
  }
  return undefined;
}

function natTarget(st: Extract<NftStmt, { kind: 'nat' }>, range: NatRange | undefined): Target | undefined {
  const random = st.flags.includes('random') ? { random: true as const } : {};
  const fully = st.flags.includes('fully-random') ? { randomFully: true as const } : {};
  switch (st.nat) {
    case 'dnat':
      return range ? { kind: 'DNAT', toDestination: [range], ...random } : undefined;
    case 'snat':
      return range ? { kind: 'SNAT', toSource: [range], ...random, ...fully } : undefined;
    case 'masquerade':
      return { kind: 'MASQUERADE', ...(range?.ports ? { toPorts: range.ports } : {}), ...random, ...fully };
    case 'redirect':
      return { kind: 'REDIRECT', ...(range?.ports ? { toPorts: range.ports } : {}), ...random };
  }
}

function natApplied(s: WalkState, target: Target, ctx: ChainWalkContext): Branch {
  const effect = applyTarget(target, s.packet, ctx.hook, ctx.network);
  if (effect.kind !== 'verdict' && effect.kind !== 'continue') return { state: s };
  let state = withPacketOf(s, effect.packet);
  if (effect.masquerade) state = masqueraded(state);
  if (effect.assumption) state = addAssumption(state, effect.assumption);
  const stop: Verdict =
    effect.kind === 'continue'
      ? { kind: 'continue' }
      : effect.verdict === 'ACCEPT'
        ? { kind: 'accept' }
        : { kind: 'drop' };
  return { state, stop, rewrote: effect.rewrote === true };
}

/** The branches of a map lookup: one per element a draw reaches (with its share), a miss stops the rule. */
function lookupBranches(
  s: WalkState,
  key: Value,
  set: CompiledSet,
  on: (state: WalkState, element: number) => Branch,
  describe: () => string,
): Branch[] {
  if (key === BREAK) return [{ state: s, stop: 'break' }];
  if (isOpen(key))
    return [
      { state: addAssumption(s, `${key.open}: the lookup in ${describe()} is taken to find nothing`), stop: 'break' },
    ];
  if (!isDraw(key)) {
    const i = set.find(asKey(key));
    return i === undefined ? [{ state: s, stop: 'break' }] : [on(s, i)];
  }
  const n = key.draw.length;
  const out: Branch[] = [];
  for (const value of key.draw) {
    let state = scaled(s, 1 / n);
    if (key.note) state = addAssumption(state, key.note(value));
    const i = set.find([value]);
    out.push(i === undefined ? { state, stop: 'break' } : on(state, i));
  }
  return out;
}

function mapOf(e: NftExpr, keyTypes: readonly Datatype[] | undefined, ctx: NftRuleContext): CompiledSet | undefined {
  return setOf(e, keyTypes, ctx);
}

function vmapOp(st: Extract<NftStmt, { kind: 'vmap' }>, ctx: NftRuleContext): Op | undefined {
  const key = compileExpr(st.key, ctx.network);
  const map = mapOf(st.map, typesOf(st.key), ctx);
  if (!key || !map) return undefined;
  const verdicts = map.elements.map((e) => (e.value?.kind === 'verdict' ? verdictOf(e.value.verdict) : undefined));
  let described: string | undefined;
  const describe = () => (described ??= mapText(st.map, 'the verdict map'));
  return (s) =>
    lookupBranches(
      s,
      key(s.packet),
      map,
      (state, i) => {
        const v = verdicts[i];
        return v ? { state, stop: v } : { state, stop: 'break' };
      },
      describe,
    );
}

function natOp(st: Extract<NftStmt, { kind: 'nat' }>, ctx: NftRuleContext): Op | undefined {
  const addr = st.addr;
  if (addr && addr.kind === 'map') {
    const key = compileExpr(addr.key, ctx.network);
    const map = mapOf(addr.data, typesOf(addr.key), ctx);
    if (!key || !map) return undefined;
    const targets = map.elements.map((e) => {
      const range = e.value && natRangeOfData(e.value);
      return range && natTarget(st, range);
    });
    let described: string | undefined;
    const describe = () => (described ??= mapText(addr.data, 'the NAT map'));
    return (s, wctx) =>
      lookupBranches(
        s,
        key(s.packet),
        map,
        (state, i) => {
          const t = targets[i];
          return t ? natApplied(state, t, wctx) : { state, stop: 'break' };
        },
        describe,
      );
  }
  let range: NatRange | undefined;
  if (addr) {
    if (addr.kind !== 'literal') return undefined;
    range = natRangeOf(addr.text);
    if (!range) return undefined;
  }
  if (st.port?.kind === 'literal') {
    const ports = portRange(st.port.text);
    if (!ports) return undefined;
    range = { ...(range ?? { family: 'ipv4' }), ports };
  }
  const target = natTarget(st, range);
  if (!target) return undefined;
  return (s, wctx) => [natApplied(s, target, wctx)];
}

const MARK_MASK = 0xffffffffn;

function setValueOp(st: Extract<NftStmt, { kind: 'set-value' }>, ctx: NftRuleContext): Op | undefined {
  const t = st.target;
  const isMark = (t.kind === 'meta' && t.key === 'mark') || (t.kind === 'ct' && t.key === 'mark' && !t.direction);
  if (!isMark) return () => [];
  const value =
    st.value.kind === 'literal'
      ? ((): Evaluator | undefined => {
          const v = BigInt(/^(0x[0-9a-f]+|\d+)$/i.test(st.value.text) ? st.value.text : NaN);
          return () => v;
        })()
      : compileExpr(st.value, ctx.network);
  if (!value) return undefined;
  const meta = t.kind === 'meta';
  const set = (s: WalkState, v: bigint): Branch => {
    const mark = Number(v & MARK_MASK);
    if (meta) return { state: withPacketOf(s, withMarks(s.packet, mark, s.packet.ctmark)) };
    // Without a connection there is no mark to set (nft_ct_set_eval returns early).
    const p = s.packet;
    if (p.untracked || p.ctstate === 'INVALID' || p.ctstate === 'UNTRACKED') return { state: s };
    return { state: withPacketOf(s, withMarks(p, p.mark, mark)) };
  };
  return (s) => {
    const v = value(s.packet);
    if (v === BREAK) return [{ state: s, stop: 'break' }];
    // A mark drawn by numgen or a hash: one path per value, each with its share.
    if (isDraw(v))
      return v.draw.map((x) => {
        const state = scaled(s, 1 / v.draw.length);
        return set(v.note ? addAssumption(state, v.note(x)) : state, x);
      });
    if (typeof v !== 'bigint')
      return [
        {
          state: addAssumption(
            s,
            `\`${printStmt(st)}\` sets a value the dumps do not give: the mark is left as it was`,
          ),
        },
      ];
    return [set(s, v)];
  };
}

const PASS: Op = (s) => [{ state: s }];

function rejectDependency(how: string | undefined, family: NftFamily): ((p: Packet) => boolean) | undefined {
  if (how === undefined) return undefined;
  if (/^tcp\b/.test(how)) return (p) => p.proto === 'tcp';
  if (family !== 'inet') return undefined;
  if (/^icmpv6\b/.test(how)) return (p) => p.family === 'ipv6';
  if (/^icmp\b/.test(how)) return (p) => p.family === 'ipv4';
  return undefined;
}

function stmtOp(st: NftStmt, ctx: NftRuleContext, position: number): Op | undefined {
  const q = questionMatcher(st, ctx, position);
  if (q) return testOp(q);
  switch (st.kind) {
    case 'match':
      return testOp(matchMatcher(st, ctx));
    case 'verdict': {
      const v = verdictOf(st);
      return (s) => [{ state: s, stop: v }];
    }
    case 'vmap':
      return vmapOp(st, ctx);
    case 'reject': {
      // `reject with tcp reset` carries an implicit `meta l4proto tcp`; in an inet table `with icmp …` an
      // implicit `meta nfproto ipv4`, `with icmpv6 …` ipv6 (nft adds the dependency and does not print it).
      const only = rejectDependency(st.with, ctx.family);
      return (s) =>
        only && !only(s.packet) ? [{ state: s, stop: 'break' }] : [{ state: s, stop: { kind: 'reject' } }];
    }
    case 'nat':
      return natOp(st, ctx);
    case 'set-value':
      return setValueOp(st, ctx);
    case 'notrack':
      return (s, wctx) => {
        const e = applyTarget({ kind: 'NOTRACK' }, s.packet, wctx.hook, wctx.network);
        return [{ state: e.kind === 'continue' ? withPacketOf(s, e.packet) : s }];
      };
    case 'counter':
    case 'hidden':
    case 'set-update':
      return PASS;
    case 'xt': {
      const assumption = `iptables-nft's \`${st.name}\` target, whose parameters nft does not print, is not followed: the walk stops at it`;
      return (s) => [{ state: addAssumption(s, assumption), stop: { kind: 'stop', name: st.name } }];
    }
    case 'keyword':
      switch (st.keyword) {
        case 'queue':
          return (s) => [
            {
              state: addAssumption(s, 'a program listens on the queue and its verdict is not known'),
              stop: { kind: 'queue' },
            },
          ];
        case 'log':
        case 'ct':
        case 'flow':
        case 'synproxy':
          return PASS;
        case 'limit':
        case 'quota':
        case 'tproxy':
        case 'dup':
        case 'fwd': {
          const assumption = `\`${printStmt(st)}\` is not followed by nfwalk: the walk stops at it`;
          return (s) => [{ state: addAssumption(s, assumption), stop: { kind: 'stop', name: st.keyword } }];
        }
      }
    case 'opaque':
      return undefined;
  }
}

const NONE: readonly never[] = [];
const CONTINUE: Verdict = { kind: 'continue' };

/** A path still running the rule's statements, and whether one of them rewrote its packet. */
interface LiveBranch {
  readonly state: WalkState;
  readonly rewrote: boolean;
}

/** A rule in the walker's shape: matchers first, then the rest of its statements. */
export class NftCompiledRule {
  readonly kind = 'nft';
  readonly matchers: readonly Matcher[];
  private readonly ops: readonly Op[];
  private printed: string | undefined;

  constructor(
    readonly rule: NftRule,
    readonly position: number,
    private readonly ctx: NftRuleContext,
  ) {
    const matchers: Matcher[] = [];
    const ops: Op[] = [];
    rule.stmts.forEach((st) => {
      if (ops.length === 0) {
        const m = st.kind === 'match' ? matchMatcher(st, ctx) : questionMatcher(st, ctx, position);
        if (m) {
          matchers.push(m);
          return;
        }
      }
      const op = stmtOp(st, ctx, position);
      ops.push(
        op ??
          testOp(
            (
              (d: Decision) => () =>
                d
            )(unknown(`\`${printStmt(st)}\` (a form nfwalk does not read) lets the packet through`)),
          ),
      );
    });
    // Exact copies: an array grown by push keeps room for 17, and a table has tens of thousands of rules.
    this.matchers = matchers.length ? matchers.slice() : NONE;
    this.ops = ops.length ? ops.slice() : NONE;
  }

  /** The rule as the listing prints it, made when a walk first records it. */
  private get text(): string {
    return (this.printed ??= printNftRule({ ...this.rule, handle: undefined }));
  }

  jumpChain(name: string): NftCompiledChain | undefined {
    return this.ctx.jump(name);
  }

  /**
   * Runs the statements after the matchers; every branch ends the rule one way. Most rules never split: they
   * run on one state until one of them stops it, without the branch lists the general case keeps.
   */
  run(start: WalkState, wctx: ChainWalkContext): RuleEnd[] {
    const ops = this.ops;
    let state = start;
    let rewrote = false;
    for (let k = 0; k < ops.length; k++) {
      const branches = ops[k]!(state, wctx);
      if (branches.length !== 1) return this.runSplit(k, branches, rewrote, wctx);
      const r = branches[0]!;
      if (r.rewrote === true) rewrote = true;
      if (r.stop === 'break') return [{ end: 'next', state: r.state }];
      if (r.stop) return [this.finish(r.state, r.stop, rewrote)];
      state = r.state;
    }
    return [this.finish(state, CONTINUE, rewrote)];
  }

  /** `run` from op `at` on, where it gave `branches` to a path that `before` said was rewritten or not: each branch goes on. */
  private runSplit(at: number, branches: readonly Branch[], before: boolean, wctx: ChainWalkContext): RuleEnd[] {
    const ends: RuleEnd[] = [];
    let live: LiveBranch[] = [];
    for (const r of branches) this.place(r, before, ends, live);
    for (let k = at + 1; k < this.ops.length && live.length > 0; k++) {
      const op = this.ops[k]!;
      const next: LiveBranch[] = [];
      for (const b of live) for (const r of op(b.state, wctx)) this.place(r, b.rewrote, ends, next);
      live = next;
    }
    for (const b of live) ends.push(this.finish(b.state, CONTINUE, b.rewrote));
    return ends;
  }

  /** A branch an op gave a path that `before` said was rewritten or not: ended (a break, a verdict) or still live. */
  private place(r: Branch, before: boolean, ends: RuleEnd[], live: LiveBranch[]): void {
    const rewrote = before || r.rewrote === true;
    if (r.stop === 'break') ends.push({ end: 'next', state: r.state });
    else if (r.stop) ends.push(this.finish(r.state, r.stop, rewrote));
    else live.push({ state: r.state, rewrote });
  }

  private finish(s: WalkState, v: Verdict, rewrote: boolean): RuleEnd {
    const { family, table, chain } = this.ctx;
    const step: NftRuleStep = {
      family,
      table,
      chain,
      rule: this.position,
      verdict: verdictText(v),
      text: this.ctx.stepText ? this.text : '',
      ...(rewrote ? { rewrote: headerOf(s.packet) } : {}),
    };
    const state = addStep(s, step);
    switch (v.kind) {
      case 'accept':
        return { end: 'verdict', verdict: 'ACCEPT', state };
      case 'drop':
        return { end: 'verdict', verdict: 'DROP', state };
      case 'reject':
        return { end: 'verdict', verdict: 'REJECT', state };
      case 'queue':
        return { end: 'verdict', verdict: 'NFQUEUE', state };
      case 'stop':
        return { end: 'verdict', verdict: v.name, state };
      case 'return':
        return { end: 'return', state };
      case 'continue':
        return { end: 'next', state };
      case 'jump':
      case 'goto':
        return { end: v.kind, chain: v.chain, state };
    }
  }
}
