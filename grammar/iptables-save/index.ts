/** iptables-save / ip6tables-save: text → typed ruleset, with diagnostics and an account of every line. */
import type { Family } from '../../src/model/values';
import { lineChunks } from '../shared/chunks';
import { detectFamily } from './detect';
import { type Extraction, IptablesSaveExtractor } from './extract';
import { parseChunk } from './parser';
import type { SyntaxLine } from './syntax';

export interface IptablesSaveParse extends Extraction {
  readonly kind: 'iptables-save' | 'ip6tables-save';
}

export function parseIptablesSave(text: string, path: string, family?: Family): IptablesSaveParse {
  const f = family ?? detectFamily(text);
  const extractor = new IptablesSaveExtractor(path, f);
  // Chunk by chunk: a chunk's syntax records are consumed before the next chunk is parsed.
  const lines: SyntaxLine[] = [];
  for (const chunk of lineChunks(text)) {
    parseChunk(chunk, lines);
    extractor.feed(lines);
    lines.length = 0;
  }
  return { kind: f === 'ipv6' ? 'ip6tables-save' : 'iptables-save', ...extractor.finish() };
}

export { printRuleset, printRule, printMatch, printTarget } from './print';
export type { LineAccount } from './extract';
