import { IptablesSaveExtractor } from '../../grammar/iptables-save/extract';
import { parseChunk } from '../../grammar/iptables-save/parser';
import type { SyntaxLine } from '../../grammar/iptables-save/syntax';
import { lineChunks } from '../../grammar/shared/chunks';
import type { Family } from '../../src/model/values';

/** The dump read by the grammar alone: every line through parser.ts and the extractor. */
export function grammarOnly(text: string, path: string, family: Family) {
  const extractor = new IptablesSaveExtractor(path, family);
  for (const chunk of lineChunks(text)) {
    const lines: SyntaxLine[] = [];
    parseChunk(chunk, lines);
    extractor.feed(lines);
  }
  return extractor.finish();
}
