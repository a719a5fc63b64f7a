/** The chains analysis on its own: groups, folded families and counted calls of a generated kube-proxy dump. */
import test from 'ava';
import { iptablesView } from '../../../src/model/iptables-view';
import { parseIptablesSave } from '../../../grammar/iptables-save/index';
import { ChainsError, chainCallGraph } from '../../../src/analyses/chains/index';
import { kubeProxyDump } from '../../generators/kube-proxy-dump';

const dump = kubeProxyDump({ services: 40 });
const { ruleset } = parseIptablesSave(dump.text, 'kube.txt');

test('a small budget folds the largest families of alike-named chains into one group each', (t) => {
  const g = chainCallGraph(iptablesView(ruleset), { table: 'nat', budget: 12 });
  t.true(g.groups.length <= 12, `${g.groups.length} groups`);
  t.true(g.folded > 0);
  const svc = g.groups.find((x) => x.name.startsWith('KUBE-SVC-'));
  t.truthy(svc, g.groups.map((x) => x.name).join(' '));
  const svcChains = ruleset.tables
    .find((tb) => tb.name === 'nat')!
    .chains.filter((c) => c.name.startsWith('KUBE-SVC-'));
  t.is(svc!.chains, svcChains.length);
  t.is(
    svc!.rules,
    svcChains.reduce((n, c) => n + c.rules.length, 0),
  );
});

test('calls between groups count every jump once', (t) => {
  const g = chainCallGraph(iptablesView(ruleset), { table: 'nat', budget: 12 });
  const nat = ruleset.tables.find((tb) => tb.name === 'nat')!;
  const jumps = nat.chains.flatMap((c) => c.rules).filter((r) => r.target?.kind === 'jump').length;
  t.is(
    g.calls.reduce((n, c) => n + c.jumps + c.gotos, 0),
    jumps,
  );
});

test('from a chain: only what it reaches', (t) => {
  const svc = dump.services.find((s) => s.endpoints.length === 2)!;
  const g = chainCallGraph(iptablesView(ruleset), { table: 'nat', from: svc.svcChain });
  t.is(g.from, svc.svcChain);
  t.deepEqual(
    g.groups.map((x) => x.name.slice(0, 9)).sort(),
    ['KUBE-MARK', 'KUBE-SEP-', 'KUBE-SEP-', 'KUBE-SVC-'].sort(),
  );
});

test('a table or chain the dump lacks is a ChainsError', (t) => {
  t.throws(() => chainCallGraph(iptablesView(ruleset), { table: 'security' }), { instanceOf: ChainsError });
  t.throws(() => chainCallGraph(iptablesView(ruleset), { table: 'nat', from: 'NOPE' }), { instanceOf: ChainsError });
});
