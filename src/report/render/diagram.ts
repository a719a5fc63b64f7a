/** A diagram ready to render: Mermaid source, and the same chart for the browser-free renderer. */
import type { Flowchart } from '../mermaid/flowchart';
import { printFlowchart } from '../mermaid/print';

export interface Diagram {
  readonly title: string;
  readonly source: string;
  /** beautiful-mermaid's dialect; for sources nfwalk did not build, the source itself. */
  readonly plain: string;
}

export const diagramOf = (title: string, chart: Flowchart): Diagram => ({
  title,
  source: printFlowchart(chart),
  plain: printFlowchart(chart, 'plain'),
});

/** A diagram that cannot be rendered as asked: said in one line, exit 2. */
export class RenderError extends Error {}

export type ImageFormat = 'svg' | 'png' | 'pdf';

/** What a file name asks for: an image, Markdown with a mermaid block, or the source. */
export type OutputKind = ImageFormat | 'md' | 'mmd';

export function outputKind(file: string): OutputKind | undefined {
  const ext = /\.([a-z]+)$/i.exec(file)?.[1]?.toLowerCase();
  return ext === 'svg' || ext === 'png' || ext === 'pdf' || ext === 'md' || ext === 'mmd'
    ? ext
    : ext === 'mermaid'
      ? 'mmd'
      : undefined;
}

/** Markdown that GitHub, GitLab and most wikis draw: a heading and a fenced mermaid block. */
export const markdownOf = (d: Pick<Diagram, 'title' | 'source'>) =>
  `## ${d.title}\n\n\`\`\`mermaid\n${d.source}\`\`\`\n`;
