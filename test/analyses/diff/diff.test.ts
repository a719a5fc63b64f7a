/** `nfwalk diff` on kube-proxy snapshots of one node before and after endpoint churn, and on hand-written firewalls. */
import test from 'ava';
import { diffNodes } from '../../../src/analyses/diff/index';
import { findSectionsInText } from '../../../src/input/sections';
import { nodesOfInputs } from '../../../src/model/node';
import { nodesOfText } from '../../helpers/sections';
import { readShared, sharedTest } from '../../helpers/shared';
import { SMALL_NODE } from '../../helpers/small-node';
import { endpointsAt, kubeProxyRuleset, serviceSpec } from '../../generators/kube-proxy-dump';

const web = (...eps: string[]) =>
  serviceSpec('shop/web:http', 'tcp', '10.96.0.10', 80, endpointsAt(...eps), { nodePort: 30080 });
const dns = serviceSpec(
  'kube-system/kube-dns:dns',
  'udp',
  '10.96.0.53',
  53,
  endpointsAt('10.244.1.2:53', '10.244.2.2:53'),
);
const legacy = serviceSpec('shop/legacy:http', 'tcp', '10.96.0.20', 80, endpointsAt('10.244.1.9:8080'));
const cart = serviceSpec('shop/cart:http', 'tcp', '10.96.0.30', 80, endpointsAt('10.244.3.3:8080'));
const snapshot = (...services: Parameters<typeof kubeProxyRuleset>[0]) =>
  nodesOfText(`${SMALL_NODE}\n${kubeProxyRuleset(services, { clusterCidr: '10.244.0.0/16' })}`);

const before = snapshot(web('10.244.1.5:8080', '10.244.2.6:8080', '10.244.3.7:8080'), dns, legacy);
const after = snapshot(web('10.244.1.5:8080', '10.244.3.7:8080'), dns, cart);
const close = (x: number, y: number) => Math.abs(x - y) < 1e-6;

test('endpoint churn: a scaled-down service shows its new shares at every entry point, deleted and new services show whole, untouched ones not at all', (t) => {
  const [node, ...more] = diffNodes(before, after).nodes;
  t.is(more.length, 0);
  t.deepEqual(
    node!.services.map((s) => [s.name, s.change]),
    [
      ['shop/cart:http', 'added'],
      ['shop/legacy:http', 'removed'],
      ['shop/web:http', 'changed'],
    ],
  );
  const webChange = node!.services.find((s) => s.name === 'shop/web:http')!;
  t.deepEqual(
    webChange.entryPoints.map((e) => [e.kind, e.change, e.verdict.before, e.verdict.after]),
    [
      ['clusterIP', 'changed', 'forward', 'forward'],
      ['nodePort', 'changed', 'forward', 'forward'],
    ],
  );
  for (const entry of webChange.entryPoints) {
    const share = (ip: string) => entry.endpoints.find((e) => e.ip === ip)!;
    t.true(
      close(share('10.244.2.6').before, 1 / 3) && share('10.244.2.6').after === 0,
      'the removed pod lost its third',
    );
    for (const kept of ['10.244.1.5', '10.244.3.7'])
      t.true(close(share(kept).before, 1 / 3) && close(share(kept).after, 1 / 2), `${kept} now gets half`);
  }
  const gone = node!.services.find((s) => s.name === 'shop/legacy:http')!.entryPoints[0]!;
  t.like(gone, { change: 'removed', ip: '10.96.0.20', verdict: { before: 'forward', after: null } });
  t.deepEqual(
    gone.endpoints.map((e) => [e.ip, e.after]),
    [['10.244.1.9', 0]],
  );
});

test('endpoint churn in the rules: the removed endpoint and the deleted service lose their chains, KUBE-SERVICES swaps one rule, the service chain rewrites its probabilities', (t) => {
  const [v4] = diffNodes(before, after).nodes[0]!.rulesets;
  t.like(v4, { format: 'iptables', family: 'ipv4' });
  const chain = (name: string) => v4!.chains.find((c) => c.chain === name);
  const services = chain('KUBE-SERVICES')!;
  t.like(services, { table: 'nat', change: 'changed', reordered: false });
  t.deepEqual([services.added.length, services.removed.length], [1, 1]);
  t.regex(services.removed[0]!.text, /-d 10\.96\.0\.20\/32 .*-j KUBE-SVC-/);
  t.regex(services.added[0]!.text, /-d 10\.96\.0\.30\/32 .*-j KUBE-SVC-/);
  t.is(chain(legacy.svcChain)?.change, 'removed');
  t.is(chain(cart.svcChain)?.change, 'added');
  const svc = chain(web().svcChain)!;
  t.deepEqual(
    svc.removed.map((r) => /--probability (\S+)/.exec(r.text)?.[1]),
    ['0.33333333349', '0.50000000000'],
  );
  t.deepEqual(
    svc.added.map((r) => /--probability (\S+)/.exec(r.text)?.[1]),
    ['0.50000000000'],
  );
  const seps = v4!.chains.filter((c) => c.chain.startsWith('KUBE-SEP-'));
  t.deepEqual(
    seps.map((c) => c.change).sort(),
    ['added', 'removed', 'removed'],
    "2.6's and legacy's endpoint chains go, cart's comes",
  );
  t.is(
    v4!.rulesAdded,
    v4!.chains.reduce((n, c) => n + c.added.length, 0),
  );
  t.true(
    v4!.chains.every((c) => c.chain !== dns.svcChain),
    'an untouched service has no changed chain',
  );
});

test('the same snapshot twice: nothing changed', (t) => {
  t.deepEqual(
    diffNodes(before, snapshot(web('10.244.1.5:8080', '10.244.2.6:8080', '10.244.3.7:8080'), dns, legacy)).nodes[0],
    { before: 'n1', after: 'n1', rulesets: [], services: [] },
  );
});

const firewall = (rules: readonly string[], policy: string) =>
  nodesOfText(
    ['*filter', `:INPUT ${policy} [0:0]`, ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ...rules, 'COMMIT', ''].join(
      '\n',
    ),
  );

test('a hand-written firewall: rules in a new order are reported as reordered, a policy change as such, counters are no change', (t) => {
  const ssh = '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT';
  const drop = '-A INPUT -s 203.0.113.0/24 -j DROP';
  const was = firewall([`[5:300] ${ssh}`, `[7:420] ${drop}`], 'ACCEPT');
  const reordered = diffNodes(was, firewall([drop, ssh], 'ACCEPT')).nodes[0]!.rulesets[0]!.chains;
  t.deepEqual(
    reordered.map((c) => [c.chain, c.reordered, c.added.length, c.removed.length]),
    [['INPUT', true, 0, 0]],
  );
  const policy = diffNodes(was, firewall([`[9:540] ${ssh}`, `[1:60] ${drop}`], 'DROP')).nodes[0]!.rulesets[0]!.chains;
  t.deepEqual(
    policy.map((c) => [c.chain, c.policy, c.reordered, c.added.length]),
    [['INPUT', { before: 'ACCEPT', after: 'DROP' }, false, 0]],
  );
});

test('several nodes pair up by name; a node on one side only is named', (t) => {
  const named = (name: string, dump: string) =>
    nodesOfText(`root@${name}:~# iptables-save\n${dump}`).map((n) => ({ ...n, name }));
  const dump = kubeProxyRuleset([dns], { clusterCidr: '10.244.0.0/16' });
  const diff = diffNodes([...named('a', dump), ...named('b', dump)], [...named('b', dump), ...named('c', dump)]);
  t.deepEqual(
    diff.nodes.map((n) => n.before),
    ['b'],
  );
  t.deepEqual([diff.onlyBefore, diff.onlyAfter], [['a'], ['c']]);
});

test('a service left without endpoints: every entry point goes from forward to reject, each old endpoint listed as gone', (t) => {
  const [web0] = diffNodes(before, snapshot(web(), dns, legacy)).nodes[0]!.services;
  t.is(web0!.name, 'shop/web:http');
  t.deepEqual(
    web0!.entryPoints.map((e) => [
      e.kind,
      e.verdict.before,
      e.verdict.after,
      e.endpoints.filter((s) => s.after === 0).length,
    ]),
    [
      ['clusterIP', 'forward', 'reject', 3],
      ['nodePort', 'forward', 'reject', 3],
    ],
  );
});

sharedTest(
  'the same commands loaded through iptables-legacy and iptables-nft (captures): the backend changed, and one rule, since nft keeps no --nflog-range',
  (t) => {
    const canon = (file: string) => nodesOfText(readShared(`captures/${file}`));
    const [v4, ...more] = diffNodes(canon('iptables-legacy-save-canon.txt'), canon('iptables-nft-save-canon.txt'))
      .nodes[0]!.rulesets;
    t.is(more.length, 0);
    t.like(v4, { format: 'iptables', backend: { before: 'legacy', after: 'nft' } });
    t.deepEqual(
      v4!.chains.map((c) => [c.table, c.chain, c.removed.map((r) => r.text), c.added.map((r) => r.text)]),
      [
        [
          'filter',
          'FMT-CANON',
          ['-A FMT-CANON -j NFLOG --nflog-prefix calico-drop --nflog-group 100 --nflog-range 80 --nflog-threshold 2'],
          ['-A FMT-CANON -j NFLOG --nflog-prefix calico-drop --nflog-group 100 --nflog-threshold 2'],
        ],
      ],
    );
  },
);

test('an after side that shows the nat table alone: filter is not compared, and neither are the services only filter programs', (t) => {
  const none = serviceSpec('shop/none:http', 'tcp', '10.96.0.40', 80, []);
  const whole = snapshot(web('10.244.1.5:8080', '10.244.2.6:8080'), none);
  const rules = kubeProxyRuleset([web('10.244.1.5:8080', '10.244.2.6:8080'), none], { clusterCidr: '10.244.0.0/16' });
  // `iptables-save -t nat`: only the nat table, kube-proxy's REJECT of a service without endpoints is in filter.
  const natOnly = rules.slice(
    rules.indexOf('*nat'),
    rules.indexOf('COMMIT', rules.indexOf('*nat')) + 'COMMIT\n'.length,
  );
  t.true(natOnly.startsWith('*nat') && !natOnly.includes('*filter'));
  const [node] = diffNodes(whole, nodesOfText(`${SMALL_NODE}\n${natOnly}`)).nodes;
  t.deepEqual(node!.services, []);
  t.is(node!.servicesNotCompared, 1);
  t.deepEqual(
    node!.rulesets.map((r) => [r.rulesAdded, r.rulesRemoved, r.shownByOne]),
    [[0, 0, { before: ['filter'], after: [] }]],
  );
});

test("a grep'd after side: the rules nfwalk takes for kube-proxy's in a part are no rules of the diff", (t) => {
  const rules = kubeProxyRuleset([web('10.244.1.5:8080', '10.244.2.6:8080')], { clusterCidr: '10.244.0.0/16' });
  const grepped = rules
    .split('\n')
    .filter((l) => l.includes('shop/web'))
    .join('\n');
  const [node] = diffNodes(
    snapshot(web('10.244.1.5:8080', '10.244.2.6:8080')),
    nodesOfInputs(findSectionsInText(`$ iptables-save | grep shop/web\n${grepped}\n`, 'after.txt', 'n1').sections),
  ).nodes;
  const added = node!.rulesets.flatMap((r) => r.chains.flatMap((c) => c.added.map((a) => a.text)));
  t.deepEqual(added, []);
});
