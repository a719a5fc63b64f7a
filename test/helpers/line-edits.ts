import fc from 'fast-check';

/** One small edit of a dump's line: what a paste, a terminal or a truncated file does to it. */
export type LineEdit =
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'append'; text: string }
  | { kind: 'cut'; at: number };

/** Edits that insert one of `inserts` anywhere, append one of `appends`, delete a few characters or cut at a word. */
export function lineEdit(inserts: readonly string[], appends: readonly string[]): fc.Arbitrary<LineEdit> {
  return fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 6 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...inserts) }),
    fc.record({ kind: fc.constant('append' as const), text: fc.constantFrom(...appends) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  );
}

/** `line` after `edits`, in order; positions wrap around the line as it is at each edit. */
export function applyEdits(line: string, edits: readonly LineEdit[]): string {
  let edited = line;
  for (const e of edits) {
    if (e.kind === 'append') {
      edited += e.text;
      continue;
    }
    const at = e.at % (edited.length + 1);
    if (e.kind === 'delete') edited = edited.slice(0, at) + edited.slice(at + e.length);
    else if (e.kind === 'insert') edited = edited.slice(0, at) + e.text + edited.slice(at);
    else edited = edited.slice(0, Math.max(0, edited.lastIndexOf(' ', at)));
  }
  return edited;
}
