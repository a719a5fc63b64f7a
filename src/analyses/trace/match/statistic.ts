/**
 * statistic: `--mode random` matches with the probability the kernel actually uses, round(P·2^31)/2^31
 * (iptables stores lround(0x80000000·P); xt_statistic compares a 31-bit random number with it).
 * `--mode nth` matches every Nth packet by a counter of the rule's own, so a single probe depends on it.
 */
import type { StatisticMatch } from '../../../model/match';
import { type Matcher, negate } from './decision';

function kernelProbability(p: number): number {
  return Math.round(p * 0x80000000) / 0x80000000;
}

export function statisticMatcher(m: StatisticMatch, where: string): Matcher {
  if (m.mode === 'random') {
    const p = kernelProbability(m.probability?.value ?? 1);
    const decision = negate({ pYes: p, matchesWhen: true }, m.probability?.negated ?? false);
    return () => decision;
  }
  const every = m.every?.value ?? 1;
  const decision = negate(
    {
      question: `the nth counter of ${where} is at packet ${m.packet ?? 0} of every ${every}`,
      pYes: 1 / every,
      matchesWhen: true,
    },
    m.every?.negated ?? false,
  );
  return () => decision;
}
