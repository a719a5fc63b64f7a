/** Sections of a text, found the way the CLI finds them, with typed access by kind. */
import { findSectionsInText } from '../../src/input/sections';
import type { Section } from '../../src/model/section';

export function sectionsOf(text: string, path = 'test.txt'): ReturnType<typeof findSectionsInText> {
  return findSectionsInText(text, path);
}

export function only<K extends Section['kind']>(text: string, kind: K, path = 'test.txt'): Extract<Section, { kind: K }> {
  const { sections } = sectionsOf(text, path);
  const found = sections.filter((s): s is Extract<Section, { kind: K }> => s.kind === kind);
  if (found.length !== 1 || sections.length !== 1) throw new Error(`expected one ${kind} section in ${path}, got ${sections.map((s) => s.kind).join(', ') || 'none'}`);
  return found[0]!;
}

export function errorsOf(s: Section): string[] {
  return s.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.column}: ${d.message}`);
}
