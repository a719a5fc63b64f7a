/** conntrack listings (`-L` in every -o mode, `-E` events, /proc/net/nf_conntrack): chunks → entries, streamed. */
import type { ConntrackSummary, ConntrackBody } from '../../src/model/section';
import type { IToken } from 'chevrotain';
import type { ConntrackEntry } from '../../src/model/conntrack';
import type { Diagnostic } from '../../src/model/diagnostic';
import type { Chunk } from '../shared/chunks';
import { type DumpFormat, type DumpReader, type StopAt, sortDiagnostics, startsWithAny } from '../shared/reader';
import { decodeEntry } from './decode';
import { type LineProblem, isProblem } from '../shared/problem';
import { LineFields, readFastLine } from './fast-line';
import { ConntrackColumns, entriesOf, rowFits } from '../../src/model/conntrack-columns';
import { shownMismatch } from '../../src/model/conntrack-summary';
import { readByteLine } from './byte-line';
import { isAddressPlaceholder } from './placeholder';
import { isProse } from './prose';
import { parseConntrackChunk } from './parser';
import { decodeSaveLine } from './save';
import { XmlLine } from './tokens';
import { decodeXmlLine } from './xml';

const TOOL_LINE = /^conntrack v[\d.]+ \(conntrack-tools\): (.*)$/;
const SUMMARY = /^(\d+) flow (entries|events) have been (shown|deleted)\.\s*$/;
// libnetfilter_conntrack's complaint when -o labels finds no connlabel.conf (captures/conntrack-L-o-labels.txt).
const LIBRARY_MESSAGE = /^nfct_\w+:/;

/** The lines the byte path read from `from`: where it stopped (the first line it left, or the end) and how many. */
export interface BytesRead {
  readonly to: number;
  readonly lines: number;
}

export class ConntrackReader implements DumpReader<ConntrackBody> {
  private readonly columns = new ConntrackColumns();
  private readonly fields = new LineFields();
  private readonly byteFields = new LineFields();
  private readonly summaries: ConntrackSummary[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private readonly hidden: { count: number; first?: { line: number; column: number; placeholder: string } } = {
    count: 0,
  };

  /** Lines the fast path reads become entries at once; each run of other lines goes to the grammar whole. */
  read(chunk: Chunk, stop: StopAt): number | undefined {
    const { text } = chunk;
    let line = chunk.firstLine;
    let runStart = -1;
    let runLine = 0;
    for (let start = 0; start < text.length; line++) {
      const newline = text.indexOf('\n', start);
      const end = newline < 0 ? text.length : newline;
      if (readFastLine(text, start, end, line, this.fields)) {
        if (runStart >= 0) {
          const stoppedAt = this.readWithGrammar({ text: text.slice(runStart, start), firstLine: runLine }, stop);
          if (stoppedAt !== undefined) return stoppedAt;
          runStart = -1;
        }
        this.fields.addTo(this.columns);
      } else if (runStart < 0) {
        runStart = start;
        runLine = line;
      }
      start = end + 1;
    }
    return runStart >= 0 ? this.readWithGrammar({ text: text.slice(runStart), firstLine: runLine }, stop) : undefined;
  }

  /**
   * Reads the lines of `bytes` from `from` (a line's start; the first is line `firstLine`) while the byte path
   * takes them, into rows; stops at the first it leaves to the text path. The input layer passes bytes only where
   * the text would reach this reader unchanged (src/input/text-sections.ts).
   */
  readBytes(bytes: Uint8Array, from: number, firstLine: number): BytesRead {
    let lines = 0;
    let start = from;
    while (start < bytes.length) {
      const newline = bytes.indexOf(10, start);
      const end = newline < 0 ? bytes.length : newline;
      if (!this.takesBytes(bytes, start, end, firstLine + lines)) break;
      this.byteFields.addTo(this.columns);
      lines++;
      start = end + 1;
    }
    return { to: Math.min(start, bytes.length), lines };
  }

  /** Where the run of lines the byte path leaves, from the one at `from`, ends: the next line it takes, or the end. */
  bytesLeftFrom(bytes: Uint8Array, from: number): number {
    let start = bytes.indexOf(10, from) + 1;
    while (start > 0 && start < bytes.length) {
      const newline = bytes.indexOf(10, start);
      const end = newline < 0 ? bytes.length : newline;
      if (this.takesBytes(bytes, start, end, 0)) return start;
      start = end + 1;
    }
    return bytes.length;
  }

  /** A line the byte path reads into a row of the columns (an entry object is the text path's). */
  private takesBytes(bytes: Uint8Array, start: number, end: number, line: number): boolean {
    return readByteLine(bytes, start, end, line, this.byteFields) && rowFits(this.byteFields, this.columns);
  }

  private readWithGrammar(chunk: Chunk, stop: StopAt): number | undefined {
    let stoppedAt: number | undefined;
    parseConntrackChunk(chunk, (tokens, line, lineStart, text) => {
      if (tokens.length === 0) return true;
      const problem = this.line(tokens, line, lineStart, text);
      if (!problem) return true;
      if (stop(line, false, problem.problem === 'ends')) {
        stoppedAt = line;
        return false;
      }
      this.diagnostics.push({ severity: 'error', line, column: problem.column, message: problem.message });
      return true;
    });
    return stoppedAt;
  }

  finish(): ConntrackBody {
    const { count, first } = this.hidden;
    if (first)
      this.diagnostics.push({
        severity: 'warning',
        line: first.line,
        column: first.column,
        message:
          count === 1
            ? `an anonymised address ('${first.placeholder}'): the entry is kept, with that address unknown`
            : `${count} entries have anonymised addresses (the first, '${first.placeholder}', here): kept, with those addresses unknown`,
      });
    const only = shownMismatch(this.summaries, this.columns.length);
    if (only) {
      this.diagnostics.push({
        severity: 'warning',
        line: only.line,
        column: 1,
        message: `conntrack says ${only.count} entries were shown, ${this.columns.length} are here (filtered or cut?)`,
      });
    }
    this.columns.release();
    return {
      kind: 'conntrack',
      records: this.columns.length,
      diagnostics: sortDiagnostics(this.diagnostics),
      entries: entriesOf(this.columns),
      summaries: this.summaries,
    };
  }

  private line(tokens: readonly IToken[], line: number, lineStart: number, text: string): LineProblem | undefined {
    const first = tokens[0]!;
    if (first.tokenType === XmlLine) {
      const x = decodeXmlLine(first.image.trimEnd(), line);
      if (isProblem(x)) return x;
      if (x.kind === 'entry') this.columns.pushEntry(x.entry);
      return undefined;
    }
    if (first.image === 'conntrack' || LIBRARY_MESSAGE.test(first.image))
      return this.toolLine(rawLine(text, lineStart), line);
    if (isProse(tokens)) return { problem: 'ends', message: 'not a conntrack entry', column: 1 };
    const warn = (column: number, message: string) =>
      this.diagnostics.push({ severity: 'warning', line, column, message });
    const decoded =
      first.image === '-A' ? decodeSaveLine(tokens, line, lineStart) : decodeEntry(tokens, line, lineStart, warn);
    if (isProblem(decoded)) return decoded;
    this.columns.pushEntry(decoded);
    if (decoded.anonymised) this.anonymised(decoded, line, rawLine(text, lineStart));
    return undefined;
  }

  /** Anonymised entries are kept; one warning names the first and counts them, not one per line of a hidden table. */
  private anonymised(entry: ConntrackEntry, line: number, raw: string): void {
    this.hidden.count++;
    if (this.hidden.count > 1) return;
    const { orig, reply } = entry;
    const placeholder = [orig.src, orig.dst, reply.src, reply.dst].find(
      (a) => raw.includes(`=${a}`) && isAddressPlaceholder(a),
    )!;
    this.hidden.first = { line, column: raw.indexOf(`=${placeholder}`) + 2, placeholder };
  }

  private toolLine(raw: string, line: number): LineProblem | undefined {
    if (LIBRARY_MESSAGE.test(raw)) {
      this.diagnostics.push({
        severity: 'warning',
        line,
        column: 1,
        message: `libnetfilter_conntrack said: ${raw.trim()}`,
      });
      return undefined;
    }
    const tool = TOOL_LINE.exec(raw);
    // `conntrack -L output:` without a prompt is no entry and no tool message: it ends the listing as prose does.
    if (!tool) return { problem: 'ends', message: 'expected a conntrack entry', column: 1 };
    const said = tool[1]!.trim();
    const summary = SUMMARY.exec(said);
    if (summary) {
      const what = summary[2] === 'events' ? 'events' : (summary[3] as 'shown' | 'deleted');
      this.summaries.push({ line, count: Number(summary[1]), what });
    } else if (said === 'connection tracking table has been emptied.') {
      this.summaries.push({ line, count: 0, what: 'emptied' });
    } else {
      this.diagnostics.push({ severity: 'warning', line, column: 1, message: `conntrack said: ${said}` });
    }
    return undefined;
  }
}

function rawLine(text: string, lineStart: number): string {
  const end = text.indexOf('\n', lineStart);
  return text.slice(lineStart, end < 0 ? text.length : end).replace(/\r$/, '');
}

export const conntrackFormat: DumpFormat = {
  name: 'conntrack',
  distinctive: true,
  starts: startsWithAny([
    /^(\[\d+\.\d+\]\s+)?(\s*\[(NEW|UPDATE|DESTROY)\]\s+)?(ipv[46]\s+\d+\s+|(?:2|10)\s+(?=[a-z]))?[a-z0-9]+\s+\d+\s+(\d+\s+)?([A-Z][A-Z_0-9]*\s+|timeout=\d+, stream_timeout=\d+\s+)?src=/,
    /^conntrack v[\d.]+ \(conntrack-tools\): /,
    /^-A -t \d+ -u \S+ /,
    /^<\?xml version="1\.0" encoding="utf-8"\?>\s*$/,
    /^<conntrack>\s*$/,
    /^<flow><meta direction=/,
    /^nfct_\w+: /,
  ]),
  reader: () => new ConntrackReader(),
};
