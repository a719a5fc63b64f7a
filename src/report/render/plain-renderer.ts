/**
 * The browser-free renderer (beautiful-mermaid, ecosystem.md §2): SVG when no Chromium is installed,
 * and text pictures for the terminal. It reads only the plain dialect, and its ASCII layout misplaces
 * nodes inside subgraphs and runs out of memory on large graphs, so the terminal gets a picture only
 * of small charts drawn without subgraphs.
 */
import type { Flowchart } from '../mermaid/flowchart';
import { printFlowchart } from '../mermaid/print';

/** Above this many nodes a terminal picture is too wide to read (and slow to lay out). */
const MAX_ASCII_NODES = 40;

export async function plainSvg(plainSource: string): Promise<Uint8Array> {
  const { renderMermaidSVG } = await import('beautiful-mermaid');
  return new TextEncoder().encode(renderMermaidSVG(plainSource));
}

/** A text picture of the chart, or undefined when it is too big for one. */
export async function asciiPicture(chart: Flowchart): Promise<string | undefined> {
  if (chart.nodes.length > MAX_ASCII_NODES) return undefined;
  const { renderMermaidASCII } = await import('beautiful-mermaid');
  return renderMermaidASCII(printFlowchart({ ...chart, subgraphs: [] }, 'plain'));
}
