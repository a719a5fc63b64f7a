/**
 * Services as a Mermaid flowchart: a client, each service as a subgraph holding its entry points, an edge
 * from each entry point to every endpoint with its share of new connections, and to DROP / REJECT where a
 * connection ends. When nodes disagree, each edge names the nodes it holds for.
 */
import { entryText, hostPort, percent, sharesKey } from '../analyses/services/describe';
import type { EntryOutcome, ServiceView, ServicesAnalysis } from '../analyses/services/index';
import { mermaidLabel } from './trace-mermaid';

const signature = (o: EntryOutcome) => `${o.verdict} ${sharesKey(o.endpoints)}`;

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

export function formatServicesMermaid(a: ServicesAnalysis): string {
  const lines = ['flowchart LR', '  client(["client"])'];
  const endpoints = new Map<string, string>();
  const endpointId = (key: string) => {
    let id = endpoints.get(key);
    if (!id) endpoints.set(key, (id = `ep${endpoints.size}`));
    return id;
  };
  const ends = new Set<string>();
  const edges: string[] = [];
  const several = a.nodes.length > 1;
  a.services.forEach((view, si) => {
    lines.push(`  subgraph s${si}["${mermaidLabel(`${view.service.name} ${view.service.protocol}`)}"]`);
    view.service.entryPoints.forEach((entry, ei) => {
      if (entry.kind === 'healthCheckNodePort') return;
      const id = `s${si}e${ei}`;
      lines.push(`    ${id}["${mermaidLabel(entryText(entry))}"]`);
      edges.push(`  client --> ${id}`);
      const groups = outcomeGroups(view, ei);
      for (const { outcome, nodes } of groups) {
        const on = several && groups.length > 1 ? ` on ${nodes.join(', ')}` : '';
        for (const e of outcome.endpoints) {
          if (e.probability === 0) continue;
          edges.push(`  ${id} -->|"${mermaidLabel(`${percent(e.probability)}${on}`)}"| ${endpointId(hostPort(e))}`);
        }
        const lost = outcome.drop + outcome.reject + outcome.unhandled;
        if (lost > 1e-9) {
          const end = outcome.verdict === 'forward' ? (outcome.drop >= outcome.reject + outcome.unhandled ? 'DROP' : 'REJECT') : outcome.verdict.toUpperCase();
          ends.add(end);
          edges.push(`  ${id} -->|"${mermaidLabel(`${percent(lost)}${on}`)}"| ${end}`);
        }
      }
    });
    lines.push('  end');
  });
  for (const [key, id] of endpoints) lines.push(`  ${id}["${mermaidLabel(key)}"]`);
  for (const end of ends) lines.push(`  ${end}{{"${end}"}}`);
  return `${[...lines, ...edges].join('\n')}\n`;
}
