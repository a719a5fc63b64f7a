/** Mutated, truncated and binary input through every reader: no crash, and every problem has a line in range. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import { findSectionsInText } from '../../src/input/sections';
import { readFixture, repoRoot } from '../helpers/shared';

const corpus = [
  ...['conntrack-L-o-extended.txt', 'conntrack-L-o-id.txt', 'conntrack-L-o-save.txt', 'proc-net-nf_conntrack.txt'].map(
    readFixture,
  ),
  ...[
    'incident-node/conntrack-S.txt',
    'kube-node-ipvs.proc-net-ip_vs.txt',
    'kube-node-ipvs.ipvsadm.txt',
    'kube-node-ipvs.ipset.txt',
    'kube-node-ipvs.ip.txt',
    'kube-node-ipvs.sysctl.txt',
  ].map((f) => readFileSync(join(repoRoot, 'samples', f), 'utf8')),
].join('\n');
const lines = corpus.split('\n');

const mutated = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: lines.length - 1 }).map((i) => lines[i]!),
      fc
        .tuple(fc.integer({ min: 0, max: lines.length - 1 }), fc.nat())
        .map(([i, cut]) => lines[i]!.slice(0, cut % (lines[i]!.length + 1))),
      fc
        .tuple(fc.integer({ min: 0, max: lines.length - 1 }), fc.nat(), fc.string({ maxLength: 4 }))
        .map(([i, at, s]) => {
          const l = lines[i]!;
          const p = at % (l.length + 1);
          return l.slice(0, p) + s + l.slice(p + 1);
        }),
      fc.string({ unit: 'binary', maxLength: 40 }),
    ),
    { maxLength: 60 },
  )
  .map((ls) => ls.join('\n'));

test('mutated dumps of every format: no crash, diagnostics and skipped lines within the input', (t) => {
  fc.assert(
    fc.property(mutated, (text) => {
      const total = text.split('\n').length;
      const { sections, skipped } = findSectionsInText(text, 'fuzz');
      for (const s of sections) {
        if (s.source.startLine < 1 || s.source.endLine > total) return false;
        for (const d of s.diagnostics)
          if (d.line < s.source.startLine || d.line > s.source.endLine || d.column < 1) return false;
      }
      return skipped.every((k) => k.startLine >= 1 && k.endLine <= total);
    }),
    { numRuns: 400 },
  );
  t.pass();
});
