/**
 * Line-aligned chunks of a text. Lexing 64 KB at a time is ~2x faster than larger chunks and keeps token
 * arrays short-lived (shared/reference/ecosystem.md §3); a line longer than the chunk size stays whole.
 */
export interface Chunk {
  readonly text: string;
  /** 1-based line number of the chunk's first line. */
  readonly firstLine: number;
}

export const CHUNK_SIZE = 64 * 1024;

export function* lineChunks(text: string, size = CHUNK_SIZE): Generator<Chunk> {
  let start = 0;
  let line = 1;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    if (end < text.length) {
      const cut = text.lastIndexOf('\n', end - 1);
      end = cut >= start ? cut + 1 : nextLineEnd(text, end);
    }
    const chunkText = text.slice(start, end);
    yield { text: chunkText, firstLine: line };
    line += countNewlines(chunkText);
    start = end;
  }
}

function nextLineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl + 1;
}

export function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** The chunk with a newline after its last line, which every grammar ends a line with. */
export function withFinalNewline(chunk: Chunk): Chunk {
  return chunk.text.endsWith('\n') ? chunk : { text: `${chunk.text}\n`, firstLine: chunk.firstLine };
}
