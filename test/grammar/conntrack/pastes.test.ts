/**
 * conntrack listings as people paste them (issue #22, classes 7 and 11), made from the kernel's own output in
 * shared/captures: lines that lost their first column, prose after the listing, anonymised addresses. What a
 * damaged line can still say is read, with a warning at its line and column; what it cannot is an error; a
 * line of prose ends the dump; nothing is read wrong in silence.
 */
import type { ConntrackEntry } from '../../../src/model/conntrack';
import type { Section } from '../../../src/model/section';
import { errorsOf, only, sectionsOf } from '../../helpers/sections';
import { readShared, sharedAvailable, sharedTest } from '../../helpers/shared';

type Conntrack = Extract<Section, { kind: 'conntrack' }>;
const conntrack = (text: string) => sectionsOf(text).sections.filter((s): s is Conntrack => s.kind === 'conntrack');
/** An entry without where it was read, to compare the same flow read from two texts. */
const flow = ({ line: _line, ...rest }: ConntrackEntry) => rest;

// The expectations below are the team's captures' (../shared/captures): without them the tests skip.
const plain = sharedAvailable ? readShared('captures/conntrack-L.txt').trimEnd().split('\n') : [];
const entryLines = plain.filter((l) => l.includes('src='));
const proc = sharedAvailable ? readShared('captures/proc-net-nf_conntrack.txt').trimEnd().split('\n') : [];
const cleanEntries = sharedAvailable ? only(`${entryLines.join('\n')}\n`, 'conntrack').entries : [];

sharedTest(
  'class 7: a conntrack line that lost its protocol name is read from its number, with a warning at its column',
  (t) => {
    const cutNames = entryLines.map((l) => l.replace(/^[a-z0-9]+\s+/, ''));
    t.true(
      cutNames.some((l) => l.startsWith('6 ')) &&
        cutNames.some((l) => l.startsWith('17 ')) &&
        cutNames.some((l) => l.startsWith('1 ')),
    );
    const s = only(`${cutNames.join('\n')}\n`, 'conntrack');
    t.deepEqual(errorsOf(s), []);
    t.deepEqual(s.entries.map(flow), cleanEntries.map(flow));
    const warnings = s.diagnostics.filter((d) => d.severity === 'warning');
    t.deepEqual(
      warnings.map((d) => [d.line, d.column]),
      cutNames.map((_, i) => [i + 1, 1]),
    );
    t.regex(warnings[0]!.message, /protocol name is missing; read as tcp from its number 6/);
  },
);

sharedTest(
  'class 7: the /proc form (`ipv4     2 6 431981 …`) that lost its protocol name is read the same way',
  (t) => {
    const clean = only(`${proc.join('\n')}\n`, 'conntrack');
    const cut = proc.map((l) => l.replace(/^(ipv[46]\s+\d+\s+)[a-z0-9]+\s+/, '$1'));
    const s = only(`${cut.join('\n')}\n`, 'conntrack');
    t.deepEqual(errorsOf(s), []);
    t.deepEqual(s.entries.map(flow), clean.entries.map(flow));
    t.deepEqual(
      s.diagnostics.map((d) => [d.severity, d.line, d.column]),
      cut.map((l, i) => ['warning', i + 1, /^ipv[46]\s+\d+\s+/.exec(l)![0].length + 1]),
    );
  },
);

sharedTest(
  'class 7: a conntrack line cut anywhere before its tuples is read as it was, or is an error; never read wrong in silence',
  (t) => {
    let repaired = 0;
    let refused = 0;
    entryLines.forEach((line, i) => {
      for (let cut = 1; cut < line.indexOf(' src='); cut++) {
        // After a whole line, so the cut line is read inside the dump whatever it starts with.
        const [s] = conntrack(`${entryLines[(i + 1) % entryLines.length]}\n${line.slice(cut)}\n`);
        const cutEntry = s!.entries.find((e) => e.line === 2);
        const errors = s!.diagnostics.filter((d) => d.line === 2 && d.severity === 'error');
        if (cutEntry) {
          t.deepEqual(flow(cutEntry), flow(cleanEntries[i]!), `${cut}: ${line}`);
          t.true(
            cut < line.indexOf(' ') || s!.diagnostics.some((d) => d.line === 2 && d.severity === 'warning'),
            `a repair is said: ${line.slice(cut)}`,
          );
          repaired++;
        } else {
          t.is(errors.length, 1, `${cut}: ${line}`);
          t.true(errors[0]!.column >= 1);
          refused++;
        }
      }
    });
    t.true(repaired > 50 && refused > 50, `${repaired} read, ${refused} refused`);
  },
);

sharedTest('class 7: prose after a conntrack listing ends the dump and is skipped, not a bad entry', (t) => {
  const prose = 'As you can see the entries to 10.96.0.10 are still there.';
  const { sections, skipped } = sectionsOf(`$ conntrack -L\n${plain.join('\n')}\n${prose}\n`);
  t.is(sections.length, 1);
  t.deepEqual(errorsOf(sections[0]!), []);
  t.is(sections[0]!.records, entryLines.length);
  t.is(sections[0]!.source.endLine, plain.length + 1);
  t.deepEqual(
    skipped.filter((s) => s.reason === 'not a dump nfwalk reads').map((s) => [s.startLine, s.endLine]),
    [[plain.length + 2, plain.length + 2]],
  );
});

sharedTest(
  'class 7: prose between two listings (before and after) ends the first; the second is read on its own',
  (t) => {
    const half = Math.floor(entryLines.length / 2);
    const text = [
      ...entryLines.slice(0, half),
      'After deleting the coredns pod the table still had these:',
      'conntrack -L output below',
      ...entryLines.slice(half),
      'Any idea why?',
    ].join('\n');
    const { sections, skipped } = sectionsOf(`${text}\n`);
    t.deepEqual(
      sections.map((s) => [s.kind, s.records, errorsOf(s).length]),
      [
        ['conntrack', half, 0],
        ['conntrack', entryLines.length - half, 0],
      ],
    );
    t.deepEqual(
      skipped.map((s) => [s.startLine, s.endLine, s.reason]),
      [
        [half + 1, half + 2, 'not a dump nfwalk reads'],
        [entryLines.length + 3, entryLines.length + 3, 'not a dump nfwalk reads'],
      ],
    );
  },
);

sharedTest(
  'class 11: anonymised conntrack addresses keep the entry, with the address unknown and one warning at its column',
  (t) => {
    const hide: readonly [RegExp, string][] = [
      [/=172\.31\.0\.10\b/g, '=x.x.x.x'],
      [/src=10\.244\.1\.1 /g, 'src=10.x.x.x '],
      [/=fd00:244:1::1\b/g, '=xxxx:xxxx::x'],
      [/dst=10\.244\.1\.6\b/g, 'dst=<pod-ip>'],
    ];
    const anonymised = entryLines.map((l) => hide.reduce((line, [from, to]) => line.replace(from, to), l));
    const s = only(`$ conntrack -L\n${anonymised.join('\n')}\n`, 'conntrack');
    t.deepEqual(errorsOf(s), []);
    t.is(s.records, entryLines.length);
    const hidden = anonymised.map((l, i) => l !== entryLines[i]);
    t.deepEqual(
      s.entries.map((e) => e.anonymised === true),
      hidden,
    );
    // Each address is the clean one, or the placeholder the paste put in its place.
    s.entries.forEach((e, i) => {
      const clean = cleanEntries[i]!;
      t.is(e.family, clean.family);
      for (const [got, was] of [
        [e.orig.src, clean.orig.src],
        [e.orig.dst, clean.orig.dst],
        [e.reply.src, clean.reply.src],
        [e.reply.dst, clean.reply.dst],
      ] as const) {
        if (got !== was) t.true(['x.x.x.x', '10.x.x.x', 'xxxx:xxxx::x', '<pod-ip>'].includes(got), `${got} for ${was}`);
      }
      t.deepEqual(
        { ...flow(e), orig: clean.orig, reply: clean.reply, anonymised: undefined },
        { ...flow(clean), anonymised: undefined },
      );
    });
    const warnings = s.diagnostics.filter((d) => d.severity === 'warning');
    const first = hidden.indexOf(true);
    const placeholder = /=(x\.x\.x\.x|10\.x\.x\.x|xxxx:xxxx::x|<pod-ip>)/.exec(anonymised[first]!)!;
    t.deepEqual(
      warnings.map((d) => [d.line, d.column]),
      [[first + 2, placeholder.index + 2]],
    );
    t.true(warnings[0]!.message.includes(`${hidden.filter(Boolean).length} entries have anonymised addresses`));
  },
);

sharedTest('class 11: what is not a placeholder is still an error with its column', (t) => {
  const line = entryLines[0]!.replace('dst=10.244.1.6', 'dst=10.244.1.666');
  const s = only(`${line}\n${entryLines[1]}\n`, 'conntrack');
  t.deepEqual(errorsOf(s), [`1:${line.indexOf('dst=10.244.1.666') + 1}: dst= needs an IP address, got '10.244.1.666'`]);
  t.is(s.records, 1);
});
