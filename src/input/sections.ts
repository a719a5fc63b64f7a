/** Turns inputs into sections of known formats: open the sources, align their text to lines, segment. */
import { CHUNK_SIZE, countNewlines } from '../../grammar/shared/chunks';
import type { Section, SkippedLines } from '../model/section';
import { detectLinePrefix, normaliseChunk } from './normalise';
import { Segmenter } from './segmenter';
import { openSources } from './sources';
import type { InputFailure, InputSource } from './text-input';

export interface FoundSections {
  readonly sections: readonly Section[];
  readonly skipped: readonly SkippedLines[];
  readonly failures: readonly InputFailure[];
}

export async function findSections(paths: readonly string[]): Promise<FoundSections> {
  const sections: Section[] = [];
  const skipped: SkippedLines[] = [];
  const failures: InputFailure[] = [];
  const sink = { section: (s: Section) => sections.push(s), skipped: (s: SkippedLines) => skipped.push(s) };
  for await (const source of openSources(paths, failures)) {
    try {
      await segmentSource(source, new Segmenter(source.path, source.node, sink), sink);
    } catch (e) {
      failures.push({ path: source.path, reason: (e as Error).message });
    }
  }
  return { sections, skipped, failures };
}

async function segmentSource(source: InputSource, segmenter: Segmenter, sink: { skipped(s: SkippedLines): void }): Promise<void> {
  let carry = '';
  let line = 1;
  let first = true;
  let prefix: RegExp | undefined;
  const feed = (aligned: string): boolean => {
    if (first && aligned.includes('\0')) {
      sink.skipped({ path: source.path, startLine: 1, endLine: 1, reason: 'binary content' });
      return false;
    }
    if (first) prefix = detectLinePrefix(aligned);
    let text = normaliseChunk(aligned, first);
    if (prefix) text = text.replace(prefix, '');
    first = false;
    segmenter.chunk({ text, firstLine: line });
    line += countNewlines(aligned);
    return true;
  };
  for await (const piece of source.chunks()) {
    carry += piece;
    if (carry.length < CHUNK_SIZE) continue;
    const cut = carry.lastIndexOf('\n');
    if (cut < 0) continue;
    if (!feed(carry.slice(0, cut + 1))) return;
    carry = carry.slice(cut + 1);
  }
  if (carry !== '' && !feed(carry)) return;
  segmenter.end();
}
