/**
 * A node's rules after endpoint churn and a deleted service, and the conntrack table from before: every
 * entry whose recorded destination the new rules could not produce is stale, with the right reason,
 * and nothing else is. Hand-written DNAT (no kube-proxy at all) is judged by the same walk.
 */
import test from 'ava';
import { type StaleAnalysis, analyzeStale } from '../../../src/analyses/stale/index';
import { dedent } from '../../helpers/dedent';
import {
  type GeneratedEndpoint,
  type GeneratedService,
  kubeProxyRuleset,
  serviceSpec,
} from '../../generators/kube-proxy-dump';
import { SMALL_NODE } from '../../helpers/small-node';
import { nodesOfText } from '../../helpers/sections';

const ep = (ip: string, port = 8080): GeneratedEndpoint => ({ ip, port });
const svc = serviceSpec;

const NODE = SMALL_NODE;

/** After the churn: dns lost 10.244.1.8, web moved from :8080 to :9090, empty lost all, gone was deleted. */
const AFTER: GeneratedService[] = [
  svc('kube-system/kube-dns:dns', 'udp', '10.96.0.10', 53, [ep('10.244.2.8', 53), ep('10.244.3.8', 53)]),
  svc('shop/web:http', 'tcp', '10.96.0.20', 80, [ep('10.244.1.20', 9090)], { nodePort: 30020 }),
  svc('shop/empty:http', 'tcp', '10.96.0.30', 80, []),
  svc('shop/late:dns', 'udp', '10.96.0.50', 53, [ep('10.244.5.50', 53)]),
];

const udp = (src: string, sport: number, dst: string, dport: number, rsrc: string, rsport: number, rdst = src) =>
  `udp      17 25 src=${src} dst=${dst} sport=${sport} dport=${dport} src=${rsrc} dst=${rdst} sport=${rsport} dport=${sport} mark=0 use=1`;
const tcp = (src: string, sport: number, dst: string, dport: number, rsrc: string, rsport: number, rdst = src) =>
  `tcp      6 86390 ESTABLISHED src=${src} dst=${dst} sport=${sport} dport=${dport} src=${rsrc} dst=${rdst} sport=${rsport} dport=${sport} [ASSURED] mark=0 use=1`;

const TABLE = [
  udp('10.244.0.5', 40001, '10.96.0.10', 53, '10.244.2.8', 53), // valid
  udp('10.244.0.5', 40002, '10.96.0.10', 53, '10.244.1.8', 53), // endpoint gone
  udp('10.244.0.6', 40003, '10.96.0.10', 53, '10.244.1.8', 53), // endpoint gone
  tcp('10.244.0.5', 50001, '10.96.0.20', 80, '10.244.1.20', 8080), // port changed
  tcp('10.244.0.5', 50002, '10.96.0.20', 80, '10.244.1.20', 9090), // valid
  tcp('203.0.113.9', 50003, '192.168.0.2', 30020, '10.244.1.20', 8080, '192.168.0.2'), // NodePort, port changed
  tcp('10.244.0.5', 50004, '10.96.0.30', 80, '10.244.1.30', 8080), // no endpoints now
  udp('10.244.0.5', 40004, '10.96.0.40', 53, '10.244.1.40', 53), // service deleted
  udp('10.244.0.5', 40005, '10.96.0.50', 53, '10.96.0.50', 53), // blackhole from before the endpoints
  udp('10.244.0.5', 40006, '8.8.8.8', 53, '8.8.8.8', 53, '192.168.0.2'), // plain egress, masqueraded
].join('\n');

function analyse(rules: string, conntrack: string, node = NODE): StaleAnalysis {
  const text = `${node}\nroot@n1:~# iptables-save\n${rules}\nroot@n1:~# conntrack -L\n${conntrack}\n`;
  return analyzeStale(nodesOfText(text));
}

test('after endpoint churn and a deleted service exactly the entries the rules can no longer produce are stale', (t) => {
  const a = analyse(kubeProxyRuleset(AFTER, { clusterCidr: '10.244.0.0/16' }), TABLE);
  const got = a.stale.map((s) => `${s.proto} ${s.src}:${s.sport} ${s.kind} ${s.natTarget} ${s.service}`).sort();
  t.deepEqual(got, [
    'tcp 10.244.0.5:50001 endpoint-gone 10.244.1.20:8080 shop/web:http',
    'tcp 10.244.0.5:50004 no-endpoints 10.244.1.30:8080 shop/empty:http',
    'tcp 203.0.113.9:50003 endpoint-gone 10.244.1.20:8080 shop/web:http',
    'udp 10.244.0.5:40002 endpoint-gone 10.244.1.8:53 kube-system/kube-dns:dns',
    'udp 10.244.0.5:40004 service-gone 10.244.1.40:53 null',
    'udp 10.244.0.5:40005 blackhole null shop/late:dns',
    'udp 10.244.0.6:40003 endpoint-gone 10.244.1.8:53 kube-system/kube-dns:dns',
  ]);
  t.deepEqual(a.nodes, [{ node: 'n1', checked: 10, stale: 7, undecided: [] }]);
  const dns = a.stale.find((s) => s.sport === 40002)!;
  t.deepEqual(dns.now, ['10.244.2.8:53', '10.244.3.8:53']);
  t.is(
    dns.cleanup,
    'conntrack -D -p udp -s 10.244.0.5 -d 10.96.0.10 --sport 40002 --dport 53 -r 10.244.1.8 --reply-port-src 53',
  );
  t.true(dns.line > 0);
  const group = a.findings.find((f) => f.code === 'STALE_ENDPOINT_GONE' && f.subject === 'kube-system/kube-dns:dns')!;
  t.is(group.severity, 'error');
  t.is(group.remedy, 'conntrack -D -p udp -d 10.96.0.10 --dport 53 -r 10.244.1.8 --reply-port-src 53');
  t.regex(
    group.message,
    /^2 udp conntrack entries to 10\.96\.0\.10:53 \(kube-system\/kube-dns:dns\) still go to 10\.244\.1\.8:53, where the rules no longer send such connections; new ones go to 10\.244\.2\.8:53, 10\.244\.3\.8:53$/,
  );
  t.is(
    a.findings.find((f) => f.code === 'STALE_BLACKHOLE')?.remedy,
    'conntrack -D -p udp -d 10.96.0.50 --dport 53 -r 10.96.0.50 --reply-port-src 53',
  );
  const web = a.findings.find(
    (f) => f.code === 'STALE_ENDPOINT_GONE' && f.subject === 'shop/web:http' && f.message.includes('30020'),
  );
  t.is(web?.severity, 'warning');
  // kube-proxy leaves a terminating pod out while ready ones exist: a TCP finding says deleting cuts its draining.
  t.regex(web!.message, /\. A pod still terminating drains its connections on its own: deleting them cuts them early$/);
  t.notRegex(group.message, /terminating/, 'UDP has no connection to drain');
  t.regex(web!.remedy, /^conntrack -D /, 'the remedy stays commands to run');
});

test("without the node's addresses a NodePort entry is not called stale for want of them; a deleted service's still is", (t) => {
  const live = tcp('203.0.113.9', 50007, '192.168.0.2', 30020, '10.244.1.20', 9090, '192.168.0.2');
  const rules = kubeProxyRuleset(AFTER, { clusterCidr: '10.244.0.0/16' });
  const known = analyse(rules, `${TABLE}\n${live}`);
  const unknown = analyse(rules, `${TABLE}\n${live}`, '');
  const kinds = (a: StaleAnalysis) => a.stale.map((s) => `${s.sport} ${s.kind} ${s.now.join(',')}`).sort();
  t.deepEqual(
    kinds(unknown),
    kinds(known),
    'the NodePort whose port changed is stale either way, and says where new connections go',
  );
  t.true(kinds(unknown).includes('50003 endpoint-gone 10.244.1.20:9090'));
  t.true(kinds(unknown).includes('40004 service-gone '));
  t.deepEqual(known.nodes, [{ node: 'n1', checked: 11, stale: 7, undecided: [] }]);
  t.deepEqual(unknown.nodes, [
    {
      node: 'n1',
      checked: 10,
      stale: 7,
      undecided: [
        {
          why: "a NodePort connection if 192.168.0.2 is an address of this node: no ip addr dump or --node-ip says which addresses are the node's",
          count: 1,
        },
      ],
    },
  ]);
  const given = analyzeStale(
    nodesOfText(`root@n1:~# iptables-save\n${rules}\nroot@n1:~# conntrack -L\n${TABLE}\n${live}\n`),
    { nodeIps: ['192.168.0.2'] },
  );
  t.deepEqual(given.nodes, known.nodes, '--node-ip settles it');
});

test('the same table against the rules it was made with has no stale entry', (t) => {
  const BEFORE: GeneratedService[] = [
    svc('kube-system/kube-dns:dns', 'udp', '10.96.0.10', 53, [ep('10.244.1.8', 53), ep('10.244.2.8', 53)]),
    svc('shop/web:http', 'tcp', '10.96.0.20', 80, [ep('10.244.1.20', 8080), ep('10.244.1.20', 9090)], {
      nodePort: 30020,
    }),
    svc('shop/empty:http', 'tcp', '10.96.0.30', 80, [ep('10.244.1.30')]),
    svc('shop/gone:dns', 'udp', '10.96.0.40', 53, [ep('10.244.1.40', 53)]),
  ];
  const lines = TABLE.split('\n').filter((l) => !l.includes('40005'));
  const a = analyse(kubeProxyRuleset(BEFORE, { clusterCidr: '10.244.0.0/16' }), lines.join('\n'));
  t.deepEqual(a.stale, []);
  t.is(a.nodes[0]!.checked, lines.length);
});

test('hand-written DNAT is judged by the walk, not by kube-proxy names', (t) => {
  const rules = dedent`
    *nat
    :PREROUTING ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    :POSTROUTING ACCEPT [0:0]
    :WEB - [0:0]
    -A PREROUTING -d 192.168.0.2/32 -p tcp -m tcp --dport 8443 -j WEB
    -A WEB -s 198.51.100.0/24 -j DNAT --to-destination 10.0.5.1:443
    -A WEB -j DNAT --to-destination 10.0.5.2:443
    COMMIT
  `;
  const table = [
    tcp('198.51.100.7', 1000, '192.168.0.2', 8443, '10.0.5.1', 443), // right for its source
    tcp('203.0.113.7', 1001, '192.168.0.2', 8443, '10.0.5.1', 443), // wrong for its source
    tcp('203.0.113.8', 1002, '192.168.0.2', 8443, '10.0.5.2', 443),
    tcp('198.51.100.8', 1003, '192.168.0.2', 8443, '10.0.5.2', 443), // wrong for its source
  ].join('\n');
  const a = analyse(rules, table);
  t.deepEqual(a.stale.map((s) => `${s.sport} ${s.kind} ${s.now.join(',')}`).sort(), [
    '1001 endpoint-gone 10.0.5.2:443',
    '1003 endpoint-gone 10.0.5.1:443',
  ]);
  // A group command would also delete the live entries of the other source range: each entry gets its own.
  const f = a.findings.find((x) => x.code === 'STALE_ENDPOINT_GONE')!;
  t.deepEqual(f.remedy.split('\n'), [
    'conntrack -D -p tcp -s 203.0.113.7 -d 192.168.0.2 --sport 1001 --dport 8443 -r 10.0.5.1 --reply-port-src 443',
    'conntrack -D -p tcp -s 198.51.100.8 -d 192.168.0.2 --sport 1003 --dport 8443 -r 10.0.5.2 --reply-port-src 443',
  ]);
});

test('a mark set on the source decides the DNAT: entries are told apart by it, not lumped with the first source seen', (t) => {
  const rules = dedent`
    *mangle
    :PREROUTING ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    -A PREROUTING -s 198.51.100.0/24 -j MARK --set-xmark 0x1/0xffffffff
    COMMIT
    *nat
    :PREROUTING ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    :POSTROUTING ACCEPT [0:0]
    -A PREROUTING -d 192.168.0.2/32 -p tcp -m tcp --dport 8443 -m mark --mark 0x1 -j DNAT --to-destination 10.0.5.1:443
    -A PREROUTING -d 192.168.0.2/32 -p tcp -m tcp --dport 8443 -j DNAT --to-destination 10.0.5.2:443
    COMMIT
  `;
  const table = [
    tcp('203.0.113.7', 1001, '192.168.0.2', 8443, '10.0.5.2', 443),
    tcp('198.51.100.7', 1000, '192.168.0.2', 8443, '10.0.5.2', 443), // marked: should have gone to .1
  ].join('\n');
  const a = analyse(rules, table);
  t.deepEqual(
    a.stale.map((s) => `${s.sport} ${s.now.join(',')}`),
    ['1000 10.0.5.1:443'],
  );
});

test('two listings of one table (conntrack -L and a copy of /proc/net/nf_conntrack, as sos keeps them) count each entry once', (t) => {
  const rules = kubeProxyRuleset(AFTER, { clusterCidr: '10.244.0.0/16' });
  const proc = TABLE.split('\n').map((l) => `ipv4     2 ${l.replace(/use=1$/, 'zone=0 use=2')}`);
  const extra = udp('10.244.0.7', 40009, '10.96.0.10', 53, '10.244.1.8', 53);
  const text = `${NODE}\nroot@n1:~# iptables-save\n${rules}\nroot@n1:~# conntrack -L\n${TABLE}\nroot@n1:~# cat /proc/net/nf_conntrack\n${[...proc, `ipv4     2 ${extra.replace(/use=1$/, 'zone=0 use=2')}`].join('\n')}\n`;
  const [node] = nodesOfText(text);
  t.deepEqual(
    node!.conntrack.map((s) => s.entries.length),
    [10, 1],
    'the /proc copy adds only the entry -L did not list',
  );
  const a = analyzeStale([node!]);
  t.deepEqual(a.nodes, [{ node: 'n1', checked: 11, stale: 8, undecided: [] }]);
  t.is(a.stale.filter((s) => s.sport === 40002).length, 1);
  t.truthy(a.stale.find((s) => s.sport === 40009));
});

test('externalTrafficPolicy Local: an outside client stale on a remote endpoint pods still reach gets its own command, never one for the target', (t) => {
  const local = svc(
    'shop/front:http',
    'tcp',
    '10.96.0.60',
    80,
    [
      { ip: '10.244.0.60', port: 8080, local: true },
      { ip: '10.244.2.60', port: 8080 },
    ],
    { nodePort: 30060, externalTrafficPolicy: 'Local', healthCheckNodePort: 32060 },
  );
  // From outside before the policy changed: DNATed to the remote endpoint, where external clients go no more.
  const table = tcp('203.0.113.9', 50010, '192.168.0.2', 30060, '10.244.2.60', 8080, '192.168.0.2');
  const a = analyse(kubeProxyRuleset([local], { clusterCidr: '10.244.0.0/16' }), table);
  t.deepEqual(
    a.stale.map((s) => `${s.src} ${s.kind} ${s.natTarget}`),
    ['203.0.113.9 endpoint-gone 10.244.2.60:8080'],
  );
  const target = a.groups[0]!.targets[0]!;
  t.is(
    target.cleanup,
    null,
    'a group command would cut pods\u2019 live connections through the NodePort to 10.244.2.60',
  );
  t.regex(a.stale[0]!.cleanup, /^conntrack -D -p tcp -s 203\.0\.113\.9 -d 192\.168\.0\.2 --sport 50010 --dport 30060 /);
});
