/**
 * Turns text sources into sections of known formats: align their text to lines, unwrap, segment. Nothing here
 * touches a file system, so the paste page runs it in the browser; sections.ts opens paths for it.
 */
import { CHUNK_SIZE, countNewlines } from '../../grammar/shared/chunks';
import { groupBy } from '../model/group-by';
import type { FoundSections, InputFailure, Section, SkippedLines } from '../model/section';
import { detectLinePrefix, normaliseChunk } from './normalise';
import { Segmenter, type SegmentSink } from './segmenter';
import { splitHosts } from './hosts';
import { splitSnapshots } from './snapshots';
import { Unwrapper } from './unwrap';
import type { InputSource } from './text-input';

/** The sections of sources already opened (files the browser was given, say); failures collects those that break. */
export async function findSectionsInSources(
  sources: AsyncIterable<InputSource>,
  failures: InputFailure[] = [],
): Promise<FoundSections> {
  const found = collector(failures);
  for await (const source of sources) {
    const aligner = new LineAligner(
      source.path,
      source.node,
      new Segmenter(source.path, source.node, found.sink),
      found.sink,
    );
    try {
      for await (const piece of source.chunks()) if (!aligner.push(piece)) break;
      aligner.end();
    } catch (e) {
      found.failures.push({ path: source.path, reason: (e as Error).message });
    }
  }
  return found.result();
}

/** The same for a text already in memory (a paste), named `path` and attributed to `node`. */
export function findSectionsInText(text: string, path = '<text>', node = path): FoundSections {
  const found = collector();
  const aligner = new LineAligner(path, node, new Segmenter(path, node, found.sink), found.sink);
  for (let i = 0; i < text.length && aligner.push(text.slice(i, i + CHUNK_SIZE)); i += CHUNK_SIZE);
  aligner.end();
  return found.result();
}

function collector(failures: InputFailure[] = []) {
  const sections: Section[] = [];
  const skipped: SkippedLines[] = [];
  const sink: SegmentSink = { section: (s) => sections.push(s), skipped: (s) => skipped.push(s) };
  return {
    sink,
    failures,
    result: (): FoundSections => {
      const split = splitSnapshots(splitHosts(sections));
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

/** Cuts pieces of text at line ends into chunks of about CHUNK_SIZE, normalises them and feeds the segmenter. */
class LineAligner {
  private carry = '';
  private line = 1;
  private first = true;
  private prefix: RegExp | undefined;
  private binary = false;
  private readonly unwrapper = new Unwrapper();

  constructor(
    private readonly path: string,
    private readonly node: string,
    private readonly segmenter: Segmenter,
    private readonly sink: SegmentSink,
  ) {}

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

  end(): void {
    if (this.binary) return;
    if (this.carry !== '' && !this.feed(this.carry)) return;
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
    this.first = false;
    this.segmenter.chunk({ text, firstLine: this.line });
    this.line += countNewlines(aligned);
    return true;
  }
}
