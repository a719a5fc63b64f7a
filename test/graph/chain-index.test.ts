/** The chain index the walk and the services model read holds the rule graph's chains and jumps, in its order. */
import test from 'ava';
import { parseIptablesSave } from '../../grammar/iptables-save/index';
import { chainIndexOf } from '../../src/graph/chain-index';
import { chainKey, ruleGraphOf } from '../../src/graph/rule-graph';
import { copiedWith } from '../../src/model/read-located';
import { linkedChain, readChainsOf } from '../../src/model/read-jumps';
import type { Ruleset, TableName } from '../../src/model/ruleset';
import type { JumpTarget } from '../../src/model/target';
import { kubeProxyDump } from '../generators/kube-proxy-dump';
import { seeded } from '../generators/trace-ruleset';
import { dedent } from '../helpers/dedent';

/** Every chain key of the graph is found by the index, and every chain's jumps are the graph's out-neighbours in order. */
function sameAsGraph(ruleset: Ruleset): { chains: number; jumps: number } {
  const graph = ruleGraphOf(ruleset);
  const index = chainIndexOf(ruleset);
  let jumps = 0;
  for (const key of graph.nodes()) {
    const { table, chain } = graph.getNodeAttributes(key);
    if (index.chain(table, chain.name) !== chain) throw new Error(`${key}: another chain`);
    const expected = graph.outNeighbors(key).map((n) => graph.getNodeAttributes(n).chain);
    const got = index.jumpsFrom(table, chain);
    if (got.length !== expected.length || got.some((c, i) => c !== expected[i]))
      throw new Error(
        `${key}: jumps ${got.map((c) => c.name).join()} instead of ${expected.map((c) => c.name).join()}`,
      );
    jumps += got.length;
  }
  for (const table of ['raw', 'mangle', 'nat', 'filter', 'security'] as TableName[])
    if (index.chain(table, 'NOT-IN-THE-DUMP') !== undefined || graph.hasNode(chainKey(table, 'NOT-IN-THE-DUMP')))
      throw new Error('a chain the dump lacks');
  return { chains: graph.order, jumps };
}

test('a generated kube-proxy dump: the same chains and jumps as the rule graph', (t) => {
  const { ruleset } = parseIptablesSave(kubeProxyDump({ services: 40 }).text, 'kube.txt');
  const { chains, jumps } = sameAsGraph(ruleset);
  t.true(chains > 100 && jumps > 100);
  t.is(chainIndexOf(ruleset), chainIndexOf(ruleset), 'built once per ruleset');
});

test('random jump graphs, with loops, repeated targets, gotos and missing chains, whole, cut and as iptables -S', (t) => {
  const random = seeded(30);
  let linked = 0;
  for (let run = 0; run < 60; run++) {
    const names = Array.from({ length: 2 + Math.floor(random() * 8) }, (_, i) => `C${i}`);
    const rules = ['PREROUTING', ...names].flatMap((from) =>
      Array.from({ length: Math.floor(random() * 6) }, () => {
        const to = random() < 0.15 ? 'MISSING' : names[Math.floor(random() * names.length)]!;
        // Some lines the fast path declines (a tab), so that the grammar's jumps are linked too.
        const blank = random() < 0.2 ? '\t' : ' ';
        return `-A ${from} -p tcp --dport ${1 + Math.floor(random() * 3)}${blank}${random() < 0.3 ? '-g' : '-j'} ${to}`;
      }),
    );
    const declared = ['*nat', ':PREROUTING ACCEPT [0:0]', ...names.map((n) => `:${n} - [0:0]`)];
    for (const text of [
      [...declared, ...rules, 'COMMIT', ''],
      [...declared, ...rules.slice(0, Math.ceil(rules.length / 2)), ''],
      ['-P PREROUTING ACCEPT', ...names.map((n) => `-N ${n}`), ...rules, ''],
    ].map((lines) => lines.join('\n'))) {
      const { ruleset } = parseIptablesSave(text, `random-${run}.txt`);
      sameAsGraph(ruleset);
      if (ruleset.tables.every((table) => readChainsOf(table))) linked++;
    }
  }
  t.true(linked > 60, 'whole dumps are indexed by what the reader linked');
});

test('a read table is indexed by the chains and jumps the reader linked, and a copy of it by name', (t) => {
  const { ruleset } = parseIptablesSave(kubeProxyDump({ services: 10 }).text, 'kube.txt');
  const index = chainIndexOf(ruleset);
  let jumps = 0;
  for (const table of ruleset.tables) {
    t.truthy(readChainsOf(table));
    for (const chain of table.chains)
      for (const rule of chain.rules) {
        if (rule.target?.kind !== 'jump') continue;
        jumps++;
        const to = linkedChain(rule.target);
        if (!to || to !== index.chain(table.name, rule.target.chain) || index.entered(table.name, rule.target) !== to)
          t.fail(`${chain.name} rule ${rule.index}: jump to ${rule.target.chain} not linked to its chain`);
      }
  }
  t.true(jumps > 50);
  const jump = ruleset.tables.find((x) => x.name === 'nat')!.chains.find((c) => c.name === 'PREROUTING')!.rules[0]!
    .target!;
  // The link is no part of the model: not a key, not in JSON, not copied by a spread.
  t.deepEqual(Object.keys(jump), ['kind', 'chain', 'goto']);
  t.is(JSON.stringify(jump), '{"kind":"jump","chain":"KUBE-SERVICES","goto":false}');
  t.is(linkedChain({ ...(jump as JumpTarget) }), undefined);

  // A copy of the nat table whose KUBE-SERVICES has no rules: its jumps enter the copy's chain, not the read one.
  const nat = ruleset.tables.find((x) => x.name === 'nat')!;
  const emptied = nat.chains.map((c) => (c.name === 'KUBE-SERVICES' ? copiedWith(c, { rules: [] }) : c));
  const copy: Ruleset = {
    ...ruleset,
    tables: ruleset.tables.map((x) => (x === nat ? { ...nat, chains: emptied } : x)),
  };
  const copied = chainIndexOf(copy);
  const services = copied.entered('nat', jump as JumpTarget)!;
  t.is(services.rules.length, 0);
  t.is(copied.chain('nat', 'KUBE-SERVICES'), services);
  t.is(copied.jumpsFrom('nat', services).length, 0);
  sameAsGraph(copy);
});

test('a table given twice: the last chain of a name stands, with the jumps of every chain of that name', (t) => {
  // The rule graph cannot hold this ruleset (its edge keys repeat); the walk and services read it all the same.
  const { ruleset } = parseIptablesSave(
    dedent`
      *nat
      :PREROUTING ACCEPT [0:0]
      :A - [0:0]
      -A PREROUTING -j A
      COMMIT
      *nat
      :PREROUTING ACCEPT [0:0]
      :B - [0:0]
      -A PREROUTING -j B
      -A PREROUTING -j A
      COMMIT
    `,
    'twice.txt',
  );
  t.is(ruleset.tables.length, 2);
  const index = chainIndexOf(ruleset);
  const prerouting = index.chain('nat', 'PREROUTING')!;
  t.is(prerouting, ruleset.tables[1]!.chains[0]!);
  t.deepEqual(
    index.jumpsFrom('nat', prerouting).map((c) => c.name),
    ['A', 'B'],
  );
});

test('a jump to a chain the dump never declares is no jump of the index', (t) => {
  const { ruleset } = parseIptablesSave(
    dedent`
      *filter
      :INPUT ACCEPT [0:0]
      :A - [0:0]
      -A INPUT -j A
      -A INPUT -j GONE
      -A INPUT -j A
      COMMIT
    `,
    'gone.txt',
  );
  const index = chainIndexOf(ruleset);
  t.deepEqual(
    index.jumpsFrom('filter', index.chain('filter', 'INPUT')!).map((c) => c.name),
    ['A'],
  );
});
