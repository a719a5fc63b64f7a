/**
 * A dual-stack node end to end: kube-proxy's rules in iptables-save and ip6tables-save (the generator in both
 * families), both families' addresses and routes, and one conntrack table mixing both. `services` must give
 * each Service its IPv4 and its IPv6 entry points with their own endpoints, and `stale` must judge every entry
 * against the ruleset of its own family: the IPv6 twins of stale IPv4 entries are stale for the same reasons.
 */
import test from 'ava';
import { analyzeServices } from '../../src/analyses/services/index';
import { analyzeStale } from '../../src/analyses/stale/index';
import {
  type GeneratedEndpoint,
  type GeneratedService,
  kubeProxyRuleset,
  serviceSpec,
} from '../generators/kube-proxy-dump';
import { dedent } from '../helpers/dedent';
import { v6Of } from '../helpers/lab-family';
import { nodesOfText } from '../helpers/sections';
import { SMALL_NODE } from '../helpers/small-node';

/** The IPv6 half of the small node: eth0 2001:db8:168::2/64, pods on cni0 fd00:10:244::/64. */
const NODE_V6 = dedent`
  root@n1:~# ip -6 -o addr
  1: lo    inet6 ::1/128 scope host noprefixroute \       valid_lft forever preferred_lft forever
  2: eth0    inet6 ${v6Of('192.168.0.2')}/64 scope global \       valid_lft forever preferred_lft forever
  3: cni0    inet6 ${v6Of('10.244.0.1')}/64 scope global \       valid_lft forever preferred_lft forever
  root@n1:~# ip -6 route
  ${v6Of('192.168.0.0')}/64 dev eth0 proto kernel metric 256 pref medium
  ${v6Of('10.244.0.0')}/64 dev cni0 proto kernel metric 256 pref medium
  default via ${v6Of('192.168.0.1')} dev eth0 metric 1024 pref medium
`;

type Family = 'ipv4' | 'ipv6';
const at = (family: Family, ip: string) => (family === 'ipv4' ? ip : v6Of(ip));

/** One Service list, written once, in either family: dns lost an endpoint, web moved port, gone was deleted. */
function services(family: Family): GeneratedService[] {
  const ep = (ip: string, port = 8080): GeneratedEndpoint => ({ ip: at(family, ip), port });
  return [
    serviceSpec('kube-system/kube-dns:dns', 'udp', at(family, '10.96.0.10'), 53, [
      ep('10.244.2.8', 53),
      ep('10.244.3.8', 53),
    ]),
    serviceSpec('shop/web:http', 'tcp', at(family, '10.96.0.20'), 80, [ep('10.244.1.20', 9090)], { nodePort: 30020 }),
  ];
}

/** A conntrack table in one family: what each entry is, and its line. */
function table(family: Family): { line: string; stale: boolean }[] {
  const A = (ip: string) => at(family, ip);
  const flow = (
    proto: 'udp' | 'tcp',
    src: string,
    sport: number,
    dst: string,
    dport: number,
    rsrc: string,
    rsport: number,
    rdst = src,
  ) =>
    `${proto === 'udp' ? 'udp      17 25' : 'tcp      6 86390 ESTABLISHED'} src=${A(src)} dst=${A(dst)} sport=${sport} dport=${dport} src=${A(rsrc)} dst=${A(rdst)} sport=${rsport} dport=${sport} ${proto === 'tcp' ? '[ASSURED] ' : ''}mark=0 use=1`;
  return [
    { line: flow('udp', '10.244.0.5', 40001, '10.96.0.10', 53, '10.244.2.8', 53), stale: false },
    { line: flow('udp', '10.244.0.5', 40002, '10.96.0.10', 53, '10.244.1.8', 53), stale: true },
    { line: flow('tcp', '10.244.0.5', 50001, '10.96.0.20', 80, '10.244.1.20', 8080), stale: true },
    { line: flow('tcp', '10.244.0.5', 50002, '10.96.0.20', 80, '10.244.1.20', 9090), stale: false },
    { line: flow('tcp', '203.0.113.9', 50003, '192.168.0.2', 30020, '10.244.1.20', 8080, '192.168.0.2'), stale: true },
    { line: flow('tcp', '203.0.113.9', 50004, '192.168.0.2', 30020, '10.244.1.20', 9090, '192.168.0.2'), stale: false },
    { line: flow('udp', '10.244.0.5', 40004, '10.96.0.40', 53, '10.244.1.40', 53), stale: true },
  ];
}

const DUMPS = [
  SMALL_NODE,
  NODE_V6,
  `root@n1:~# iptables-save\n${kubeProxyRuleset(services('ipv4'), { clusterCidr: '10.244.0.0/16' })}`,
  `root@n1:~# ip6tables-save\n${kubeProxyRuleset(services('ipv6'), { clusterCidr: v6Of('10.244.0.0/16'), family: 'ipv6' })}`,
].join('\n');

/** Both families' entries interleaved, as conntrack -L lists them. */
const MIXED = table('ipv4').flatMap((e, i) => [e, table('ipv6')[i]!]);

test('services on a dual-stack node: every Service has its IPv4 and its IPv6 entry points, each with its own family’s endpoints', (t) => {
  const analysis = analyzeServices(nodesOfText(DUMPS));
  const entries = analysis.services
    .flatMap((v) =>
      v.nodes.flatMap((n) =>
        n.outcomes.map(
          (o) =>
            `${v.service.name} ${v.service.family} ${o.entry.kind} ${o.entry.ip ?? '*'}:${o.entry.port} -> ${o.endpoints.map((e) => `${e.ip}:${e.port} ${e.probability.toFixed(2)}`).join(', ')}`,
        ),
      ),
    )
    .sort();
  const expected = (['ipv4', 'ipv6'] as const).flatMap((f) => {
    const [dns, web] = services(f);
    const eps = (s: GeneratedService) =>
      s.endpoints.map((e) => `${e.ip}:${e.port} ${(1 / s.endpoints.length).toFixed(2)}`).join(', ');
    return [
      `${dns!.name} ${f} clusterIP ${dns!.clusterIP}:53 -> ${eps(dns!)}`,
      `${web!.name} ${f} clusterIP ${web!.clusterIP}:80 -> ${eps(web!)}`,
      `${web!.name} ${f} nodePort *:30020 -> ${eps(web!)}`,
    ];
  });
  t.deepEqual(entries, expected.sort());
});

test('stale on a dual-stack node: a conntrack table mixing both families is judged against each family’s own rules', (t) => {
  const analysis = analyzeStale(
    nodesOfText(`${DUMPS}\nroot@n1:~# conntrack -L\n${MIXED.map((e) => e.line).join('\n')}\n`),
  );
  const key = (src: string, sport: number | null) => `${src} ${sport}`;
  const expected = MIXED.filter((e) => e.stale).map((e) => {
    const m = /src=(\S+) dst=\S+ sport=(\d+)/.exec(e.line)!;
    return key(m[1]!, Number(m[2]));
  });
  t.deepEqual(analysis.stale.map((s) => key(s.src, s.sport)).sort(), expected.sort());
  t.deepEqual(
    analysis.nodes.map((n) => ({ checked: n.checked, undecided: n.undecided })),
    [{ checked: MIXED.length, undecided: [] }],
  );
  // The same reason in both families.
  const kinds = (family: Family) =>
    analysis.stale
      .filter((s) => s.src.includes(':') === (family === 'ipv6'))
      .map((s) => `${s.sport} ${s.kind}`)
      .sort();
  t.deepEqual(kinds('ipv6'), kinds('ipv4'));
  t.deepEqual(kinds('ipv4'), [
    '40002 endpoint-gone',
    '40004 service-gone',
    '50001 endpoint-gone',
    '50003 endpoint-gone',
  ]);
});
