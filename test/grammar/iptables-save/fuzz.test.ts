/** Truncated, mutated and binary input: never a throw; every problem has a line inside the input; every line accounted for. */
import test from 'ava';
import fc from 'fast-check';
import { parseIptablesSave } from '../../../grammar/iptables-save/index';
import { iptablesSaveDumps, readDump, readFixture } from '../../helpers/shared';

const corpus = iptablesSaveDumps().map(readDump);

function check(text: string): string | undefined {
  const r = parseIptablesSave(text, 'fuzz');
  const lineCount = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  for (const d of r.diagnostics) {
    if (!(d.line >= 1 && d.line <= Math.max(lineCount, 1)) || d.column < 1)
      return `diagnostic outside the input: ${JSON.stringify(d)}`;
  }
  const a = r.lines;
  const accounted = a.rules + a.chains + a.tables + a.commits + a.comments + a.blank + a.prompts + a.rejected;
  if (accounted !== lineCount) return `accounted for ${accounted} of ${lineCount} lines`;
  return undefined;
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom(
        '"',
        '!',
        '\n',
        '[1:2]',
        ' -m ',
        ' -j ',
        '\0',
        '\r\n',
        '*nat\n',
        ':X -\n',
        'COMMIT\n',
        '\u00a0',
        '🙂',
      ),
    ),
  }),
  fc.record({
    kind: fc.constant('bytes' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 30 }),
  }),
);

interface Mutation {
  kind: string;
  at: number;
  length?: number;
  text?: string;
  bytes?: Uint8Array;
}

function apply(text: string, muts: readonly Mutation[]): string {
  let s = text;
  for (const m of muts) {
    const at = s.length ? m.at % (s.length + 1) : 0;
    if (m.kind === 'truncate') s = s.slice(0, at);
    else if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + (m.length ?? 1));
    else if (m.kind === 'insert') s = s.slice(0, at) + (m.text ?? '') + s.slice(at);
    else s = s.slice(0, at) + Buffer.from(m.bytes!).toString('latin1') + s.slice(at);
  }
  return s;
}

test('mutated real dumps never throw and every problem names a line in the input', (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...corpus), fc.array(mutation, { minLength: 1, maxLength: 6 }), (text, muts) => {
      const problem = check(apply(text, muts));
      if (problem) throw new Error(problem);
    }),
    { numRuns: 300, seed: Number(process.env.NFWALK_SEED ?? 7) },
  );
  t.pass();
});

test('arbitrary binary and unicode input never throws', (t) => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b).toString('utf8')),
        fc.string({ unit: 'grapheme', maxLength: 500 }),
      ),
      (text) => {
        const problem = check(text);
        if (problem) throw new Error(problem);
      },
    ),
    { numRuns: 300, seed: Number(process.env.NFWALK_SEED ?? 7) },
  );
  t.pass();
});

test('every truncation point of a kube-proxy dump is handled', (t) => {
  const text = readFixture('iptables-save.txt');
  for (let at = 0; at <= text.length; at += 7) {
    const problem = check(text.slice(0, at));
    if (problem) t.fail(`truncated at ${at}: ${problem}`);
  }
  t.pass();
});
