/** iptables-save / ip6tables-save: text → typed ruleset, with diagnostics and an account of every line. */
import type { Family } from '../../src/model/values';
import { lineChunks } from '../shared/chunks';
import { detectFamily } from './detect';
import { type Extraction, extractIptablesSave } from './extract';
import { parseChunk } from './parser';
import type { SyntaxLine } from './syntax';

export interface IptablesSaveParse extends Extraction {
  readonly kind: 'iptables-save' | 'ip6tables-save';
}

export function parseIptablesSave(text: string, path: string, family?: Family): IptablesSaveParse {
  const lines: SyntaxLine[] = [];
  for (const chunk of lineChunks(text)) parseChunk(chunk, lines);
  const f = family ?? detectFamily(lines);
  return { kind: f === 'ipv6' ? 'ip6tables-save' : 'iptables-save', ...extractIptablesSave(lines, path, f) };
}

export { printRuleset, printRule, printMatch, printTarget } from './print';
export type { LineAccount } from './extract';
