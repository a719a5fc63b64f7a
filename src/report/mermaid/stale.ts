/**
 * Stale entries as a flowchart, per destination that has them: the service address, the old targets
 * entries are still pinned to (dashed, with how many entries from how many clients), and where new
 * connections go now (solid; REJECT or nowhere when the service lost its endpoints or is gone).
 * The destinations with the most stale entries come first; the rest are counted in one node.
 */
import type { StaleAnalysis, StaleEntry } from '../../analyses/stale/index';
import { groupBy } from '../../model/group-by';
import { endpointText } from '../../analyses/finding-text';
import type { FlowEdge, Flowchart } from './flowchart';
import { NodeSet } from './node-set';
import { VERDICT_CLASSES, counted } from './style';

/** Destinations drawn; each brings its old and new targets. */
const MAX_DESTINATIONS = 30;

export function staleFlowchart(a: StaleAnalysis): Flowchart {
  const nodes = new NodeSet();
  const node = nodes.add.bind(nodes);
  const edges: FlowEdge[] = [];
  const several = new Set(a.stale.map((e) => e.node)).size > 1;
  const destinations = [
    ...groupBy(a.stale, (e) => `${e.node} ${e.proto} ${endpointText(e.dst, e.dport ?? undefined)}`),
  ].sort((x, y) => y[1].length - x[1].length || (x[0] < y[0] ? -1 : 1));

  for (const [key, entries] of destinations.slice(0, MAX_DESTINATIONS)) {
    const first = entries[0] as StaleEntry;
    const where = `${first.proto} ${endpointText(first.dst, first.dport ?? undefined)}${several ? ` on ${first.node}` : ''}`;
    const dst = node('d', key, first.service ? `${first.service}\n${where}` : where, { shape: 'stadium' });
    for (const [target, pinned] of groupBy(entries, (e) => e.natTarget ?? '')) {
      const old = node(
        'old',
        `${first.node} ${target || key}`,
        target ? `${target}\n${(pinned[0] as StaleEntry).kind}` : 'no NAT: the service address itself',
        { className: 'stale' },
      );
      const clients = new Set(pinned.map((e) => e.src)).size;
      edges.push({
        from: dst,
        to: old,
        label: `${counted(pinned.length, 'entry', 'entries')} pinned, ${counted(clients, 'client')}`,
        line: 'dashed',
      });
    }
    const now = [...new Set(entries.flatMap((e) => e.now))];
    for (const target of now)
      edges.push({
        from: dst,
        to: node('new', `${first.node} ${target}`, target, { className: 'accepted' }),
        label: 'new connections',
      });
    if (now.length === 0) {
      const end = first.kind === 'service-gone' || first.kind === 'ipvs-service-gone' ? 'service gone' : 'no endpoints';
      edges.push({
        from: dst,
        to: node('v', end, end, { shape: 'hexagon', className: 'dropped' }),
        label: 'new connections',
      });
    }
  }
  const rest = destinations.slice(MAX_DESTINATIONS);
  if (rest.length > 0) {
    node(
      'more',
      'destinations',
      `${counted(rest.length, 'more destination')} with ${counted(
        rest.reduce((n, [, e]) => n + e.length, 0),
        'stale entry',
        'stale entries',
      )}\n(nfwalk stale lists them)`,
      { shape: 'rounded' },
    );
  }
  if (destinations.length === 0)
    node(
      'none',
      'stale',
      `no stale entries among ${counted(
        a.nodes.reduce((n, s) => n + s.checked, 0),
        'entry',
        'entries',
      )}`,
      { shape: 'rounded', className: 'accepted' },
    );
  return { direction: 'LR', nodes: nodes.list(), edges, classes: VERDICT_CLASSES };
}
