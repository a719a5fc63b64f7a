import type { EntryPoint } from '../../graph/service-model';
import { sharesKey } from '../finding-text';
import type { EndpointShare, ServiceView } from './model';

/** The endpoints most nodes give the cluster IP: what the service "has", whichever node is odd. */
export function consensusEndpoints(view: ServiceView, entry: EntryPoint | undefined): readonly EndpointShare[] {
  if (!entry) return [];
  // One node's word stands alone: no key string per service to count one vote.
  if (view.nodes.length === 1) return view.nodes[0]!.outcomes.find((x) => x.entry === entry)?.endpoints ?? [];
  const votes = new Map<string, { endpoints: readonly EndpointShare[]; n: number }>();
  for (const n of view.nodes) {
    const o = n.outcomes.find((x) => x.entry === entry);
    if (!o) continue;
    const key = sharesKey(o.endpoints);
    const v = votes.get(key) ?? { endpoints: o.endpoints, n: 0 };
    v.n++;
    votes.set(key, v);
  }
  return [...votes.values()].sort((a, b) => b.n - a.n)[0]?.endpoints ?? [];
}
