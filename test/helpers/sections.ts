/** Sections of a text, found the way the CLI finds them, with typed access by kind. */
import { findSectionsInText } from '../../src/input/sections';
import { type NodeDumps, nodesOfInputs } from '../../src/model/node';
import type { Section } from '../../src/model/section';

export function sectionsOf(text: string, path = 'test.txt'): ReturnType<typeof findSectionsInText> {
  return findSectionsInText(text, path);
}

export function only<K extends Section['kind']>(
  text: string,
  kind: K,
  path = 'test.txt',
): Extract<Section, { kind: K }> {
  const { sections } = sectionsOf(text, path);
  const found = sections.filter((s): s is Extract<Section, { kind: K }> => s.kind === kind);
  if (found.length !== 1 || sections.length !== 1)
    throw new Error(`expected one ${kind} section in ${path}, got ${sections.map((s) => s.kind).join(', ') || 'none'}`);
  return found[0]!;
}

export function errorsOf(s: Section): string[] {
  return s.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.column}: ${d.message}`);
}

/** The nodes of a test paste named `n1.txt` (node `n1`); a test dump that nfwalk cannot read fully is a broken test. */
export function nodesOfText(text: string): NodeDumps[] {
  const found = findSectionsInText(text, 'n1.txt', 'n1');
  const diagnostics = found.sections.flatMap((s) => s.diagnostics);
  if (diagnostics.length) throw new Error(`test dump has diagnostics: ${JSON.stringify(diagnostics.slice(0, 3))}`);
  return nodesOfInputs(found.sections);
}
