/**
 * Prints a Flowchart as Mermaid source: one statement per line, quoted labels, only the syntax
 * beautiful-mermaid also reads (ecosystem.md §2), so one source serves both renderers. The `plain`
 * dialect is what beautiful-mermaid gets: its labels use look-alikes instead of entities.
 */
import type { Flowchart, FlowEdge, FlowNode } from './flowchart';
import { mermaidLabel, plainLabel } from './label';

export type Dialect = 'mermaid' | 'plain';

const SHAPES: Readonly<Record<NonNullable<FlowNode['shape']>, [string, string]>> = {
  box: ['[', ']'],
  rounded: ['(', ')'],
  stadium: ['([', '])'],
  hexagon: ['{{', '}}'],
  diamond: ['{', '}'],
};

const ARROWS: Readonly<Record<NonNullable<FlowEdge['line']>, string>> = { solid: '-->', dashed: '-.->', thick: '==>' };

export function printFlowchart(chart: Flowchart, dialect: Dialect = 'mermaid'): string {
  const escape = dialect === 'mermaid' ? mermaidLabel : plainLabel;
  // Mermaid rejects an empty string; a blank reads back as empty.
  const text = (s: string) => {
    const body = escape(s) || ' ';
    return dialect === 'mermaid' ? `"${body}"` : body;
  };
  const nodeLine = (n: FlowNode, indent: string) => {
    const [open, close] = SHAPES[n.shape ?? 'box'];
    return `${indent}${n.id}${open}${text(n.label)}${close}`;
  };
  const lines = [`flowchart ${chart.direction}`];
  const inside = new Set<string>();
  const byId = new Map(chart.nodes.map((n) => [n.id, n]));
  for (const g of chart.subgraphs ?? []) {
    lines.push(`  subgraph ${g.id}[${text(g.label)}]`);
    for (const id of g.nodes) {
      const n = byId.get(id);
      if (!n) continue;
      inside.add(id);
      lines.push(nodeLine(n, '    '));
    }
    lines.push('  end');
  }
  for (const n of chart.nodes) if (!inside.has(n.id)) lines.push(nodeLine(n, '  '));
  for (const e of chart.edges) {
    const arrow = ARROWS[e.line ?? 'solid'];
    lines.push(
      e.label && escape(e.label) ? `  ${e.from} ${arrow}|${text(e.label)}| ${e.to}` : `  ${e.from} ${arrow} ${e.to}`,
    );
  }
  for (const [name, style] of Object.entries(chart.classes ?? {})) {
    const members = chart.nodes.filter((n) => n.className === name).map((n) => n.id);
    if (members.length === 0) continue;
    lines.push(`  classDef ${name} ${style}`);
    lines.push(`  class ${members.join(',')} ${name}`);
  }
  return `${lines.join('\n')}\n`;
}
