/**
 * One table's chains at one hook, as ipt_do_table runs them: rules in order, the first matching rule's
 * target decides; `-j` pushes a return point, `-g` does not, so falling off (or RETURN in) a chain
 * entered by goto returns to the caller of the chain that did the goto (formats.md §1.5). Where a match
 * is a random draw or an unknown fact, the walk splits and each part goes on with its share.
 */
import { type IptablesChain, type NftCompiledChain, type WalkChain, lowerBound } from './compile';
import type { Decision, Matcher, Uncertain } from './match/index';
import { BASE_TESTS, FAIL, PASS } from './rule-code';
import type { NodeNetwork } from './network';
import type { Header, RuleStep } from './path';
import type { Hook } from './target';
import { applyTarget } from './target';
import { JumpLoop } from './trace-error';
import { type WalkState, addAssumption, addStep, answerOf, headerOf, masqueraded, splitOn } from './walk-state';

/** How a chain's traversal ended: it fell off or returned, or a target gave a verdict. */
type ChainOutcome =
  | { readonly end: 'return'; readonly state: WalkState }
  | { readonly end: 'verdict'; readonly verdict: string; readonly state: WalkState };

/**
 * The ways chain walks ended, in order: each a state and the verdict a target gave, undefined where the chain returned
 * (fell off its end, or RETURN). Two arrays rather than an object per end: chains end some 150,000 times in a
 * 10,000-service run, most by a return the jump that entered the chain takes back at once. The arrays never shrink
 * (V8 trims a shortened array and grows it again on the next push): `length` says how many ends are held.
 */
export class ChainEnds {
  private readonly states: WalkState[] = [];
  private readonly verdicts: (string | undefined)[] = [];
  length = 0;

  add(state: WalkState, verdict: string | undefined): void {
    this.states[this.length] = state;
    this.verdicts[this.length] = verdict;
    this.length++;
  }

  state(k: number): WalkState {
    return this.states[k]!;
  }

  verdict(k: number): string | undefined {
    return this.verdicts[k];
  }

  /** Drops the ends from `n` on. */
  cut(n: number): void {
    this.length = n;
  }

  /** Swaps the runs of ends `[start, mid)` and `[mid, length)` in place. */
  swapRuns(start: number, mid: number): void {
    swapRuns(this.states, start, mid, this.length);
    swapRuns(this.verdicts, start, mid, this.length);
  }
}

export interface ChainWalkContext {
  readonly network: NodeNetwork;
  readonly hook: Hook;
  /** The table of the base chain the walk is in, as messages name it (`nat`, `ip kube-proxy`). */
  readonly table: string;
  /** Shared across the whole trace: paths left before the walk gives up. */
  readonly budget: { paths: number };
}

/** The kernel refuses to load a ruleset whose jumps loop; a hand-edited dump may hold one, so nesting is bounded. */
const MAX_DEPTH = 256;

export class TooManyPaths extends Error {}

/**
 * Whether a rule matched the state it was tested on, or the test it could not decide: a boolean, not an object, since
 * every rule a walk tests answers one and most answer no.
 */
type RuleTest = boolean | { readonly at: number; readonly uncertain: Uncertain };

/** A matcher's answer once earlier steps of the path are taken into account: yes, no, or a fact to split on. */
function settled(d: Decision, state: WalkState): boolean | Uncertain {
  if (typeof d === 'boolean') return d;
  const known = d.question === undefined ? undefined : answerOf(state, d.question);
  if (known !== undefined) return known === d.matchesWhen;
  if (d.pYes >= 1 || d.pYes <= 0) return d.pYes >= 1 === d.matchesWhen;
  return d;
}

/**
 * Runs the matchers from `from` to `end` (one rule's, or what is left of them); answers that earlier steps of the
 * path already gave are reused. `at` of an uncertain test is `base` plus its index in `ms`.
 */
function testMatchers(ms: readonly Matcher[], from: number, end: number, state: WalkState, base: number): RuleTest {
  for (let k = from; k < end; k++) {
    const d = ms[k]!(state.packet);
    if (d === true) continue;
    if (d === false) return false;
    const s = settled(d, state);
    if (s === true) continue;
    if (s === false) return false;
    return { at: base + k, uncertain: s };
  }
  return true;
}

/** Tests rule `i` of an iptables chain from test `from` on: its numeric base tests, then its other matchers. */
function testIptables(chain: IptablesChain, i: number, from: number, state: WalkState): RuleTest {
  const code = chain.code;
  const slot = chain.first + i;
  for (let k = from; k < BASE_TESTS; k++) {
    const r = code.test(slot, k, state.packet);
    if (r === PASS) continue;
    if (r === FAIL) return false;
    const s = settled(chain.addressMatcher(i, k)(state.packet), state);
    if (s === true) continue;
    if (s === false) return false;
    return { at: k, uncertain: s };
  }
  const restFrom = code.restFrom(slot);
  return testMatchers(
    code.rest,
    restFrom + Math.max(0, from - BASE_TESTS),
    code.restEnd(slot),
    state,
    BASE_TESTS - restFrom,
  );
}

/** Tests rule `i` of the chain from its test `from` on. */
function testRule(chain: WalkChain, i: number, from: number, state: WalkState): RuleTest {
  if (chain.kind === 'iptables') return testIptables(chain, i, from, state);
  const start = i === 0 ? 0 : chain.ends[i - 1]!;
  return testMatchers(chain.matchers, start + from, chain.ends[i]!, state, -start);
}

/** Walks `chain`, the compiled chain called `name`: undefined when the dump lacks it. */
export function walkChain(
  ctx: ChainWalkContext,
  name: string,
  chain: WalkChain | undefined,
  state: WalkState,
): ChainEnds {
  const out = new ChainEnds();
  walkInto(ctx, name, chain, state, 0, out);
  return out;
}

/**
 * Walks `chain` and appends the ways it ends to `out`: the hooks hand every chain's walk one list, which they read
 * and cut back, and the walk hands it down through the rules that fire and the chains they jump to.
 */
export function walkChainInto(
  ctx: ChainWalkContext,
  name: string,
  chain: WalkChain | undefined,
  state: WalkState,
  out: ChainEnds,
): void {
  walkInto(ctx, name, chain, state, 0, out);
}

function walkInto(
  ctx: ChainWalkContext,
  name: string,
  chain: WalkChain | undefined,
  state: WalkState,
  depth: number,
  out: ChainEnds,
): void {
  if (!chain) {
    out.add(addAssumption(state, `chain ${ctx.table} ${name} is not in the dump: treated as empty`), undefined);
    return;
  }
  if (depth > MAX_DEPTH)
    throw new JumpLoop(`chain ${ctx.table} ${name}: jumps nest deeper than ${MAX_DEPTH} (a loop in the dump?)`);
  walkFrom(ctx, chain, 0, state, depth, out);
}

/** Swaps the runs `out[start, mid)` and `out[mid, end)` in place: three reversals, no copy. */
function swapRuns<T>(out: T[], start: number, mid: number, end: number): void {
  reverse(out, start, mid);
  reverse(out, mid, end);
  reverse(out, start, end);
}

function reverse<T>(out: T[], from: number, to: number): void {
  for (let a = from, b = to - 1; a < b; a++, b--) {
    const x = out[a]!;
    out[a] = out[b]!;
    out[b] = x;
  }
}

function walkFrom(
  ctx: ChainWalkContext,
  chain: WalkChain,
  from: number,
  start: WalkState,
  depth: number,
  out: ChainEnds,
): void {
  let state = start;
  let candidates = chain.candidates(state.packet, from);
  let c = from === 0 ? 0 : lowerBound(candidates, from);
  while (c < candidates.length) {
    const i = candidates[c++]!;
    let test = testRule(chain, i, 0, state);
    if (typeof test !== 'boolean') {
      // Both ways: the rule matches on one path, the walk goes on below it on the other. Outcomes are listed
      // in rule order, the rule's own first: a statistic chain's paths come out endpoint by endpoint. Each way is
      // walked into `out` as it comes, and the runs are put in that order in place: the latest split's first.
      const splitAt = out.length;
      let tested = state;
      for (;;) {
        if (--ctx.budget.paths < 0) throw new TooManyPaths();
        const { yes, no } = splitOn(tested, test.uncertain);
        const walked = out.length;
        walkFrom(ctx, chain, i + 1, no, depth, out);
        out.swapRuns(splitAt, walked);
        tested = yes;
        test = testRule(chain, i, test.at + 1, yes);
        if (typeof test === 'boolean') break;
      }
      const below = out.length;
      if (test) {
        const next = runTarget(ctx, chain, i, tested, depth, out);
        if (next) walkFrom(ctx, chain, i + 1, next, depth, out);
      } else walkFrom(ctx, chain, i + 1, tested, depth, out);
      out.swapRuns(splitAt, below);
      return;
    }
    if (!test) continue;
    const next = runTarget(ctx, chain, i, state, depth, out);
    if (!next) return;
    // A rule that lets the packet go on (no target, MARK, LOG, a sub-chain that returned): keep scanning.
    if (next.packet.dst !== state.packet.dst) {
      candidates = chain.candidates(next.packet, i + 1);
      c = lowerBound(candidates, i + 1);
    }
    state = next;
  }
  out.add(
    chain.cut
      ? addAssumption(
          state,
          `chain ${chain.table} ${chain.name} is cut off where the dump ends: the walk assumes no more rules follow`,
        )
      : state,
    undefined,
  );
}

/**
 * The rule at index `i` matched: record it as TRACE would and run its target. When exactly one path goes on below the
 * rule, its state is returned and nothing is appended; otherwise every way the chain ends from here is appended to
 * `out`, the paths that go on walked below the rule in place, in the order the target gave them.
 */
function runTarget(
  ctx: ChainWalkContext,
  chain: WalkChain,
  i: number,
  matched: WalkState,
  depth: number,
  out: ChainEnds,
): WalkState | undefined {
  return chain.kind === 'nft'
    ? fireNft(ctx, chain, i, matched, depth, out)
    : fireIptables(ctx, chain, i, matched, depth, out);
}

type Fired = ChainOutcome | { readonly end: 'continue'; readonly state: WalkState };

/** An nft rule's statements after its matchers: each branch continues, ends the chain, or enters another. */
function fireNft(
  ctx: ChainWalkContext,
  chain: NftCompiledChain,
  i: number,
  matched: WalkState,
  depth: number,
  out: ChainEnds,
): WalkState | undefined {
  const cr = chain.rules[i]!;
  const ends = cr.run(matched, ctx);
  // Most rules end one way: no list of what fired, and a jump's ends taken back from `out` as iptables' are.
  if (ends.length === 1) {
    const end = ends[0]!;
    switch (end.end) {
      case 'next':
        return end.state;
      case 'verdict':
        out.add(end.state, end.verdict);
        return undefined;
      case 'return':
        out.add(end.state, undefined);
        return undefined;
      case 'goto':
        walkInto(ctx, end.chain, cr.jumpChain(end.chain), end.state, depth + 1, out);
        return undefined;
      case 'jump':
        return jumpBelow(ctx, chain, i, end.chain, cr.jumpChain(end.chain), end.state, depth, out);
    }
  }
  const fired: Fired[] = [];
  for (const end of ends) {
    switch (end.end) {
      case 'next':
        fired.push({ end: 'continue', state: end.state });
        break;
      case 'verdict':
      case 'return':
        fired.push(end);
        break;
      case 'jump':
      case 'goto': {
        const walked = new ChainEnds();
        walkInto(ctx, end.chain, cr.jumpChain(end.chain), end.state, depth + 1, walked);
        for (let k = 0; k < walked.length; k++) {
          const state = walked.state(k);
          const verdict = walked.verdict(k);
          if (verdict !== undefined) fired.push({ end: 'verdict', verdict, state });
          else fired.push({ end: end.end === 'jump' ? 'continue' : 'return', state });
        }
        break;
      }
    }
  }
  if (fired.length === 1 && fired[0]!.end === 'continue') return fired[0]!.state;
  for (const f of fired) {
    if (f.end === 'continue') walkFrom(ctx, chain, i + 1, f.state, depth, out);
    else out.add(f.state, f.end === 'verdict' ? f.verdict : undefined);
  }
  return undefined;
}

function fireIptables(
  ctx: ChainWalkContext,
  chain: IptablesChain,
  i: number,
  matched: WalkState,
  depth: number,
  out: ChainEnds,
): WalkState | undefined {
  const rule = chain.chain.rules[i]!;
  const target = rule.target;
  const base = chain.step(i);
  if (rule.assumed) matched = addAssumption(matched, rule.assumed);
  if (!target) return addStep(matched, base);
  const effect = applyTarget(target, matched.packet, ctx.hook, ctx.network);
  switch (effect.kind) {
    case 'return':
      out.add(addStep(matched, base), undefined);
      return undefined;
    case 'jump': {
      const state = addStep(matched, base);
      // A goto never comes back here: its chain's ends are this chain's.
      if (effect.goto) {
        walkInto(ctx, effect.chain, chain.jumpChain(i), state, depth + 1, out);
        return undefined;
      }
      return jumpBelow(ctx, chain, i, effect.chain, chain.jumpChain(i), state, depth, out);
    }
    case 'continue':
    case 'verdict': {
      const step = effect.rewrote ? rewroteStep(base, headerOf(effect.packet)) : base;
      let state = addStep(matched, step, effect.packet);
      if (effect.masquerade) state = masqueraded(state);
      if (effect.assumption) state = addAssumption(state, effect.assumption);
      if (effect.kind === 'continue') return state;
      out.add(state, effect.verdict);
      return undefined;
    }
  }
}

/**
 * A jump from rule `i` of `chain` into `name`: its return goes on below the rule. The sub-chain's ends are appended
 * to `out` and taken back: most jumps come back once, and then the walk goes on with that state, returned here.
 */
function jumpBelow(
  ctx: ChainWalkContext,
  chain: WalkChain,
  i: number,
  name: string,
  into: WalkChain | undefined,
  state: WalkState,
  depth: number,
  out: ChainEnds,
): WalkState | undefined {
  const mark = out.length;
  walkInto(ctx, name, into, state, depth + 1, out);
  if (out.length === mark + 1 && out.verdict(mark) === undefined) {
    const back = out.state(mark);
    out.cut(mark);
    return back;
  }
  // A chain that only gave verdicts (a KUBE-SVC chain's endpoints) leaves its ends as they are.
  let returned = false;
  for (let k = mark; k < out.length && !returned; k++) returned = out.verdict(k) === undefined;
  if (!returned) return undefined;
  const ended: WalkState[] = [];
  const given: (string | undefined)[] = [];
  for (let k = mark; k < out.length; k++) {
    ended.push(out.state(k));
    given.push(out.verdict(k));
  }
  out.cut(mark);
  for (let k = 0; k < ended.length; k++) {
    const verdict = given[k];
    if (verdict === undefined) walkFrom(ctx, chain, i + 1, ended[k]!, depth, out);
    else out.add(ended[k]!, verdict);
  }
  return undefined;
}

/** A rewriting target is never a jump: the step has a target and no jump key. Written out, not spread. */
function rewroteStep(base: RuleStep, rewrote: Header): RuleStep {
  const { table, chain, rule, target, text, backend } = base;
  return backend
    ? { table, chain, rule, target, text, rewrote, backend }
    : { table, chain, rule, target, text, rewrote };
}
