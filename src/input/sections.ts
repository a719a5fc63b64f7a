/** Turns input texts into sections of known formats. */
import { parseIptablesSave } from '../../grammar/iptables-save/index';
import { countNewlines } from '../../grammar/shared/chunks';
import type { Section } from '../model/section';
import { detectDump } from './detect';
import type { TextInput } from './text-input';

export interface Unrecognised {
  readonly path: string;
  readonly reason: string;
}

export interface SectionsResult {
  readonly sections: readonly Section[];
  readonly unrecognised: readonly Unrecognised[];
}

export function findSections(inputs: readonly TextInput[]): SectionsResult {
  const sections: Section[] = [];
  const unrecognised: Unrecognised[] = [];
  for (const input of inputs) {
    const kind = detectDump(input.text);
    if (!kind) {
      unrecognised.push({ path: input.path, reason: 'no dump of a known format found' });
      continue;
    }
    const parsed = parseIptablesSave(input.text, input.path);
    const endLine = countNewlines(input.text) + (input.text.endsWith('\n') || input.text === '' ? 0 : 1);
    sections.push({
      kind: parsed.kind,
      source: { path: input.path, startLine: 1, endLine },
      records: parsed.lines.rules,
      diagnostics: parsed.diagnostics,
      ruleset: parsed.ruleset,
    });
  }
  return { sections, unrecognised };
}
