/**
 * Mermaid's own parser, in Node: mermaid sanitises labels with DOMPurify, which needs a DOM, so a
 * jsdom window stands in for the browser. `readFlowchart` returns what Mermaid understood: every
 * vertex and edge with its text decoded the way the renderer decodes it.
 */
import { JSDOM } from 'jsdom';

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
  t.replace(/ﬂ°°(\d+)¶ß/g, (_, n) => String.fromCharCode(Number(n))).replace(/ﬂ°(\w+)¶ß/g, (_, name) => window.document.createRange().createContextualFragment(`&${name};`).textContent ?? '');

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
