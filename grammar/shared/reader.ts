/**
 * The contract between the segmenter (src/input) and each format's reader. A reader is fed line-aligned
 * chunks in order. When it meets a line it cannot read, it asks `stop` whether that line starts something
 * else (another dump, a prompt, a collector header); if so it returns that line's number and reads no
 * further, so the segmenter can hand the rest to another reader. Otherwise the line becomes a diagnostic.
 */
import type { Diagnostic } from '../../src/model/diagnostic';
import type { SectionBody } from '../../src/model/section';
import type { Chunk } from './chunks';

/**
 * Whether the dump ends at this line. A line that starts a dump of the reader's own format ends it only when
 * the reader says so (`restart`): a damaged conntrack line still looks like conntrack, a second ipvsadm title
 * or a repeated iptables table is a new dump. A line the reader knows is no part of its dump at all (prose or
 * a fence after a listing, not a damaged record) ends the dump whatever `stop` answers: the reader returns it,
 * never its own first line, and the segmenter classifies it like any line between dumps.
 */
export type StopAt = (line: number, restart?: boolean) => boolean;


export interface DumpReader<B extends SectionBody = SectionBody> {
  /** Reads the chunk; returns the number of the line where another dump starts, or undefined when all was read. */
  read(chunk: Chunk, stop: StopAt): number | undefined;
  finish(): B;
}

/** Diagnostics sorted by position, as every reader returns them. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** A dump format as the segmenter sees it: how a dump of it starts, and a reader for it. */
export interface DumpFormat {
  readonly name: string;
  /**
   * Whether a dump of this format can start at this line. `hint` is the command a prompt or collector header
   * named, or else the file's path; only formats whose content alone is ambiguous (a bare number) use it.
   */
  starts(line: string, hint: string): boolean;
  /** `hint` as for `starts`: the command or the file's path. */
  reader(path: string, hint: string): DumpReader;
}

/** A format's start lines as regexes, any of which recognises it. */
export function startsWithAny(patterns: readonly RegExp[]): (line: string) => boolean {
  return (line) => patterns.some((p) => p.test(line));
}
