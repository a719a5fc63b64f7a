/** mark and connmark: (mark & mask) == value on the packet's or the connection's mark. */
import type { ConnmarkMatch, MarkMatch } from '../../../model/match';
import type { Matcher } from './decision';

export function markMatcher(m: MarkMatch | ConnmarkMatch): Matcher {
  if (!m.mark) return () => true;
  const { value, mask } = m.mark.value;
  const negated = m.mark.negated;
  const field = m.module === 'mark' ? 'mark' : 'ctmark';
  return (p) => ((p[field] & mask) >>> 0 === value >>> 0) !== negated;
}
