/**
 * Lines a terminal wrapped: a paste copied from a terminal W columns wide goes on over the next lines with each
 * record longer than W, cut at column W wherever that falls (inside a word too). The width is inferred from the
 * paste, and each cut record is joined back whole, without adding a space, so that the readers see the dump as it
 * was printed. Line numbers stay those of the input: a joined record stands on its first line, its continuations
 * become blank, and `place` maps a column of the joined record back to the line and column it was pasted at.
 */
import { boundaryAt } from './boundaries';
import { LISTING_COLUMNS, LISTING_RULE, isListingLine } from './listing-lines';

/** Dumps whose records get long enough to wrap, told apart by how a record starts. */
type Kind = 'iptables' | 'conntrack' | 'nft' | 'listing';

const CONNTRACK_ENTRY =
  /^(?:\[\d+\.\d+\]\s*)?\s*(?:\[[A-Z]+\]\s+)?(?:ipv[46]\s+\d+\s+)?(?:tcp|udp|udplite|icmp|icmpv6|sctp|dccp|gre|unknown)\s+\d+\s/;

/** How a record of each kind starts: a line that starts one continues nothing. */
const RECORD: Readonly<Record<Kind, RegExp>> = {
  // iptables-save and `iptables -S` (`-A`, `-N`, `-P`), conntrack's `-o save` (`-I`, `-D`) too.
  // A chain's declaration in full: a wrap cuts `--dport 1024:65535` before its colon too.
  iptables: /^(?:\[\d+:\d+\] |-[ADINPRXZ] |:\S+ \S+ \[\d+:\d+\]|\*\w+\s*$|COMMIT\s*$|#)/,
  conntrack: new RegExp(`${CONNTRACK_ENTRY.source}|^conntrack v\\d|^\\s*\\[\\d+\\.\\d+\\]`),
  // nft indents with tabs (spaces once a terminal expanded them); a cut before a space leaves one.
  nft: /^(?:\t| {2}|table |\}|#|flush |add |define |include )/,
  listing: new RegExp(`${LISTING_RULE.source}|${LISTING_COLUMNS.source}|^Chain \\S+ \\(`),
};

/** The first part of a record of each kind, as a line of its own. */
function kindOf(line: string): Kind | undefined {
  // `iptables-save -c` puts the rule's counters first.
  if (/^(?:\[\d+:\d+\] )?-[ADINP] \S/.test(line)) return 'iptables';
  if (CONNTRACK_ENTRY.test(line)) return 'conntrack';
  // Before nft's: a listing's rule without a target starts with the blank target column.
  if (isListingLine(line)) return 'listing';
  if (/^(?:\t| {8})[\t ]*\S/.test(line)) return 'nft';
  return undefined;
}

/** Terminal widths people use, where a single wrapped record is evidence enough. */
const COMMON_WIDTHS = new Set([80, 100, 120, 132, 160, 200, 220, 238, 240]);
/** Narrower than this, a line of a dump is too short to tell a width by. */
const NARROWEST = 40;
const TAB = 8;

/** How many terminal columns a line takes: a tab goes on to the next multiple of 8. */
function columns(line: string): number {
  if (!line.includes('\t')) return line.length;
  let width = 0;
  for (const c of line) width = c === '\t' ? (Math.floor(width / TAB) + 1) * TAB : width + 1;
  return width;
}

/** Whether `next` goes on with a record of `kind` that a terminal `width` columns wide cut before it. */
function continues(kind: Kind, next: string | undefined, width: number): boolean {
  if (next === undefined || next === '' || columns(next) > width) return false;
  // A listing pads its columns: the terminal wraps a record's trailing spaces onto a line of their own.
  if (next.trim() === '') return true;
  return !RECORD[kind].test(next) && !/^[$#] /.test(next) && boundaryAt(next) === undefined;
}

/**
 * The width of the terminal the text was copied from, if it shows one: the widest record of a dump, when records
 * that wide go on over the next line (two of them, or one at a common width followed by a record or a prompt: prose
 * right after a dump's last record is no continuation of it). Any wider record rules a width out.
 */
export function wrapWidth(text: string): number | undefined {
  const lines = text.split('\n');
  let widest = 0;
  for (const line of lines) if (kindOf(line)) widest = Math.max(widest, columns(line));
  if (widest < NARROWEST) return undefined;
  let cut = 0;
  let inside = false;
  for (let i = 0; i < lines.length - 1; i++) {
    const kind = kindOf(lines[i]!);
    if (!kind || columns(lines[i]!) !== widest || !continues(kind, lines[i + 1], widest)) continue;
    cut++;
    const after = lines[i + 2];
    inside ||= after !== undefined && (RECORD[kind].test(after) || boundaryAt(after) !== undefined);
  }
  return cut >= 2 || (inside && COMMON_WIDTHS.has(widest)) ? widest : undefined;
}

/** A record joined from lines a terminal wrapped: its first line, and the length of each piece in order. */
export interface JoinedRecord {
  readonly line: number;
  readonly pieces: readonly number[];
}

/**
 * Joins wrapped records in line-aligned chunks of a text, in order. A record that may go on in the next chunk is
 * held back until that chunk comes (or the end).
 */
export class WrapJoiner {
  /** Every record joined so far, by its first line. */
  readonly joined = new Map<number, JoinedRecord>();
  /** The record each continuation belongs to, by the continuation's line. */
  private readonly continuations = new Map<number, JoinedRecord>();
  private held = '';
  private heldLine = 0;

  constructor(readonly width: number) {}

  /** The chunk `text` (from line `firstLine`) with its wrapped records joined; what it holds back is left out. */
  join(text: string, firstLine: number): { text: string; firstLine: number } {
    return this.joinLines(text, firstLine, false);
  }

  /** What was held back at the end of the text, joined as far as it goes. */
  end(): { text: string; firstLine: number } {
    return this.joinLines('', this.heldLine, true);
  }

  private joinLines(text: string, firstLine: number, last: boolean): { text: string; firstLine: number } {
    const start = this.held === '' ? firstLine : this.heldLine;
    const lines = (this.held + text).split('\n');
    this.held = '';
    // A text that ends in a line end splits into an empty last element, which is no line.
    const count = lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
    for (let i = 0; i < count; i++) {
      const kind = kindOf(lines[i]!);
      if (!kind || !this.reaches(kind, lines[i]!, lines[i + 1])) continue;
      let end = i;
      while (
        end + 1 < count &&
        this.reaches(kind, lines[end]!, lines[end + 1]) &&
        continues(kind, lines[end + 1], this.width)
      )
        end++;
      // The record reaches the chunk's last line and may go on in the next chunk.
      if (!last && end + 1 === count && count < lines.length && this.full(lines[end]!)) {
        this.held = `${lines.slice(i, count).join('\n')}\n`;
        this.heldLine = start + i;
        return { text: i > 0 ? `${lines.slice(0, i).join('\n')}\n` : '', firstLine: start };
      }
      if (end === i) continue;
      // A piece short of the width lost the spaces the terminal cut at: copying trims a line's trailing spaces.
      const pieces = lines
        .slice(i, end + 1)
        .map((p, k) => (k < end - i ? p + ' '.repeat(Math.max(0, this.width - columns(p))) : p));
      lines[i] = pieces.join('');
      for (let k = i + 1; k <= end; k++) lines[k] = '';
      const record = { line: start + i, pieces: pieces.map((p) => p.length) };
      this.joined.set(record.line, record);
      for (let k = i + 1; k <= end; k++) this.continuations.set(start + k, record);
      i = end;
    }
    return { text: lines.join('\n'), firstLine: start };
  }

  /**
   * Whether a line of a record reached the terminal's last column, so that `next` may go on with it: it fills the
   * width; or, in a listing, whose columns are padded, a cut inside the padding lost all of it to the copy, and
   * `next` goes on with the padding left.
   */
  private reaches(kind: Kind, line: string, next: string | undefined): boolean {
    if (this.full(line)) return true;
    return kind === 'listing' && next !== undefined && /^\s+\S/.test(next) && !line.endsWith(' ');
  }

  /** Whether a line fills the terminal's width: to its last column, or to the one before, a space trimmed after it. */
  private full(line: string): boolean {
    const width = columns(line);
    return width === this.width || (width === this.width - 1 && !line.endsWith(' '));
  }

  /** The line of the last continuation of the record that line `line` is part of; `line` itself if none. */
  lastLineOf(line: number): number {
    const record = this.joined.get(line) ?? this.continuations.get(line);
    return record ? record.line + record.pieces.length - 1 : line;
  }

  /** Where column `column` of line `line` (as read) was pasted: on a continuation, for a joined record. */
  place(line: number, column: number): { line: number; column: number } {
    const record = this.joined.get(line);
    if (!record) return { line, column };
    let offset = column - 1;
    let piece = 0;
    while (piece < record.pieces.length - 1 && offset >= record.pieces[piece]!) offset -= record.pieces[piece++]!;
    return { line: line + piece, column: offset + 1 };
  }
}
