/**
 * Mermaid's own parser, in Node: mermaid sanitises labels with DOMPurify, which needs a DOM, so a
 * jsdom window stands in for the browser. `readFlowchart` returns what Mermaid understood: every
 * vertex and edge with its text decoded the way the renderer decodes it.
 */
import { parseMermaid } from 'beautiful-mermaid';
import { JSDOM } from 'jsdom';
import type { Flowchart } from '../../src/report/mermaid/flowchart';
import { printFlowchart } from '../../src/report/mermaid/print';

const { window } = new JSDOM('');
Object.assign(globalThis, { window, document: window.document });
const { default: mermaid } = await import('mermaid');

export interface ParsedFlowchart {
  vertices: Map<string, string>;
  edges: { from: string; to: string; text: string }[];
  subgraphs: { id: string; title: string; nodes: string[] }[];
}

// Mermaid parks `#34;` / `#quot;` as these markers until it renders.
const decode = (t: string) =>
  t
    .replace(/ﬂ°°(\d+)¶ß/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(
      /ﬂ°(\w+)¶ß/g,
      (_, name) => window.document.createRange().createContextualFragment(`&${name};`).textContent ?? '',
    );

export async function readFlowchart(source: string): Promise<ParsedFlowchart> {
  await mermaid.parse(source);
  const db = (await mermaid.mermaidAPI.getDiagramFromText(source)).db as unknown as {
    getVertices(): Map<string, { id: string; text: string }>;
    getEdges(): { start: string; end: string; text: string }[];
    getSubGraphs(): { id: string; title: string; nodes: string[] }[];
  };
  return {
    vertices: new Map([...db.getVertices().values()].map((v) => [v.id, decode(v.text)])),
    edges: db.getEdges().map((e) => ({ from: e.start, to: e.end, text: decode(e.text) })),
    subgraphs: db.getSubGraphs().map((g) => ({ id: g.id, title: decode(g.title), nodes: g.nodes })),
  };
}

/**
 * What Mermaid must read from a chart nfwalk printed: the same boxes, the same arrows in the same order,
 * the same subgraph membership; and beautiful-mermaid the same from the plain dialect.
 */
export async function chartReadsBack(chart: Flowchart): Promise<string[]> {
  const problems: string[] = [];
  const parsed = await readFlowchart(printFlowchart(chart));
  const ids = chart.nodes.map((n) => n.id).sort();
  if (JSON.stringify([...parsed.vertices.keys()].sort()) !== JSON.stringify(ids))
    problems.push('mermaid: vertices differ');
  const arrows = (es: readonly { from: string; to: string }[]) => JSON.stringify(es.map((e) => `${e.from}>${e.to}`));
  if (arrows(parsed.edges) !== arrows(chart.edges)) problems.push('mermaid: edges differ');
  for (const g of chart.subgraphs ?? []) {
    const got = parsed.subgraphs.find((s) => s.id === g.id);
    if (JSON.stringify([...(got?.nodes ?? [])].sort()) !== JSON.stringify([...g.nodes].sort()))
      problems.push(`mermaid: subgraph ${g.id} differs`);
  }
  const plain = parseMermaid(printFlowchart(chart, 'plain'));
  if (JSON.stringify([...plain.nodes.keys()].sort()) !== JSON.stringify(ids))
    problems.push('beautiful-mermaid: vertices differ');
  if (arrows(plain.edges.map((e) => ({ from: e.source, to: e.target }))) !== arrows(chart.edges))
    problems.push('beautiful-mermaid: edges differ');
  return problems;
}
