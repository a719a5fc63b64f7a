/**
 * Anonymised conntrack entries (issue #22, class 11) in the analyses: the incident sample's table with some
 * addresses replaced as people do before pasting (`10.x.x.x`, `x.x.x.x`, `<node-ip>`). Such an entry is
 * counted but never judged: stale leaves it undecided, capacity names no placeholder as a source or
 * destination, services counts no connection to a hidden endpoint.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { analyzeCapacity } from '../../../src/analyses/capacity/index';
import { analyzeStale } from '../../../src/analyses/stale/index';
import { findSectionsInText } from '../../../src/input/sections';
import { nodesOfInputs } from '../../../src/model/node';
import { repoRoot } from '../../helpers/shared';

const dir = join(repoRoot, 'samples', 'incident-node');
const files = readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')] as const);
const table = files.find(([f]) => f === 'conntrack-L.txt')![1];
const nodeWith = (conntrack: string) =>
  nodesOfInputs(
    files.flatMap(
      ([f, text]) => findSectionsInText(f === 'conntrack-L.txt' ? conntrack : text, f, 'incident-node').sections,
    ),
  );

/** The table with the addresses of the lines in `hidden` (1-based) anonymised as a paste would. */
function anonymise(hidden: ReadonlySet<number>): string {
  return table
    .split('\n')
    .map((l, i) =>
      hidden.has(i + 1)
        ? l.replace(/src=10\.244\.\d+\.\d+/, 'src=10.x.x.x').replace(/dst=10\.96\.\d+\.\d+/, 'dst=x.x.x.x')
        : l,
    )
    .join('\n');
}

const clean = analyzeStale(nodeWith(table));
const staleLines = clean.stale.map((s) => s.line);

test('class 11: stale leaves anonymised conntrack entries undecided and judges the others as before', (t) => {
  t.true(staleLines.length >= 6);
  const hidden = new Set([staleLines[0]!, staleLines.at(-1)!, 30, 31]);
  const s = analyzeStale(nodeWith(anonymise(hidden)));
  t.deepEqual(
    s.stale.map((x) => x.line),
    staleLines.filter((l) => !hidden.has(l)),
  );
  // Every entry is still accounted for: checked, or undecided with the reason.
  const accounted = (a: typeof s) => a.nodes[0]!.checked + a.nodes[0]!.undecided.reduce((n, u) => n + u.count, 0);
  t.is(accounted(s), accounted(clean));
  t.deepEqual(
    s.nodes[0]!.undecided.filter((u) => /anonymised/.test(u.why)).map((u) => u.count),
    [hidden.size],
  );
  t.false(JSON.stringify(s.findings).includes('x.x.x'));
});

test('class 11: a wholly anonymised table is listed and counted, but nothing is judged stale and no placeholder is a top source', (t) => {
  const lines = table.split('\n');
  const all = new Set(lines.map((_, i) => i + 1));
  const nodes = nodeWith(anonymise(all));
  t.is(nodes[0]!.conntrack[0]!.records, lines.filter((l) => l.includes(' src=')).length);
  const s = analyzeStale(nodes);
  t.deepEqual(s.stale, []);
  t.deepEqual(
    s.findings.filter((f) => f.code.startsWith('STALE_') && f.code !== 'STALE_UNDECIDED'),
    [],
  );
  const capacity = analyzeCapacity(nodes);
  const cleanCapacity = analyzeCapacity(nodeWith(table));
  t.is(capacity.nodes[0]!.count, cleanCapacity.nodes[0]!.count);
  t.false(JSON.stringify(capacity).includes('x.x.x'), 'no placeholder is tallied as a source or destination');
});
