/**
 * Class 13 of issue #22: a service's chains joined by the hash in their names only. Hand-edited rules and
 * other generators break kube-proxy's naming (a KUBE-EXT chain jumping to a KUBE-SVC chain of another hash,
 * a NodePort rule jumping to a chain of another name); the entry point must still be found, joined to its
 * service by the jumps or the comments, or shown on its own, never dropped.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { type ServicesAnalysis, analyzeServices } from '../../../src/analyses/services/index';
import { type GeneratedService, chainHash, kubeProxyRuleset } from '../../generators/kube-proxy-dump';
import { nodesOfText } from '../../helpers/sections';
import { SMALL_NODE } from '../../helpers/small-node';

const SAMPLE = readFileSync(new URL('../../../samples/kube-node.iptables-save', import.meta.url), 'utf8');
const WEB_SVC = 'KUBE-SVC-XPGD46QRK7WJZT7O';

const analyse = (rules: string): ServicesAnalysis =>
  analyzeServices(nodesOfText(`${SMALL_NODE}root@n1:~# iptables-save\n${rules}`));

/** Per service: its entry points and, for each, the endpoint shares of the walk. */
function entriesOf(a: ServicesAnalysis): Record<string, Record<string, Record<string, number>>> {
  return Object.fromEntries(
    a.services.map((v) => [
      v.service.name,
      Object.fromEntries(
        v.nodes[0]!.outcomes.map((o) => [
          `${o.entry.kind} ${o.entry.ip ?? '*'}:${o.entry.port}`,
          Object.fromEntries(o.endpoints.map((e) => [`${e.ip}:${e.port}`, +e.probability.toFixed(9)])),
        ]),
      ),
    ]),
  );
}

const WEB_SHARES = { '10.244.1.5:8080': 0.5, '10.244.1.6:8080': 0.5 };
const stripComments = (text: string) => text.replace(/ -m comment --comment "[^"]*"/g, '');

test('class 13: a KUBE-EXT chain that jumps to a KUBE-SVC chain of another hash keeps its NodePort (comments kept)', (t) => {
  const edited = SAMPLE.replaceAll(WEB_SVC, 'KUBE-SVC-HANDEDITED000001');
  const web = entriesOf(analyse(edited))['default/web:http'];
  t.deepEqual(web, { 'clusterIP 10.96.0.10:80': WEB_SHARES, 'nodePort *:30080': WEB_SHARES });
});

test('class 13: without comments the NodePort joins its service by the jump, under the chain the dump has', (t) => {
  const edited = stripComments(SAMPLE.replaceAll(WEB_SVC, 'KUBE-SVC-HANDEDITED000001'));
  const all = entriesOf(analyse(edited));
  t.deepEqual(all['KUBE-SVC-HANDEDITED000001'], {
    'clusterIP 10.96.0.10:80': WEB_SHARES,
    'nodePort *:30080': WEB_SHARES,
  });
  // No phantom service named after a KUBE-SVC chain the dump does not have.
  t.false('KUBE-SVC-XPGD46QRK7WJZT7O' in all);
});

const SHOP: GeneratedService = {
  name: 'shop/api:http',
  protocol: 'tcp',
  clusterIP: '10.96.0.60',
  port: 80,
  nodePort: 30060,
  endpoints: [
    { ip: '10.244.1.21', port: 8080, local: true },
    { ip: '10.244.2.22', port: 8080 },
  ],
  svcChain: `KUBE-SVC-${chainHash('shop/api:http', 'tcp')}`,
  externalTrafficPolicy: 'Local',
};
const SHOP_HASH = SHOP.svcChain.slice('KUBE-SVC-'.length);

test('class 13: an externalTrafficPolicy: Local service whose KUBE-EXT chain was renamed keeps its NodePort and its policy', (t) => {
  const rules = kubeProxyRuleset([SHOP], { clusterCidr: '10.244.0.0/16' }).replaceAll(
    `KUBE-EXT-${SHOP_HASH}`,
    'KUBE-EXT-OTHERGENERATOR01',
  );
  const a = analyse(rules);
  t.is(a.services.length, 1);
  const view = a.services[0]!;
  t.is(view.service.name, 'shop/api:http');
  t.is(view.service.externalTrafficPolicy, 'Local');
  t.deepEqual(entriesOf(a)['shop/api:http']!['nodePort *:30060'], { '10.244.1.21:8080': 1 });
});

test('class 13: a NodePort rule that jumps to a chain of another name, which leads to the KUBE-SVC chain, joins the service', (t) => {
  const rules = stripComments(
    kubeProxyRuleset([{ ...SHOP, externalTrafficPolicy: 'Cluster' }], { clusterCidr: '10.244.0.0/16' }),
  )
    .replace(':KUBE-MARK-MASQ - [0:0]', ':KUBE-MARK-MASQ - [0:0]\n:NODEPORT-SHOP - [0:0]')
    .replace(`--dport 30060 -j KUBE-EXT-${SHOP_HASH}`, '--dport 30060 -j NODEPORT-SHOP')
    .replace(/^COMMIT$(?![\s\S]*^COMMIT$)/m, `-A NODEPORT-SHOP -j KUBE-EXT-${SHOP_HASH}\nCOMMIT`);
  const all = entriesOf(analyse(rules));
  t.deepEqual(Object.keys(all), [SHOP.svcChain]);
  t.deepEqual(all[SHOP.svcChain]!['nodePort *:30060'], { '10.244.1.21:8080': 0.5, '10.244.2.22:8080': 0.5 });
});

test('class 13: a NodePort whose chain leads to no service chain still appears, under its chain', (t) => {
  // Another generator's NodePort: its own chain DNATs straight to the backend.
  const rules = SAMPLE.replace(
    ':KUBE-MARK-MASQ - [0:0]',
    ':KUBE-MARK-MASQ - [0:0]\n:HAND-NODEPORT-31000 - [0:0]',
  ).replace(
    /^(\[0:0\] -A KUBE-NODEPORTS .*)$/m,
    '$1\n[0:0] -A KUBE-NODEPORTS -p tcp -m tcp --dport 31000 -j HAND-NODEPORT-31000\n[0:0] -A HAND-NODEPORT-31000 -p tcp -j DNAT --to-destination 10.244.1.9:9000',
  );
  const all = entriesOf(analyse(rules));
  t.deepEqual(all['HAND-NODEPORT-31000'], { 'nodePort *:31000': { '10.244.1.9:9000': 1 } });
  t.deepEqual(all['default/web:http'], { 'clusterIP 10.96.0.10:80': WEB_SHARES, 'nodePort *:30080': WEB_SHARES });
});

test('class 13: two chains of different hashes with the same kube-proxy comment are one service', (t) => {
  // The NodePort's KUBE-EXT chain was replaced by a chain that DNATs itself: only the comment joins them.
  const rules = SAMPLE.replaceAll('KUBE-EXT-XPGD46QRK7WJZT7O', 'KUBE-EXT-REWRITTEN0000001').replace(
    '[0:0] -A KUBE-EXT-REWRITTEN0000001 -j KUBE-SVC-XPGD46QRK7WJZT7O',
    '[0:0] -A KUBE-EXT-REWRITTEN0000001 -p tcp -j DNAT --to-destination 10.244.1.5:8080',
  );
  const all = entriesOf(analyse(rules));
  t.deepEqual(Object.keys(all).sort(), ['default/no-endpoints:http', 'default/web:http', 'kube-system/kube-dns:dns']);
  t.deepEqual(all['default/web:http'], {
    'clusterIP 10.96.0.10:80': WEB_SHARES,
    'nodePort *:30080': { '10.244.1.5:8080': 1 },
  });
});
