/**
 * `nfwalk diff`: two snapshots (before and after a rollout, an incident, a kube-proxy restart) compared node
 * by node. One node on each side is compared whatever the names; with more, nodes pair up by name.
 */
import type { NodeDumps } from '../../model/node';
import type { ServicesOptions } from '../services/index';
import type { DiffAnalysis, NodeDiff } from './model';
import { rulesDiff } from './rules';
import { servicesDiff } from './services';

export type * from './model';

function nodeDiff(before: NodeDumps, after: NodeDumps, options: ServicesOptions): NodeDiff {
  const { changes, notCompared } = servicesDiff(before, after, options);
  return {
    before: before.name,
    after: after.name,
    rulesets: rulesDiff(before, after),
    services: changes,
    ...(notCompared ? { servicesNotCompared: notCompared } : {}),
  };
}

export function diffNodes(
  before: readonly NodeDumps[],
  after: readonly NodeDumps[],
  options: ServicesOptions = {},
): DiffAnalysis {
  if (before.length === 1 && after.length === 1)
    return { nodes: [nodeDiff(before[0]!, after[0]!, options)], onlyBefore: [], onlyAfter: [] };
  const later = new Map(after.map((n) => [n.name, n]));
  const nodes = before.flatMap((b) => {
    const a = later.get(b.name);
    return a ? [nodeDiff(b, a, options)] : [];
  });
  const earlier = new Set(before.map((n) => n.name));
  return {
    nodes,
    onlyBefore: before.filter((n) => !later.has(n.name)).map((n) => n.name),
    onlyAfter: after.filter((n) => !earlier.has(n.name)).map((n) => n.name),
  };
}
