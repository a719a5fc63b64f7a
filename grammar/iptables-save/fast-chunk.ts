/**
 * Feeds a chunk to the extractor: each `-A` line is first offered to the fast path (fast-rule.ts), chain
 * declarations of plain words are split by hand, and the runs of other lines go through the grammar
 * (parser.ts), all in input order, so that a rule is read with the chains declared before it.
 */
import type { Chunk } from '../shared/chunks';
import type { StopAt } from '../shared/reader';
import type { IptablesSaveExtractor } from './extract';
import { parseChunk } from './parser';
import type { SyntaxLine, WordSyntax } from './syntax';

/** Reads the chunk; returns the line where another dump starts, as IptablesSaveExtractor.feed does. */
export function feedChunk(chunk: Chunk, extractor: IptablesSaveExtractor, stop: StopAt): number | undefined {
  const { text } = chunk;
  const pending: SyntaxLine[] = [];
  // The run of lines for the grammar, from `slow` (line `slowLine`) to the line being read.
  let slow = 0;
  let slowLine = chunk.firstLine;
  const parse = (end: number) => {
    if (end > slow) parseChunk({ text: text.slice(slow, end), firstLine: slowLine }, pending);
  };
  const feed = (): number | undefined => {
    const stopped = pending.length ? extractor.feed(pending, stop) : undefined;
    pending.length = 0;
    return stopped;
  };
  let line = chunk.firstLine;
  for (let at = 0; at < text.length; line++) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const first = text.charCodeAt(at);
    if (first === DASH && text.startsWith('-A ', at)) {
      parse(at);
      const stopped = feed();
      if (stopped !== undefined) return stopped;
      const taken = extractor.fastRule(text.slice(at, end), line);
      slow = taken ? end + 1 : at;
      slowLine = taken ? line + 1 : line;
    } else if (first === COLON) {
      const declaration = chainLine(text, at, end, line);
      if (declaration) {
        parse(at);
        pending.push(declaration);
        slow = end + 1;
        slowLine = line + 1;
      }
    }
    at = end + 1;
  }
  parse(text.length);
  return feed();
}

const DASH = 45;
const COLON = 58;
const SPACE = 32;

/**
 * `:NAME POLICY [p:b]` as parser.ts reads it, for a line of printable ASCII words separated by spaces;
 * undefined for any other, which the grammar reads.
 */
function chainLine(text: string, at: number, end: number, line: number): SyntaxLine | undefined {
  const words: WordSyntax[] = [];
  let nameEnd = -1;
  for (let i = at; i < end; ) {
    const c = text.charCodeAt(i);
    if (c === SPACE) {
      i++;
      continue;
    }
    const start = i;
    while (i < end && text.charCodeAt(i) !== SPACE) {
      const d = text.charCodeAt(i);
      if (d < 33 || d > 126 || d === 34) return undefined;
      i++;
    }
    if (nameEnd < 0) nameEnd = i;
    else {
      const word = text.slice(start, i);
      words.push({ text: word, column: start - at + 1, bang: word === '!', quoted: false, unterminated: false });
    }
  }
  return { kind: 'chain', line, column: 1, name: text.slice(at + 1, nameEnd), words };
}
