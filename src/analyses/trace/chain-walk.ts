/**
 * One table's chains at one hook, as ipt_do_table runs them: rules in order, the first matching rule's
 * target decides; `-j` pushes a return point, `-g` does not, so falling off (or RETURN in) a chain
 * entered by goto returns to the caller of the chain that did the goto (formats.md §1.5). Where a match
 * is a random draw or an unknown fact, the walk splits and each part goes on with its share.
 */
import type { IptablesChain, WalkChain } from './compile';
import type { NftCompiledRule } from './nft/rule';
import type { Decision, Matcher, Uncertain } from './match/index';
import { BASE_TESTS, FAIL, PASS } from './rule-code';
import type { NodeNetwork } from './network';
import type { Header, RuleStep } from './path';
import type { Hook } from './target';
import { applyTarget } from './target';
import { JumpLoop } from './trace-error';
import { type WalkState, addAssumption, addStep, answerOf, headerOf, splitOn, withState } from './walk-state';

/** How a chain's traversal ended: it fell off or returned, or a target gave a verdict. */
export type ChainOutcome =
  | { readonly end: 'return'; readonly state: WalkState }
  | { readonly end: 'verdict'; readonly verdict: string; readonly state: WalkState };

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
  depth = 0,
): ChainOutcome[] {
  if (!chain)
    return [
      { end: 'return', state: addAssumption(state, `chain ${ctx.table} ${name} is not in the dump: treated as empty`) },
    ];
  if (depth > MAX_DEPTH)
    throw new JumpLoop(`chain ${ctx.table} ${name}: jumps nest deeper than ${MAX_DEPTH} (a loop in the dump?)`);
  return walkFrom(ctx, chain, 0, state, depth);
}

function walkFrom(
  ctx: ChainWalkContext,
  chain: WalkChain,
  from: number,
  start: WalkState,
  depth: number,
): ChainOutcome[] {
  let state = start;
  let candidates = chain.candidates(state.packet, from);
  let c = 0;
  while (c < candidates.length) {
    const i = candidates[c++]!;
    let test = testRule(chain, i, 0, state);
    if (typeof test !== 'boolean') {
      // Both ways: the rule matches on one path, the walk goes on below it on the other. Outcomes are listed
      // in rule order, the rule's own first: a statistic chain's paths come out endpoint by endpoint.
      const below: ChainOutcome[][] = [];
      let tested = state;
      for (;;) {
        if (--ctx.budget.paths < 0) throw new TooManyPaths();
        const { yes, no } = splitOn(tested, test.uncertain);
        below.push(walkFrom(ctx, chain, i + 1, no, depth));
        tested = yes;
        test = testRule(chain, i, test.at + 1, yes);
        if (typeof test === 'boolean') break;
      }
      const outcomes = test
        ? continueBelow(ctx, chain, i, runTarget(ctx, chain, i, tested, depth), depth)
        : walkFrom(ctx, chain, i + 1, tested, depth);
      for (let b = below.length - 1; b >= 0; b--) outcomes.push(...below[b]!);
      return outcomes;
    }
    if (!test) continue;
    const fired = runTarget(ctx, chain, i, state, depth);
    if (fired.length === 1 && fired[0]!.end === 'continue') {
      // A rule that lets the packet go on (no target, MARK, LOG, a sub-chain that returned): keep scanning.
      const next = fired[0]!.state;
      if (next.packet.dst !== state.packet.dst) {
        candidates = chain.candidates(next.packet, i + 1);
        c = 0;
      }
      state = next;
      continue;
    }
    return continueBelow(ctx, chain, i, fired, depth);
  }
  return [
    {
      end: 'return',
      state: chain.cut
        ? addAssumption(
            state,
            `chain ${chain.table} ${chain.name} is cut off where the dump ends: the walk assumes no more rules follow`,
          )
        : state,
    },
  ];
}

/** Paths on which rule `i` let the packet go on continue below it; the others have ended this chain. */
function continueBelow(
  ctx: ChainWalkContext,
  chain: WalkChain,
  i: number,
  fired: readonly Fired[],
  depth: number,
): ChainOutcome[] {
  if (fired.length === 1 && fired[0]!.end !== 'continue') return [fired[0]!];
  const out: ChainOutcome[] = [];
  for (const f of fired) {
    if (f.end === 'continue') out.push(...walkFrom(ctx, chain, i + 1, f.state, depth));
    else out.push(f);
  }
  return out;
}

type Fired = ChainOutcome | { readonly end: 'continue'; readonly state: WalkState };

/** The rule at index `i` matched: record it as TRACE would and run its target. */
function runTarget(ctx: ChainWalkContext, chain: WalkChain, i: number, matched: WalkState, depth: number): Fired[] {
  return chain.kind === 'nft'
    ? fireNft(ctx, chain.rules[i]!, matched, depth)
    : fireIptables(ctx, chain, i, matched, depth);
}

/** An nft rule's statements after its matchers: each branch continues, ends the chain, or enters another. */
function fireNft(ctx: ChainWalkContext, cr: NftCompiledRule, matched: WalkState, depth: number): Fired[] {
  const out: Fired[] = [];
  for (const end of cr.run(matched, ctx)) {
    switch (end.end) {
      case 'next':
        out.push({ end: 'continue', state: end.state });
        break;
      case 'verdict':
      case 'return':
        out.push(end);
        break;
      case 'jump':
      case 'goto':
        for (const o of walkChain(ctx, end.chain, cr.jumpChain(end.chain), end.state, depth + 1))
          out.push(o.end === 'return' && end.end === 'jump' ? { end: 'continue', state: o.state } : o);
        break;
    }
  }
  return out;
}

function fireIptables(
  ctx: ChainWalkContext,
  chain: IptablesChain,
  i: number,
  matched: WalkState,
  depth: number,
): Fired[] {
  const rule = chain.chain.rules[i]!;
  const target = rule.target;
  const base = chain.step(i);
  if (rule.assumed) matched = addAssumption(matched, rule.assumed);
  if (!target) return [{ end: 'continue', state: addStep(matched, base) }];
  const effect = applyTarget(target, matched.packet, ctx.hook, ctx.network);
  switch (effect.kind) {
    case 'return':
      return [{ end: 'return', state: addStep(matched, base) }];
    case 'jump': {
      const state = addStep(matched, base);
      // The walk's own array, rewritten in place: a goto never comes back here (its chain's return is this
      // chain's return), a jump's return goes on below this rule.
      const sub: Fired[] = walkChain(ctx, effect.chain, chain.jumpChain(i), state, depth + 1);
      if (!effect.goto)
        for (let k = 0; k < sub.length; k++) {
          const o = sub[k]!;
          if (o.end === 'return') sub[k] = { end: 'continue', state: o.state };
        }
      return sub;
    }
    case 'continue':
    case 'verdict': {
      const step = effect.rewrote ? rewroteStep(base, headerOf(effect.packet)) : base;
      let state = addStep(matched, step, effect.packet);
      if (effect.masquerade) state = withState(state, { masquerade: true });
      if (effect.assumption) state = addAssumption(state, effect.assumption);
      return effect.kind === 'continue'
        ? [{ end: 'continue', state }]
        : [{ end: 'verdict', verdict: effect.verdict, state }];
    }
  }
}

/** A rewriting target is never a jump: the step has a target and no jump key. Written out, not spread. */
function rewroteStep(base: RuleStep, rewrote: Header): RuleStep {
  const { table, chain, rule, target, text, backend } = base;
  return backend
    ? { table, chain, rule, target, text, rewrote, backend }
    : { table, chain, rule, target, text, rewrote };
}
