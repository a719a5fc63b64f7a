/** Mermaid sources in files people hand to `nfwalk render`: a `.mmd` file is one diagram, Markdown holds fenced blocks. */
import { basename, extname } from 'node:path';
import type { Diagram } from './diagram';

export interface NamedDiagram {
  /** File name stem for the output: `doc` or `doc-2` for a Markdown file's second block. */
  readonly stem: string;
  readonly diagram: Diagram;
}

const FENCE = /^(`{3,}|~{3,})\s*mermaid\s*\n([\s\S]*?)^\1\s*$/gm;

export function diagramsInFile(path: string, text: string): NamedDiagram[] {
  const stem = basename(path, extname(path));
  const ext = extname(path).toLowerCase();
  const sources = ext === '.md' || ext === '.markdown' ? [...text.matchAll(FENCE)].map((m) => m[2] as string) : [text];
  // Sources nfwalk did not build have no plain dialect: the browser-free renderer gets them as they are.
  return sources.map((source, i) => ({
    stem: sources.length > 1 ? `${stem}-${i + 1}` : stem,
    diagram: { title: stem, source, plain: source },
  }));
}
