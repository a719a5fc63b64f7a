import { ReadChain, ReadRule } from '../../src/model/read-located';

/**
 * The value with its objects as plain ones, for deepEqual across readers whose rules are of different classes (the
 * fast path's by shape): own fields as they are, and a read rule's or chain's `location` made one of them.
 */
export function plainModel(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(plainModel);
  if (x === null || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) out[k] = plainModel(v);
  if (x instanceof ReadRule || x instanceof ReadChain) out['location'] = plainModel(x.location);
  return out;
}
