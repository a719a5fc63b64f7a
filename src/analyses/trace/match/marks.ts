/**
 * mark and connmark: (mark & mask) == value on the packet's or the connection's mark. A packet without a
 * connection (untracked, or before the conntrack hook) fails every connmark test, negated or not (xt_connmark_mt).
 */
import type { ConnmarkMatch, MarkMatch } from '../../../model/match';
import { withoutConnection } from '../packet';
import type { Matcher } from './decision';

export function markMatcher(m: MarkMatch | ConnmarkMatch): Matcher {
  if (!m.mark) return () => true;
  const { value, mask } = m.mark.value;
  const negated = m.mark.negated;
  const field = m.module === 'mark' ? 'mark' : 'ctmark';
  if (field === 'ctmark') return (p) => !withoutConnection(p) && ((p.ctmark & mask) >>> 0 === value >>> 0) !== negated;
  return (p) => ((p.mark & mask) >>> 0 === value >>> 0) !== negated;
}
