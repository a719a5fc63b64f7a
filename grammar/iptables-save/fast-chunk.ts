/**
 * Feeds a chunk to the extractor: each `-A` line is first offered to the fast path (fast-rule.ts) and each
 * `:NAME POLICY [p:b]` declaration to extract.ts fastChain, other lines of plain words (`*table`, `COMMIT`,
 * comments, blank lines, declarations it declines) are split by hand, and the runs
 * of every other line go through the grammar (parser.ts), all in input order, so that a rule is read with the
 * chains declared before it. A dump whose lines are all plain never builds the grammar's lexer and parser.
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
  // Emptied only when it holds lines: setting an array's length is a call into the runtime, and this runs for
  // every rule line.
  const feed = (): number | undefined => {
    if (pending.length === 0) return undefined;
    const stopped = extractor.feed(pending, stop);
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
      const taken = extractor.fastRule(text, at, end, line);
      slow = taken ? end + 1 : at;
      slowLine = taken ? line + 1 : line;
    } else if (first === COLON && plainWords(text, at, end) === 3) {
      parse(at);
      const stopped = feed();
      if (stopped !== undefined) return stopped;
      // Read by index: a destructuring goes through the array's iterator, objects made per declaration.
      const name = text.slice(at + 1, bounds[1]);
      const policy = text.slice(bounds[2], bounds[3]);
      // A declaration the fast path declines is read as plainLine reads it (its words are plain: not undefined).
      if (!extractor.fastChain(name, policy, countersOf(text, bounds[4]!, bounds[5]!), line))
        pending.push(plainLine(text, at, end, line)!);
      slow = end + 1;
      slowLine = line + 1;
    } else {
      const plain = plainLine(text, at, end, line);
      if (plain) {
        parse(at);
        pending.push(plain);
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
const HASH = 35;
const STAR = 42;

/** Where the first three words of the line last given to plainWords start and end. */
const bounds = [0, 0, 0, 0, 0, 0];

/** The counters word on [start, end): most chains show none, and `[0:0]` as a literal is no string made per chain. */
const countersOf = (text: string, start: number, end: number) =>
  end - start === 5 && text.startsWith('[0:0]', start) ? '[0:0]' : text.slice(start, end);

/** Where the word from `start` ends (a space or the line's end); -1 at a character plainLine does not take. */
function wordEnd(text: string, start: number, end: number): number {
  let i = start;
  while (i < end && text.charCodeAt(i) !== SPACE) {
    const c = text.charCodeAt(i);
    if (c < 33 || c > 126 || c === 34) return -1;
    i++;
  }
  return i;
}

/**
 * How many words the line has when plainLine reads it as words (printable ASCII without quotes, apart by
 * spaces, the first not a space), noting where the first three are in `bounds`; -1 when plainLine would not.
 */
function plainWords(text: string, at: number, end: number): number {
  if (at === end || text.charCodeAt(at) === SPACE) return -1;
  let n = 0;
  for (let i = at; i < end; ) {
    if (text.charCodeAt(i) === SPACE) {
      i++;
      continue;
    }
    const start = i;
    i = wordEnd(text, start, end);
    if (i < 0) return -1;
    if (n < 3) {
      bounds[2 * n] = start;
      bounds[2 * n + 1] = i;
    }
    n++;
  }
  return n;
}

/**
 * The line as parser.ts reads it, when it is empty, a comment from its first column, or printable ASCII words
 * without quotes separated by spaces (`:NAME POLICY [p:b]`, `*nat`, `COMMIT`); undefined for any other line,
 * which the grammar reads.
 */
function plainLine(text: string, at: number, end: number, line: number): SyntaxLine | undefined {
  if (at === end) return { kind: 'blank', line };
  const first = text.charCodeAt(at);
  if (first === HASH) return { kind: 'comment', line, text: text.slice(at, end) };
  if (first === SPACE) return undefined;
  const head = first === COLON || first === STAR;
  const words: WordSyntax[] = [];
  let headEnd = -1;
  for (let i = at; i < end; ) {
    if (text.charCodeAt(i) === SPACE) {
      i++;
      continue;
    }
    const start = i;
    i = wordEnd(text, start, end);
    if (i < 0) return undefined;
    if (head && headEnd < 0) headEnd = i;
    else {
      const word = text.slice(start, i);
      words.push({ text: word, column: start - at + 1, bang: word === '!', quoted: false, unterminated: false });
    }
  }
  if (!head) return { kind: 'words', line, words };
  const name = text.slice(at + 1, headEnd);
  return { kind: first === COLON ? 'chain' : 'table', line, column: 1, name, words };
}
