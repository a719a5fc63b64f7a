/**
 * One path's state while the walk is under way. Steps and assumptions are linked lists that share their
 * tails, so a split costs two small objects, not two copies of everything seen so far; the steps' list is the states
 * themselves, each holding its last step and the state before it, so a matched rule makes one object, not two.
 */
import { formatIp } from '../../model/address';
import type { Packet } from './packet';
import type { Header, TraceStep } from './path';
import type { Uncertain } from './match/decision';

interface Link<T> {
  readonly head: T;
  readonly tail: Link<T> | null;
}

export interface Assumption {
  readonly text: string;
  /** The question this answers, so a later rule asking it again gets the same answer. */
  readonly question?: string;
  readonly answer?: boolean;
}

/** What a path carries that few of its states change: its share, whether it was masqueraded, its assumptions. */
export interface Facts {
  readonly probability: number;
  readonly masquerade: boolean;
  readonly assumptions: Link<Assumption> | null;
}

/**
 * Four fields, the rarely changed ones shared in `facts`: walks make hundreds of thousands of states, one per matched
 * rule, and six fields, the share a boxed double in each, made each half as large again.
 */
export class WalkState {
  constructor(
    readonly packet: Packet,
    /** The path's last step; undefined before its first. */
    readonly step: TraceStep | undefined,
    /** The state `step` was taken from: its own `step` is the one before. Null for the path's first state. */
    readonly earlier: WalkState | null,
    readonly facts: Facts,
  ) {}

  get probability(): number {
    return this.facts.probability;
  }

  get masquerade(): boolean {
    return this.facts.masquerade;
  }

  get assumptions(): Link<Assumption> | null {
    return this.facts.assumptions;
  }
}

const START: Facts = { probability: 1, masquerade: false, assumptions: null };

export function initialState(packet: Packet): WalkState {
  return new WalkState(packet, undefined, null, START);
}

export function withPacketOf(s: WalkState, packet: Packet): WalkState {
  return new WalkState(packet, s.step, s.earlier, s.facts);
}

export function masqueraded(s: WalkState): WalkState {
  return new WalkState(s.packet, s.step, s.earlier, {
    probability: s.probability,
    masquerade: true,
    assumptions: s.assumptions,
  });
}

export function addStep(s: WalkState, step: TraceStep, packet: Packet = s.packet): WalkState {
  return new WalkState(packet, step, s, s.facts);
}

export function addAssumption(s: WalkState, question: string, answer?: boolean): WalkState {
  const text = answer === false ? `NOT ${question}` : question;
  const a: Assumption = answer === undefined ? { text } : { text, question, answer };
  return new WalkState(s.packet, s.step, s.earlier, {
    probability: s.probability,
    masquerade: s.masquerade,
    assumptions: { head: a, tail: s.assumptions },
  });
}

export function answerOf(s: WalkState, question: string): boolean | undefined {
  for (let l = s.assumptions; l; l = l.tail) if (l.head.question === question) return l.head.answer;
  return undefined;
}

export function scaled(s: WalkState, factor: number): WalkState {
  return new WalkState(s.packet, s.step, s.earlier, {
    probability: s.probability * factor,
    masquerade: s.masquerade,
    assumptions: s.assumptions,
  });
}

/** The steps of a path in the order it took them. */
export function stepsOf(s: WalkState): TraceStep[] {
  const out: TraceStep[] = [];
  for (let x: WalkState | null = s; x !== null && x.step !== undefined; x = x.earlier) out.push(x.step);
  return out.reverse();
}

/** The texts of a path's assumptions in the order it made them, each once: rules of one supplied chain share one. */
export function assumptionTexts(s: WalkState): string[] {
  const texts: string[] = [];
  for (let l = s.assumptions; l; l = l.tail) texts.push(l.head.text);
  return [...new Set(texts.reverse())];
}

/** The first step of the path, in the order it took them, that `test` holds for; read off the states without copying them. */
export function firstStep(s: WalkState, test: (step: TraceStep) => boolean): TraceStep | undefined {
  let found: TraceStep | undefined;
  for (let x: WalkState | null = s; x !== null && x.step !== undefined; x = x.earlier) if (test(x.step)) found = x.step;
  return found;
}

/** Literals rather than spreads of optional parts: this runs for every rewrite and every path's end. */
export function headerOf(p: Packet): Header {
  const src = formatIp(p.src);
  const dst = formatIp(p.dst);
  const dport = p.dport;
  if (p.sport === undefined || p.sportRandom) return dport === undefined ? { src, dst } : { src, dst, dport };
  const sport = p.sport;
  return dport === undefined ? { src, sport, dst } : { src, sport, dst, dport };
}

/** The two ways an uncertain test goes: the path where it matches and the one where it does not, each with its share and the assumption named. */
export function splitOn(state: WalkState, u: Uncertain): { yes: WalkState; no: WalkState } {
  let yes = scaled(state, u.pYes);
  let no = scaled(state, 1 - u.pYes);
  if (u.question !== undefined) {
    yes = addAssumption(yes, u.question, true);
    no = addAssumption(no, u.question, false);
  }
  return u.matchesWhen ? { yes, no } : { yes: no, no: yes };
}
