/**
 * What a match says about a packet: yes, no, or "it depends" — a random draw (statistic) or a fact the
 * dumps do not hold (a set's contents, `recent` lists, payload). The walk turns "it depends" into two paths.
 */
import type { Packet } from '../packet';
import type { NodeNetwork } from '../network';
import type { IpSet } from '../../../model/ipset';

export interface Uncertain {
  /**
   * The fact the outcome depends on, as a statement ("set X holds the packet's destination"). The same
   * statement gets the same answer along a path. Absent for random draws, which are independent.
   */
  readonly question?: string;
  /** Probability that the statement is true (or, without a question, that the match matches). */
  readonly pYes: number;
  /** The match matches when the statement's truth equals this. */
  readonly matchesWhen: boolean;
}

export type Decision = boolean | Uncertain;

export type Matcher = (p: Packet) => Decision;

/** What compiling a match may look at: the node's addresses, routes and ipsets. */
export interface MatchContext {
  readonly network: NodeNetwork;
  readonly sets: ReadonlyMap<string, IpSet>;
}

/** An unknown fact weighs both answers equally: the dumps give no reason to prefer one. */
export function unknown(question: string): Uncertain {
  return { question, pYes: 0.5, matchesWhen: true };
}

export function negate(d: Decision, negated: boolean): Decision {
  if (!negated) return d;
  if (typeof d === 'boolean') return !d;
  return d.question === undefined ? { ...d, pYes: 1 - d.pYes } : { ...d, matchesWhen: !d.matchesWhen };
}
