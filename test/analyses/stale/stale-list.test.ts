/**
 * The stale list over several blocks: rows and objects read back as pushed, and `settle` (the NodePort doubts)
 * keeps, drops and re-judges a node's rows in place, in order, leaving the entries before it as they were.
 */
import test from 'ava';
import type { TableOrigin } from '../../../src/analyses/stale/conntrack-stale-entry';
import type { StaleEntry } from '../../../src/analyses/stale/model';
import { StaleList } from '../../../src/analyses/stale/stale-list';
import { ConntrackColumns } from '../../../src/model/conntrack-columns';

function random(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
}

const ipvsEntry = (line: number): StaleEntry => ({
  proto: 'tcp',
  src: '10.0.0.1',
  sport: 40000,
  dst: '10.96.0.1',
  dport: 443,
  natTarget: '10.244.0.9:6443',
  reason: 'the real server is gone',
  service: null,
  line,
  kind: 'ipvs-real-server-gone',
  node: 'n1',
  family: 'ipv4',
  file: 'ipvs.txt',
  table: 'ipvs',
  now: [],
  cleanup: 'ipvsadm --delete-connection',
});

/** What a list holds, entry by entry: a row (origin, row, verdict number) or an object. */
type Held = { origin: TableOrigin; row: number; verdict: number } | StaleEntry;

/** The entries as text, each origin by its file: quick to compare. */
const text = (held: readonly Held[]): string[] =>
  held.map((h) => ('origin' in h ? `${h.origin.file} ${h.row} ${h.verdict}` : JSON.stringify(h)));

function contents(list: StaleList): string[] {
  return text(
    Array.from({ length: list.length }, (_, i) => {
      const origin = list.originOf(i);
      return origin ? { origin, row: list.rowOf(i), verdict: list.verdictIdOf(i) } : list.entry(i);
    }),
  );
}

test('rows and objects across blocks read back as pushed; settle keeps, drops and re-judges from a point on', (t) => {
  const rand = random(3);
  const columns = new ConntrackColumns();
  const origins: TableOrigin[] = [
    { columns, node: 'n1', file: 'a.txt' },
    { columns, node: 'n2', file: 'b.txt' },
  ];
  const list = new StaleList();
  const model: Held[] = [];
  const pushRow = () => {
    const held = { origin: origins[rand(2)]!, row: rand(1e6), verdict: rand(7) };
    list.pushNumbered(held.origin, held.row, held.verdict);
    model.push(held);
  };
  for (let i = 0; i < 20000; i++) pushRow();
  for (let i = 0; i < 3; i++) {
    const e = ipvsEntry(i + 1);
    list.push(e);
    model.push(e);
  }
  const from = list.length;
  for (let i = 0; i < 40000; i++) pushRow();
  t.deepEqual(contents(list), text(model));

  // Every third row dropped, every fifth given verdict 100 + its old one.
  const seen: number[] = [];
  list.settle(from, (i) => {
    seen.push(i);
    if (i % 3 === 0) return -1;
    return i % 5 === 0 ? 100 + list.verdictIdOf(i) : list.verdictIdOf(i);
  });
  t.deepEqual(
    seen,
    Array.from({ length: 40000 }, (_, k) => from + k),
  );
  const settled = model.slice(0, from);
  for (let i = from; i < model.length; i++) {
    if (i % 3 === 0) continue;
    const held = model[i] as { origin: TableOrigin; row: number; verdict: number };
    settled.push(i % 5 === 0 ? { ...held, verdict: 100 + held.verdict } : held);
  }
  t.deepEqual(contents(list), text(settled));

  // The list grows again after settling.
  pushRow();
  settled.push(model[model.length - 1]!);
  t.deepEqual(contents(list), text(settled));
});
