/**
 * Services as a flowchart: a client, each service as a subgraph holding its entry points, and from each
 * entry point the endpoints with their share of new connections, or DROP / REJECT where connections end.
 * When nodes disagree, a node group sits between entry point and endpoints, so the nodes that drop stand
 * out. Clusters with more services than a diagram holds keep those with findings first and say how many
 * were left out.
 */
import { entryText, hostPort, percent, sharesKey } from '../../analyses/finding-text';
import type { EntryOutcome, ServiceView, ServicesAnalysis } from '../../analyses/services/index';
import type { FlowEdge, Flowchart, Subgraph } from './flowchart';
import { MAX_EDGES, MAX_NODES } from './flowchart';
import { NodeSet } from './node-set';
import { VERDICT_CLASSES } from './style';

/** Endpoints drawn per entry point; a service with 1,000 endpoints shows these and one node for the rest. */
const MAX_ENDPOINTS = 24;

const signature = (o: EntryOutcome) => `${o.verdict} ${o.drop} ${o.reject} ${sharesKey(o.endpoints)}`;

function outcomeGroups(view: ServiceView, entryIndex: number): { outcome: EntryOutcome; nodes: string[] }[] {
  const entry = view.service.entryPoints[entryIndex];
  const groups = new Map<string, { outcome: EntryOutcome; nodes: string[] }>();
  for (const n of view.nodes) {
    const o = n.outcomes.find((x) => x.entry === entry);
    if (!o) continue;
    const g = groups.get(signature(o)) ?? { outcome: o, nodes: [] };
    g.nodes.push(n.node);
    groups.set(signature(o), g);
  }
  return [...groups.values()];
}

/** Where connections that reach no endpoint end: the verdict that takes most of them. */
const lostEnd = (o: EntryOutcome) => (o.drop >= o.reject + o.unhandled ? 'DROP' : 'REJECT');

export function servicesFlowchart(a: ServicesAnalysis): Flowchart {
  const nodes = new NodeSet();
  const node = nodes.add.bind(nodes);
  const edges: FlowEdge[] = [];
  const subgraphs: Subgraph[] = [];
  const client = node('client', 'client', 'client', { shape: 'stadium' });

  const flagged = new Set(a.findings.map((f) => f.subject));
  const ordered = [...a.services].sort(
    (x, y) => Number(flagged.has(y.service.name)) - Number(flagged.has(x.service.name)),
  );
  let drawn = 0;
  for (const view of ordered) {
    const before = { nodes: nodes.size, edges: edges.length, subgraphs: subgraphs.length };
    drawService(view);
    if (nodes.size > MAX_NODES || edges.length > MAX_EDGES) {
      // Undo the service that did not fit; ids it took stay taken, which only skips a suffix.
      nodes.truncate(before.nodes);
      edges.length = before.edges;
      subgraphs.length = before.subgraphs;
      break;
    }
    drawn++;
  }
  if (drawn < ordered.length) {
    node('more', 'services', `${ordered.length - drawn} more services not drawn\n(pick some with --service)`, {
      shape: 'rounded',
    });
  }

  function drawService(view: ServiceView) {
    const name = `${view.service.name} ${view.service.protocol}`;
    const members: string[] = [];
    view.service.entryPoints.forEach((entry, ei) => {
      if (entry.kind === 'healthCheckNodePort') return;
      const id = node('e', `${name} ${entryText(entry)}`, entryText(entry));
      members.push(id);
      edges.push({ from: client, to: id });
      const groups = outcomeGroups(view, ei);
      const several = a.nodes.length > 1;
      for (const { outcome, nodes: on } of groups) {
        const lost = outcome.drop + outcome.reject + outcome.unhandled;
        let from = id;
        if (several) {
          from = node('n', `${name} ${entryText(entry)} ${on.join(' ')}`, on.join(', '), {
            shape: 'rounded',
            ...(lost > 1e-9 ? { className: 'dropped' } : {}),
          });
          members.push(from);
          edges.push({ from: id, to: from });
        }
        const live = outcome.endpoints.filter((e) => e.probability > 0);
        for (const e of live.slice(0, MAX_ENDPOINTS))
          edges.push({ from, to: node('ep', hostPort(e), hostPort(e)), label: percent(e.probability) });
        if (live.length > MAX_ENDPOINTS) {
          const rest = live.slice(MAX_ENDPOINTS);
          const more = node('ep', `${from} more`, `${rest.length} more endpoints`, { shape: 'rounded' });
          edges.push({ from, to: more, label: percent(rest.reduce((sum, e) => sum + e.probability, 0)) });
        }
        if (lost > 1e-9) {
          const end = lostEnd(outcome);
          edges.push({
            from,
            to: node('v', end, end, { shape: 'hexagon', className: 'dropped' }),
            label: percent(lost),
            line: 'thick',
          });
        }
      }
    });
    subgraphs.push({ id: nodes.id('s', name), label: name, nodes: members });
  }

  return { direction: 'LR', nodes: nodes.list(), edges, subgraphs, classes: { dropped: VERDICT_CLASSES.dropped } };
}
