/** The chain index the walk and the services model read holds the rule graph's chains and jumps, in its order. */
import test from 'ava';
import { parseIptablesSave } from '../../grammar/iptables-save/index';
import { chainIndexOf } from '../../src/graph/chain-index';
import { chainKey, ruleGraphOf } from '../../src/graph/rule-graph';
import type { Ruleset, TableName } from '../../src/model/ruleset';
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

test('random jump graphs, with loops, repeated targets, gotos and missing chains', (t) => {
  const random = seeded(30);
  for (let run = 0; run < 60; run++) {
    const names = Array.from({ length: 2 + Math.floor(random() * 8) }, (_, i) => `C${i}`);
    const text = [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ...names.map((n) => `:${n} - [0:0]`),
      ...['PREROUTING', ...names].flatMap((from) =>
        Array.from({ length: Math.floor(random() * 6) }, () => {
          const to = random() < 0.15 ? 'MISSING' : names[Math.floor(random() * names.length)]!;
          return `-A ${from} -p tcp --dport ${1 + Math.floor(random() * 3)} ${random() < 0.3 ? '-g' : '-j'} ${to}`;
        }),
      ),
      'COMMIT',
      '',
    ].join('\n');
    sameAsGraph(parseIptablesSave(text, `random-${run}.txt`).ruleset);
  }
  t.pass();
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
