/** A compiled ruleset's chains: each model chain compiled once, and found again as itself. */
import test from 'ava';
import { compileRuleset } from '../../../src/analyses/trace/compile';
import { nodeNetwork } from '../../../src/analyses/trace/network';
import { findSectionsInText } from '../../../src/input/sections';
import { singleNode } from '../../../src/model/node';
import { copiedWith } from '../../../src/model/read-located';
import type { Ruleset, Table } from '../../../src/model/ruleset';

const DUMP = [
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':KUBE-A - [0:0]',
  ':KUBE-B - [0:0]',
  '-A PREROUTING -j KUBE-A',
  '-A KUBE-A -d 10.96.0.1/32 -j KUBE-B',
  '-A KUBE-B -j DNAT --to-destination 10.244.0.5:80',
  'COMMIT',
  '',
].join('\n');

test('chains that share the line they were declared on (left-out built-ins, copies) are each compiled as themselves', (t) => {
  const node = singleNode(findSectionsInText(`root@n1:~# iptables-save\n${DUMP}`, 'test', 'n1').sections)!;
  const ruleset = node.rulesets[0]!.ruleset;
  const nat = ruleset.tables[0]!;
  // The dump leaves out nat's INPUT, OUTPUT and POSTROUTING: the reader makes them at the table's line.
  t.true(nat.chains.length > 3);
  const a = nat.chains.find((c) => c.name === 'KUBE-A')!;
  // A filter table holding a copy of KUBE-A without its rule: the copy keeps the line KUBE-A was declared on.
  const filter: Table = { name: 'filter', chains: [copiedWith(a, { rules: [] })], location: nat.location };
  const both: Ruleset = { ...ruleset, tables: [nat, filter] };
  const compiled = compileRuleset(both, { network: nodeNetwork(node, 'ipv4', {}), sets: node.sets }, undefined, false);
  for (const table of both.tables)
    for (const chain of table.chains) {
      const c = compiled.chain(table.name, chain.name)!;
      t.is(c.chain, chain, `${table.name} ${chain.name}`);
      t.is(compiled.chain(table.name, chain.name), c);
    }
  t.not(compiled.chain('filter', 'KUBE-A'), compiled.chain('nat', 'KUBE-A'));
  t.is(compiled.chain('nat', 'PREROUTING')!.jumpChain(0), compiled.chain('nat', 'KUBE-A'));
  t.is(compiled.chain('nat', 'KUBE-A')!.jumpChain(0), compiled.chain('nat', 'KUBE-B'));
});
