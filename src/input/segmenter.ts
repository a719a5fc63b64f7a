/**
 * Splits one source into sections (bundles.md §3 step 4). Between dumps, each line is a boundary (prompt,
 * collector header), noise (banners, fences), blank, the first line of a dump of some format, or text of no
 * known format. Inside a dump, the format's reader reads whole chunks and gives a line back only when it
 * cannot read it and the line starts something else, so the common case costs no per-line classification.
 */
import { type Chunk, countNewlines } from '../../grammar/shared/chunks';
import type { DumpFormat, DumpReader } from '../../grammar/shared/reader';
import type { ForeignDump, Section, SkippedLines } from '../model/section';
import { type BytesRead, ConntrackReader } from '../../grammar/conntrack/index';
import { boundaryAt, isPartial } from './boundaries';
import { formatStartingAt } from './formats';

export interface SegmentSink {
  section(s: Section): void;
  skipped(s: SkippedLines): void;
}

export class Segmenter {
  private reader: DumpReader | undefined;
  private format: DumpFormat | undefined;
  private start = 0;
  private last = 0;
  private command: string | undefined;
  private nextCommand: string | undefined;
  private nextHost: string | undefined;
  private host: string | undefined;
  private skip: { startLine: number; endLine: number; reason: string; foreign?: ForeignDump } | undefined;
  /** After a prompt of a command nfwalk does not read, its output is skipped under its name. */
  private otherOutput: string | undefined;

  constructor(
    private readonly path: string,
    private readonly node: string,
    private readonly sink: SegmentSink,
  ) {}

  /** Reads `chunk`, whose line ends number `newlines` when the caller counted them. */
  chunk(chunk: Chunk, newlines?: number): void {
    const { text } = chunk;
    let offset = 0;
    let line = chunk.firstLine;
    while (offset < text.length) {
      if (this.reader) {
        const rest = offset === 0 ? text : text.slice(offset);
        const lines = new LineIndex(rest, line);
        const startLine = this.start;
        const hint = this.hint();
        const format = this.format;
        const stopAt = this.reader.read(
          { text: rest, firstLine: line },
          (n, restart, ends) =>
            n !== startLine && (ends === true || startsAnotherDump(lines.raw(n), hint, restart ? undefined : format)),
        );
        if (stopAt === undefined) {
          // Counted, not indexed: the index is built only when a reader stops (rare), this runs every chunk.
          const counted = offset === 0 && newlines !== undefined ? newlines : countNewlines(rest);
          this.last = line + counted - (rest.endsWith('\n') ? 1 : 0);
          return;
        }
        this.last = stopAt - 1;
        this.close();
        offset += lines.offsetOf(stopAt);
        line = stopAt;
        continue;
      }
      const end = text.indexOf('\n', offset);
      const next = end < 0 ? text.length : end + 1;
      this.between(text.slice(offset, end < 0 ? text.length : end), line);
      if (!this.reader) {
        offset = next;
        line++;
      }
    }
  }

  /** The conntrack reader of the dump being read, for lines passed to it as bytes; undefined in any other dump. */
  conntrackReader(): ConntrackReader | undefined {
    return this.reader instanceof ConntrackReader ? this.reader : undefined;
  }

  /** Lines of `bytes` from `from` (line `line`) read by `reader`, which conntrackReader gave, as chunk reads them. */
  readBytes(reader: ConntrackReader, bytes: Uint8Array, from: number, line: number): BytesRead {
    const read = reader.readBytes(bytes, from, line);
    if (read.lines > 0) this.last = line + read.lines - 1;
    return read;
  }

  end(): void {
    if (this.reader) this.close();
    this.flushSkip();
  }

  private hint(): string {
    return this.command ?? this.nextCommand ?? this.path;
  }

  private between(raw: string, line: number): void {
    if (raw.trim() === '') return;
    const boundary = boundaryAt(raw);
    if (boundary) {
      if (boundary.kind === 'command') {
        this.nextCommand = boundary.command;
        this.nextHost = boundary.host;
      }
      this.otherOutput =
        boundary.kind === 'other-command'
          ? `output of \`${boundary.command}\`, a command nfwalk does not read`
          : undefined;
      return this.skipLine(line, boundary.reason, boundary.kind === 'foreign' ? boundary.dump : undefined);
    }
    const format = formatStartingAt(raw, this.nextCommand ?? this.path);
    // What another command printed can look like a dump whose first line is plain (`bridge link` as `ip addr`).
    if (!format || (this.otherOutput && !format.distinctive))
      return this.skipLine(line, this.otherOutput ?? 'not a dump nfwalk reads');
    this.flushSkip();
    this.reader = format.reader(this.path, this.nextCommand ?? this.path);
    this.format = format;
    this.start = line;
    this.last = line;
    this.command = this.nextCommand;
    this.host = this.nextHost;
    this.nextCommand = undefined;
    this.nextHost = undefined;
    this.otherOutput = undefined;
  }

  private close(): void {
    const body = this.reader!.finish();
    const { command, host } = this;
    this.sink.section({
      ...body,
      source: {
        path: this.path,
        startLine: this.start,
        endLine: Math.max(this.start, this.last),
        node: this.node,
        ...(command ? { command } : {}),
        ...(command && isPartial(command) ? { partial: true } : {}),
        ...(host ? { host } : {}),
      },
    } as Section);
    this.reader = undefined;
    this.command = undefined;
  }

  private skipLine(line: number, reason: string, foreign?: ForeignDump): void {
    if (this.skip && this.skip.reason === reason) {
      this.skip.endLine = line;
      return;
    }
    this.flushSkip();
    this.skip = { startLine: line, endLine: line, reason, ...(foreign ? { foreign } : {}) };
  }

  private flushSkip(): void {
    if (this.skip) this.sink.skipped({ path: this.path, node: this.node, ...this.skip });
    this.skip = undefined;
  }
}

/** Whether a line the reader cannot read starts something else: a boundary, or a dump not of format `current`. */
function startsAnotherDump(raw: string, hint: string, current: DumpFormat | undefined): boolean {
  if (raw.trim() === '') return false;
  if (boundaryAt(raw)) return true;
  const format = formatStartingAt(raw, hint);
  return format !== undefined && format !== current;
}

/** Line offsets of a chunk, built only when a reader asks about a line (rare: at the end of a dump). */
class LineIndex {
  private starts: number[] | undefined;

  constructor(
    private readonly text: string,
    private readonly firstLine: number,
  ) {}

  private index(): number[] {
    if (!this.starts) {
      this.starts = [0];
      for (let i = this.text.indexOf('\n'); i >= 0 && i + 1 < this.text.length; i = this.text.indexOf('\n', i + 1))
        this.starts.push(i + 1);
    }
    return this.starts;
  }

  offsetOf(line: number): number {
    return this.index()[line - this.firstLine] ?? this.text.length;
  }

  raw(line: number): string {
    const start = this.offsetOf(line);
    const end = this.text.indexOf('\n', start);
    return this.text.slice(start, end < 0 ? this.text.length : end);
  }
}
