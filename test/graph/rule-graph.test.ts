/** The jump graph of a ruleset, and the Kubernetes services read from it, on a generated kube-proxy dump. */
import test from 'ava';
import { parseIptablesSave } from '../../grammar/iptables-save/index';
import { kubeServices } from '../../src/graph/kube-services';
import { chainAt, chainKey, ruleGraphOf } from '../../src/graph/rule-graph';
import { kubeProxyDump } from '../generators/kube-proxy-dump';
import { dedent } from '../helpers/dedent';

const dump = kubeProxyDump({ services: 12 });
const { ruleset } = parseIptablesSave(dump.text, 'kube.txt');

test('a node per chain and an edge per jump or goto, pointing at the rule that jumps', (t) => {
  const graph = ruleGraphOf(ruleset);
  const chains = ruleset.tables.flatMap((tb) => tb.chains.map((c) => chainKey(tb.name, c.name)));
  t.deepEqual(graph.nodes().sort(), [...chains].sort());
  const jumps = ruleset.tables.flatMap((tb) =>
    tb.chains.flatMap((c) => c.rules.filter((r) => r.target?.kind === 'jump')),
  );
  t.is(graph.size, jumps.length);
  for (const e of graph.edges()) {
    const { rule } = graph.getEdgeAttributes(e);
    t.is(
      rule.target?.kind === 'jump' && chainKey(graph.getSourceAttributes(e).table, rule.target.chain),
      graph.target(e),
    );
  }
  t.is(ruleGraphOf(ruleset), graph, 'built once per ruleset');
});

test('chainAt finds a chain of a table, and nothing for a chain the dump lacks', (t) => {
  const graph = ruleGraphOf(ruleset);
  t.is(chainAt(graph, 'nat', 'KUBE-SERVICES')?.name, 'KUBE-SERVICES');
  t.is(chainAt(graph, 'filter', 'KUBE-SERVICES')?.name, 'KUBE-SERVICES');
  t.is(chainAt(graph, 'nat', 'KUBE-NOT-THERE'), undefined);
});

test('a goto is an edge that says so', (t) => {
  const { ruleset: r } = parseIptablesSave(
    dedent`
      *filter
      :INPUT ACCEPT [0:0]
      :A - [0:0]
      :B - [0:0]
      -A INPUT -j A
      -A A -g B
      COMMIT
    `,
    'goto.txt',
  );
  const graph = ruleGraphOf(r);
  const edges = graph.edges().map((e) => [graph.source(e), graph.target(e), graph.getEdgeAttributes(e).goto]);
  t.deepEqual(edges, [
    ['filter:INPUT', 'filter:A', false],
    ['filter:A', 'filter:B', true],
  ]);
});

test('every generated service with a cluster IP is one KubeService, named by its comment', (t) => {
  const services = kubeServices(ruleset);
  const expected = dump.services.map((s) => s.name).sort();
  t.deepEqual([...new Set(services.map((s) => s.name))].sort(), expected);
  for (const g of dump.services) {
    const s = services.find((x) => x.name === g.name)!;
    t.true(
      s.entryPoints.some((e) => e.kind === 'clusterIP' && e.ip === g.clusterIP && e.port === g.port),
      g.name,
    );
  }
});
