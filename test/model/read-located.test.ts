import test from 'ava';
import { detectFamily } from '../../grammar/iptables-save/detect';
import { parseIptablesSave } from '../../grammar/iptables-save/index';
import { ReadRule, copiedWith, copiedWithout } from '../../src/model/read-located';
import type { Ruleset } from '../../src/model/ruleset';
import type { SourceRef } from '../../src/model/source';
import { toJson } from '../../src/report/json';
import { kubeProxyDump } from '../generators/kube-proxy-dump';
import { grammarOnly } from '../helpers/grammar-only';
import { iptablesSaveDumps, readDump } from '../helpers/shared';

/** Every chain's and rule's location, named by what it locates, as plain objects of their own. */
const locations = (r: Ruleset): [string, SourceRef][] =>
  r.tables.flatMap((t) =>
    t.chains.flatMap((c): [string, SourceRef][] => [
      [`${t.name} ${c.name}`, c.location],
      ...c.rules.map((x): [string, SourceRef] => [`${t.name} ${c.name} #${x.index}`, x.location]),
    ]),
  );

/** Bench-shaped dumps (bench/kube-proxy-input.ts writes kubeProxyDump's), besides every dump at hand. */
const dumps: [string, () => string][] = [
  ...iptablesSaveDumps().map((f): [string, () => string] => [f, () => readDump(f)]),
  ['kube-proxy-2000', () => kubeProxyDump({ services: 2000 }).text],
  ['kube-proxy-300 (pod CIDR)', () => kubeProxyDump({ services: 300, clusterCidr: '10.96.0.0/12' }).text],
];

test('every rule and chain has the location the grammar gives it, as a plain SourceRef on its line', (t) => {
  for (const [name, read] of dumps) {
    const text = read();
    const family = detectFamily(text);
    const fast = locations(parseIptablesSave(text, name, family).ruleset);
    t.deepEqual(fast, locations(grammarOnly(text, name, family).ruleset), name);
    const lines = text.split('\n');
    for (const [what, at] of fast) {
      t.deepEqual(Object.keys(at), ['path', 'line', 'column'], `${name}: ${what}`);
      t.is(at.path, name);
      const chain = what.split(' ')[1]!;
      if (what.includes('#')) t.true(lines[at.line - 1]!.includes(chain), `${name}: ${what} at line ${at.line}`);
    }
  }
});

test("a read rule's JSON has its location where a literal rule has it, and copiedWith keeps it", (t) => {
  const text =
    '*filter\n:INPUT ACCEPT [0:0]\n:X - [0:0]\n-A INPUT -s 10.0.0.1/32 -p tcp -j X\n-A X -j ACCEPT\nCOMMIT\n';
  const { ruleset } = parseIptablesSave(text, 'd', 'ipv4');
  const chain = ruleset.tables[0]!.chains.find((c) => c.name === 'INPUT')!;
  const rule = chain.rules[0]!;
  t.true(rule instanceof ReadRule);
  const { index, matches, source, protocol, target } = rule;
  const literal = { index, matches, location: { path: 'd', line: 4, column: 1 }, source, protocol, target };
  t.is(toJson(rule), toJson(literal));
  t.is(
    toJson(chain),
    toJson({
      name: 'INPUT',
      builtin: true,
      policy: 'ACCEPT',
      rules: chain.rules,
      location: { path: 'd', line: 2, column: 1 },
      counters: { packets: 0, bytes: 0 },
    }),
  );
  const copy = copiedWith(rule, { index: 7 });
  t.deepEqual([copy.index, copy.location], [7, rule.location]);
  t.is(toJson(copiedWith(rule, { index: 1 })), toJson(rule));
  const entry = copiedWithout(rule, ['source', 'target']);
  t.deepEqual([entry.location, 'source' in entry, 'target' in entry], [rule.location, false, false]);
  // What a spread loses: the getter lives on the class's prototype.
  t.is(({ ...rule } as { location?: SourceRef }).location, undefined);
});
