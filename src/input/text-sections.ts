/**
 * Turns text sources into sections of known formats: align their text to lines, unwrap, segment. Nothing here
 * touches a file system, so the paste page runs it in the browser; sections.ts opens paths for it.
 */
import { CHUNK_SIZE, type Chunk, countNewlines } from '../../grammar/shared/chunks';
import { groupBy } from '../model/group-by';
import { type FoundSections, type InputFailure, type Section, type SkippedLines, wrappedBy } from '../model/section';
import { detectLinePrefix, normaliseChunk } from './normalise';
import { Segmenter, type SegmentSink } from './segmenter';
import { WrapJoiner, wrapOf } from './line-wrap';
import { splitHosts } from './hosts';
import { splitSnapshots } from './snapshots';
import { Unwrapper } from './unwrap';
import type { InputSource } from './text-input';
import { SOS_CUT, isSosManifest, isSosTail, truncatedBySos } from './sos-manifest';

const NEWLINE = 10;

/**
 * Decodes text cut at line ends, never streaming: Node decodes UTF-8 so without ICU, several times faster. It strips
 * no byte order mark, as a decoder past the source's start does not.
 */
const ASCII = new TextDecoder('utf-8', { ignoreBOM: true });

/** Whether `bytes[from..to)` are all ASCII. */
function isAscii(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** The sections of sources already opened (files the browser was given, say); failures collects those that break. */
export async function findSectionsInSources(
  sources: AsyncIterable<InputSource>,
  failures: InputFailure[] = [],
): Promise<FoundSections> {
  const found = collector(failures);
  for await (const source of sources) {
    const aligner = new LineAligner(source.path, source.node, found.sink);
    try {
      if (isSosManifest(source.path)) {
        let text = '';
        for await (const piece of source.chunks()) text += piece;
        for (const path of truncatedBySos(source.path, text)) found.cut.add(path);
        aligner.push(text);
        aligner.end();
      } else if (source.bytes) {
        for await (const piece of source.bytes()) if (!aligner.pushBytes(piece)) break;
        aligner.endBytes();
      } else {
        for await (const piece of source.chunks()) if (!aligner.push(piece)) break;
        aligner.end();
      }
    } catch (e) {
      found.failures.push({ path: source.path, reason: (e as Error).message });
    }
  }
  return found.result();
}

/** The same for a text already in memory (a paste), named `path` and attributed to `node`. */
export function findSectionsInText(text: string, path = '<text>', node = path): FoundSections {
  const found = collector();
  const aligner = new LineAligner(path, node, found.sink);
  for (let i = 0; i < text.length && aligner.push(text.slice(i, i + CHUNK_SIZE)); i += CHUNK_SIZE);
  aligner.end();
  return found.result();
}

function collector(failures: InputFailure[] = []) {
  const sections: Section[] = [];
  const skipped: SkippedLines[] = [];
  /** Files their collector cut (sos's truncated outputs). */
  const cut = new Set<string>();
  const sink: SegmentSink = { section: (s) => sections.push(s), skipped: (s) => skipped.push(s) };
  return {
    sink,
    failures,
    cut,
    result: (): FoundSections => {
      const isCut = (path: string) => cut.has(path) || isSosTail(path);
      const marked = sections.some((s) => isCut(s.source.path))
        ? sections.map((s) => (isCut(s.source.path) ? { ...s, source: { ...s.source, cut: SOS_CUT } } : s))
        : sections;
      const split = splitSnapshots(splitHosts(marked));
      return { sections: split, skipped: skippedOfNodes(skipped, split), failures };
    },
  };
}

/** Skipped lines belong to the node of the dump before them in their file (or, before any, after them). */
function skippedOfNodes(skipped: readonly SkippedLines[], sections: readonly Section[]): SkippedLines[] {
  const byPath = groupBy(sections, (s) => s.source.path);
  return skipped.map((k) => {
    const inFile = byPath.get(k.path);
    if (!inFile?.some((s) => s.source.node !== k.node)) return k;
    const owner = inFile.findLast((s) => s.source.startLine <= k.startLine) ?? inFile[0]!;
    return { ...k, node: owner.source.node };
  });
}

/**
 * Cuts pieces of text at line ends into chunks of about CHUNK_SIZE, normalises them and feeds the segmenter.
 *
 * A source's bytes (pushBytes) are joined and cut at line ends before they are decoded while they are ASCII, into
 * the chunks push would cut from their text (a character is a byte): no string of carry and piece to flatten, and
 * a decode without streaming, which Node does several times faster. The first byte that is not ASCII sends the rest
 * of the source to the decoder and push, as every byte went before. Inside a conntrack dump, from a piece that
 * ends in ASCII after its last line end, the bytes are cut at line ends, and the conntrack reader reads the lines
 * it can from the bytes themselves (ConntrackReader.readBytes: plain entries, which normalising, a line prefix and
 * unwrapping leave as they are); every other line is decoded and read as text, as before. Big tables so skip the
 * decoding, the copies and the scans of the text path.
 */
class LineAligner {
  private carry = '';
  private line = 1;
  private first = true;
  private prefix: RegExp | undefined;
  private binary = false;
  private readonly unwrapper = new Unwrapper();
  /** Decodes what is not cut as ASCII: a fresh one strips a byte order mark at the source's start. */
  private decoder = new TextDecoder('utf-8');
  /** Whether the source's bytes so far were ASCII, cut by cutAscii, and are not yet handed to the decoder. */
  private ascii = true;
  /** Whether the source is cut as bytes from here on (else decoded and pushed as text). */
  private asBytes = false;
  /** Where bytes are joined and cut, reused: its first `carried` bytes are a line not yet ended. */
  private work = new Uint8Array(2 * CHUNK_SIZE);
  private carried = 0;
  /** Joins the records a paste wrapped, when its first chunk shows a wrap. */
  private wrap: WrapJoiner | undefined;
  private readonly segmenter: Segmenter;

  constructor(
    private readonly path: string,
    private readonly node: string,
    private readonly sink: SegmentSink,
  ) {
    this.segmenter = new Segmenter(path, node, {
      section: (s) => sink.section(this.placed(s)),
      skipped: (k) => sink.skipped(k),
    });
  }

  /** False once the source turned out not to be text; the rest of it is not worth reading. */
  push(piece: string): boolean {
    this.carry += piece;
    if (this.carry.length < CHUNK_SIZE) return true;
    const cut = this.carry.lastIndexOf('\n');
    if (cut < 0) return true;
    const aligned = this.carry.slice(0, cut + 1);
    this.carry = this.carry.slice(cut + 1);
    return this.feed(aligned);
  }

  /** A piece of the source's bytes; false as push. The piece is not kept: its producer may reuse it. */
  pushBytes(piece: Uint8Array): boolean {
    if (this.ascii) return this.cutAscii(piece);
    if (!this.asBytes) {
      if (!this.push(this.decoder.decode(piece, { stream: true }))) return false;
      this.asBytes = this.cutAsBytesAfter(piece);
      return true;
    }
    const length = this.joined(piece);
    const cut = length < CHUNK_SIZE ? -1 : this.work.lastIndexOf(NEWLINE, length - 1);
    if (cut < 0) {
      this.carried = length;
      return true;
    }
    this.feedBytes(this.work.subarray(0, cut + 1), false);
    this.work.copyWithin(0, cut + 1, length);
    this.carried = length - cut - 1;
    return true;
  }

  /** `work`'s carried bytes and then the piece's; their length. */
  private joined(piece: Uint8Array): number {
    const length = this.carried + piece.length;
    if (length > this.work.length) {
      const wider = new Uint8Array(2 * length);
      wider.set(this.work.subarray(0, this.carried));
      this.work = wider;
    }
    this.work.set(piece, this.carried);
    return length;
  }

  /**
   * pushBytes while the bytes are ASCII: the carried bytes and the piece are fed up to their last line end, as push
   * would feed their text, when that is a chunk's worth and ASCII, and the rest after it is ASCII too (carried).
   * Anything else (no line end in a chunk's worth, a byte above 127) gives the carried bytes and the piece to the
   * decoder and push, whose state is then what it would have been had every byte gone there.
   */
  private cutAscii(piece: Uint8Array): boolean {
    const before = this.carried;
    const length = this.joined(piece);
    // Less than a chunk, which push would keep: kept as bytes, the source's last piece above all.
    if (length < CHUNK_SIZE && isAscii(this.work, before, length)) {
      this.carried = length;
      return true;
    }
    const cut = length < CHUNK_SIZE ? -1 : this.work.lastIndexOf(NEWLINE, length - 1);
    const text = cut < 0 ? '' : ASCII.decode(this.work.subarray(0, cut + 1));
    // One character per byte, none of them U+FFFD (what a byte above 127 alone decodes to): all ASCII.
    if (cut < 0 || text.length !== cut + 1 || text.includes('\ufffd') || !isAscii(this.work, cut + 1, length)) {
      this.ascii = false;
      this.carried = 0;
      return this.pushBytes(this.work.subarray(0, length));
    }
    // Past the source's start, push's decoder would strip no byte order mark.
    if (this.first) this.decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    this.work.copyWithin(0, cut + 1, length);
    this.carried = length - cut - 1;
    if (!this.feed(text)) return false;
    // As cutAsBytesAfter: when the piece held the last line end, its ASCII rest is carried, and the decoder holds nothing.
    if (cut >= before && this.readsBytes()) {
      this.ascii = false;
      this.asBytes = true;
    }
    return true;
  }

  endBytes(): void {
    if (this.ascii) {
      if (this.carried > 0 && !this.binary) this.push(ASCII.decode(this.work.subarray(0, this.carried)));
    } else if (!this.asBytes) {
      const rest = this.decoder.decode();
      if (rest !== '' && !this.binary) this.push(rest);
    } else if (this.carried > 0) this.feedBytes(this.work.subarray(0, this.carried), true);
    this.end();
  }

  /**
   * After `piece` was decoded and pushed: whether the source is to be cut as bytes from here on, i.e. the text is
   * inside a conntrack dump and push has just fed everything up to the piece's last line end, leaving as its carry
   * the piece's ASCII rest (so the decoder holds nothing either). If so, that rest is carried as bytes.
   */
  private cutAsBytesAfter(piece: Uint8Array): boolean {
    if (!this.readsBytes()) return false;
    const rest = piece.subarray(piece.lastIndexOf(NEWLINE) + 1);
    if (rest.length === piece.length || this.carry.length !== rest.length) return false;
    for (const b of rest) if (b >= 0x80) return false;
    this.carry = '';
    if (rest.length > this.work.length) this.work = new Uint8Array(2 * rest.length);
    this.work.set(rest);
    this.carried = rest.length;
    return true;
  }

  /** Whether lines may go to the conntrack reader as bytes: inside a conntrack dump, no line prefix to strip, no wrap. */
  private readsBytes(): boolean {
    return (
      !this.first &&
      !this.binary &&
      this.prefix === undefined &&
      this.wrap === undefined &&
      this.segmenter.conntrackReader() !== undefined
    );
  }

  /** Line-aligned bytes: the lines the conntrack reader takes as they are, the others as text. */
  private feedBytes(bytes: Uint8Array, last: boolean): void {
    let from = 0;
    while (from < bytes.length) {
      const reader = this.readsBytes() ? this.segmenter.conntrackReader() : undefined;
      if (!reader) return this.feedDecoded(bytes.subarray(from), last);
      const read = this.segmenter.readBytes(reader, bytes, from, this.line);
      if (read.lines > 0) {
        this.line += read.lines;
        this.unwrapper.passPlainLines();
      }
      from = read.to;
      if (from === bytes.length) return;
      const to = reader.bytesLeftFrom(bytes, from);
      this.feedDecoded(bytes.subarray(from, to), last && to === bytes.length);
      from = to;
    }
  }

  /** Line-aligned bytes read as text; the source's last bytes flush the decoder (an unfinished character). */
  private feedDecoded(bytes: Uint8Array, last: boolean): void {
    const text = last ? this.decoder.decode(bytes) : this.decoder.decode(bytes, { stream: true });
    if (text !== '') this.feed(text);
  }

  end(): void {
    if (this.binary) return;
    if (this.carry !== '' && !this.feed(this.carry)) return;
    if (this.wrap) {
      const rest = this.wrap.end();
      if (rest.text !== '') this.segmenter.chunk(rest);
      for (const { line, pieces } of this.wrap.joined.values())
        this.sink.skipped({
          path: this.path,
          node: this.node,
          startLine: line + 1,
          endLine: line + pieces.length - 1,
          reason: `continuations of records ${wrappedBy(this.wrap.wrap)}, read as part of the line before`,
          wrap: this.wrap.wrap,
        });
    }
    this.segmenter.end();
  }

  private feed(aligned: string): boolean {
    if (this.first && aligned.includes('\0')) {
      this.binary = true;
      this.sink.skipped({ path: this.path, node: this.node, startLine: 1, endLine: 1, reason: 'binary content' });
      return false;
    }
    if (this.first) this.prefix = detectLinePrefix(aligned);
    let text = normaliseChunk(aligned, this.first);
    if (this.prefix) text = text.replace(this.prefix, '');
    text = this.unwrapper.unwrap(text);
    if (this.first) {
      const wrap = wrapOf(text);
      if (wrap !== undefined) this.wrap = new WrapJoiner(wrap);
    }
    this.first = false;
    const lines = countNewlines(aligned);
    // Mostly nothing was undone: the segmenter need not count the same line ends again.
    this.read({ text, firstLine: this.line }, text === aligned ? lines : undefined);
    this.line += lines;
    return true;
  }

  /** Unwrapped text to the segmenter, its wrapped records joined first; `lines` its line ends, when known. */
  private read(chunk: Chunk, lines: number | undefined): void {
    const joined = this.wrap ? this.wrap.join(chunk.text, chunk.firstLine) : chunk;
    if (joined.text !== '') this.segmenter.chunk(joined, joined.text === chunk.text ? lines : undefined);
  }

  /**
   * A section placed where the paste has it: past a wrap, its diagnostics on the continuations, and its last line
   * that of its last record's last continuation, which the section read.
   */
  private placed(section: Section): Section {
    const wrap = this.wrap;
    if (!wrap || wrap.joined.size === 0) return section;
    const endLine = wrap.lastLineOf(section.source.endLine);
    const placedSection =
      endLine === section.source.endLine ? section : { ...section, source: { ...section.source, endLine } };
    if (!section.diagnostics.some((d) => wrap.joined.has(d.line))) return placedSection;
    return {
      ...placedSection,
      diagnostics: section.diagnostics.map((d) => ({ ...d, ...wrap.place(d.line, d.column) })),
    };
  }
}
