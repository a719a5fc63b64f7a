/**
 * The answer cache finds a row's answer by its addresses' classes: the texts of the addresses are made for the first
 * row of a class (which makes what the class holds) and for walks, not for every row of a million-entry table.
 */
import test from 'ava';
import { kubeProxyRuleset, serviceSpec } from '../../generators/kube-proxy-dump';
import { seeded } from '../../generators/trace-ruleset';
import { SMALL_NODE } from '../../helpers/small-node';
import { nodesOfText } from '../../helpers/sections';
import { columnsOf } from '../../../src/model/conntrack-columns';
import { familyContext } from '../../../src/analyses/stale/family-context';
import { nodeContexts } from '../../../src/analyses/node/index';
import { Numbered } from '../../../src/analyses/stale/stale-list';
import { type StaleVerdict, walkedAs } from '../../../src/analyses/stale/conntrack-stale';

const SERVICES = [
  serviceSpec('shop/web:http', 'tcp', '10.96.0.20', 80, [{ ip: '10.244.1.20', port: 9090 }]),
  serviceSpec('shop/api:http', 'tcp', '10.96.0.10', 8080, [{ ip: '10.244.2.8', port: 8080 }]),
];

test('rows of known address classes are answered without making their addresses’ texts', (t) => {
  const r = seeded(30);
  const lines = Array.from({ length: 3000 }, () => {
    const [dst, dport] = r() < 0.5 ? ['10.96.0.20', 80] : ['10.96.0.10', 8080];
    const src = `10.244.0.${1 + Math.floor(r() * 200)}`;
    const sport = 30000 + Math.floor(r() * 30000);
    return `tcp      6 86390 ESTABLISHED src=${src} dst=${dst} sport=${sport} dport=${dport} src=10.244.1.20 dst=${src} sport=9090 dport=${sport} [ASSURED] mark=0 use=1`;
  });
  const rules = kubeProxyRuleset(SERVICES, { clusterCidr: '10.244.0.0/16' });
  const node = nodesOfText(
    `${SMALL_NODE}\nroot@n1:~# iptables-save\n${rules}\nroot@n1:~# conntrack -L\n${lines.join('\n')}\n`,
  )[0]!;
  const ctx = familyContext(nodeContexts(node, [])[0]!, new Numbered<StaleVerdict>());
  const columns = columnsOf(node.conntrack[0]!.entries);
  const addresses = columns.addresses;
  const textOf = addresses.textOf.bind(addresses);
  let texts = 0;
  Object.defineProperty(addresses, 'textOf', { value: (i: number) => (texts++, textOf(i)) });
  let rows = 0;
  for (let i = 0; i < columns.length; i++) {
    if (columns.isObject(i)) continue;
    rows++;
    ctx.answers!.numberOfRow(walkedAs(columns.protoName(columns.protoIndex(i)))!, columns, i);
  }
  t.is(rows, 3000);
  t.true(texts < 100, `${texts} texts for ${rows} rows`);
});
