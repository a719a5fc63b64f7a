/**
 * One path's state while the walk is under way. Steps and assumptions are linked lists that share their
 * tails, so a split costs two small objects, not two copies of everything seen so far.
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

export interface WalkState {
  readonly packet: Packet;
  readonly probability: number;
  readonly masquerade: boolean;
  readonly steps: Link<TraceStep> | null;
  readonly assumptions: Link<Assumption> | null;
}

export function initialState(packet: Packet): WalkState {
  return { packet, probability: 1, masquerade: false, steps: null, assumptions: null };
}

/**
 * A state with some fields changed. Written out rather than spread: walks make millions of these, and a
 * spread copy went through V8's slow path here (measured: the largest single cost of a 10,000-service walk).
 */
export function withState(s: WalkState, change: Partial<WalkState>): WalkState {
  return {
    packet: change.packet ?? s.packet,
    probability: change.probability ?? s.probability,
    masquerade: change.masquerade ?? s.masquerade,
    steps: change.steps ?? s.steps,
    assumptions: change.assumptions ?? s.assumptions,
  };
}

export function addStep(s: WalkState, step: TraceStep, packet: Packet = s.packet): WalkState {
  return {
    packet,
    probability: s.probability,
    masquerade: s.masquerade,
    steps: { head: step, tail: s.steps },
    assumptions: s.assumptions,
  };
}

export function addAssumption(s: WalkState, question: string, answer?: boolean): WalkState {
  const text = answer === false ? `NOT ${question}` : question;
  const a: Assumption = answer === undefined ? { text } : { text, question, answer };
  return withState(s, { assumptions: { head: a, tail: s.assumptions } });
}

export function answerOf(s: WalkState, question: string): boolean | undefined {
  for (let l = s.assumptions; l; l = l.tail) if (l.head.question === question) return l.head.answer;
  return undefined;
}

export function scaled(s: WalkState, factor: number): WalkState {
  return withState(s, { probability: s.probability * factor });
}

export function listOf<T>(l: Link<T> | null): T[] {
  const out: T[] = [];
  for (let x = l; x; x = x.tail) out.push(x.head);
  return out.reverse();
}

/** The texts of a path's assumptions in the order it made them, each once: rules of one supplied chain share one. */
export function assumptionTexts(s: WalkState): string[] {
  return [...new Set(listOf(s.assumptions).map((a) => a.text))];
}

/** The first step of the path, in the order it took them, that `test` holds for; read off the list without copying it. */
export function firstStep(s: WalkState, test: (step: TraceStep) => boolean): TraceStep | undefined {
  let found: TraceStep | undefined;
  for (let l = s.steps; l; l = l.tail) if (test(l.head)) found = l.head;
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
