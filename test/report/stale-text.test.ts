/**
 * `nfwalk stale` as text on a busy table: the stale entries grouped per node, cause, destination and target,
 * exactly as grouping the entries by their fields' text groups them, one line and one command per target.
 */
import test from 'ava';
import { type StaleEntry, analyzeStale } from '../../src/analyses/stale/index';
import { endpointText } from '../../src/analyses/finding-text';
import { formatStale } from '../../src/report/stale-text';
import { busyConntrackLines } from '../generators/conntrack-table';
import { kubeProxyRuleset, kubeProxyServices } from '../generators/kube-proxy-dump';
import { SMALL_NODE } from '../helpers/small-node';
import { nodesOfText } from '../helpers/sections';

const services = kubeProxyServices({ services: 40 });
const rules = kubeProxyRuleset(services, { clusterCidr: '10.244.0.0/16' });
const table = [...busyConntrackLines(services, 3000, { nodeIp: '192.168.0.2', clients: 500, goneServices: 5 })];
const analysis = analyzeStale(
  nodesOfText(`${SMALL_NODE}\nroot@n1:~# iptables-save\n${rules}\nroot@n1:~# conntrack -L\n${table.join('\n')}\n`),
);

const target = (e: StaleEntry) => e.natTarget ?? endpointText(e.dst, e.dport ?? undefined);

/** The grouping by text keys: destination groups in order of first appearance, their targets sorted. */
function byText(stale: readonly StaleEntry[]): { entries: StaleEntry[]; targets: Map<string, StaleEntry[]> }[] {
  const groups = new Map<string, { entries: StaleEntry[]; targets: Map<string, StaleEntry[]> }>();
  for (const e of stale) {
    const key = [e.node, e.table, e.kind, e.family, e.proto, e.dst, e.dport].join('|');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { entries: [], targets: new Map() }));
    g.entries.push(e);
    g.targets.set(target(e), [...(g.targets.get(target(e)) ?? []), e]);
  }
  return [...groups.values()];
}

test('the table is busy: most entries stale, to many destinations and targets', (t) => {
  t.true(analysis.stale.length > 1500);
  t.true(analysis.groups.length > 20);
});

test('the groups are the entries grouped by their fields as text, in the same order', (t) => {
  const expected = byText(analysis.stale);
  t.is(analysis.groups.length, expected.length);
  analysis.groups.forEach((g, i) => {
    const e = expected[i]!;
    t.deepEqual(
      g.entries.map((x) => x.line),
      e.entries.map((x) => x.line),
    );
    t.deepEqual(
      g.targets.map((x) => x.target),
      [...e.targets.keys()].sort(),
    );
    for (const x of g.targets) {
      t.deepEqual(
        x.entries.map((y) => y.line),
        e.targets.get(x.target)!.map((y) => y.line),
      );
    }
  });
});

test('the text has per destination a line per target with its count and command, the largest first, and counts the rest', (t) => {
  const text = formatStale(analysis);
  const counted = [...text.matchAll(/^ {4}(?:→ \S+|not DNATed): ([\d,]+) entr(?:y|ies) \(/gm)].map((m) =>
    Number(m[1]!.replaceAll(',', '')),
  );
  const rest = [...text.matchAll(/^ {4}… and ([\d,]+) more targets with ([\d,]+) entr(?:y|ies)/gm)].map((m) =>
    Number(m[2]!.replaceAll(',', '')),
  );
  const shown = analysis.groups.flatMap((g) =>
    [...g.targets].sort((a, b) => b.entries.length - a.entries.length).slice(0, 3),
  );
  t.is(counted.length, shown.length);
  t.true(rest.length > 0, 'the busy table has destinations with more than three targets');
  t.is(
    [...counted, ...rest].reduce((a, b) => a + b, 0),
    analysis.stale.length,
  );
  for (const x of shown) {
    const command = x.cleanup ?? x.entries[0]!.cleanup;
    t.true(text.includes(`\n      ${command}\n`), command);
  }
  t.true(text.split('\n').length < analysis.stale.length / 4);
});
