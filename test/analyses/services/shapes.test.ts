/**
 * Every service shape kube-proxy (iptables mode, v1.32) writes, generated from a service spec: the
 * analysis must recover each service, its entry points and policies, and give every entry point the
 * endpoints and shares the kernel would (statistic probabilities quantised to 2^-31, applied in turn).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { type ServicesAnalysis, analyzeServices } from '../../../src/analyses/services/index';
import { tracePacket } from '../../../src/analyses/trace/index';
import { servicesJson } from '../../../src/report/services-json';
import { dedent } from '../../helpers/dedent';
import {
  type GeneratedEndpoint,
  type GeneratedService,
  kubeProxyRuleset,
  probability,
  serviceSpec,
} from '../../generators/kube-proxy-dump';
import { nodesOfText } from '../../helpers/sections';
import { repoRoot } from '../../helpers/shared';

const NODE_V4 = dedent`
  root@n1:~# ip -o addr
  1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
  2: eth0    inet 192.168.0.2/24 brd 192.168.0.255 scope global eth0\       valid_lft forever preferred_lft forever
  2: eth0    inet6 2001:db8::2/64 scope global \       valid_lft forever preferred_lft forever
  3: cni0    inet 10.244.0.1/24 brd 10.244.0.255 scope global cni0\       valid_lft forever preferred_lft forever
  3: cni0    inet6 fd00:10:244::1/64 scope global \       valid_lft forever preferred_lft forever
  root@n1:~# ip route
  default via 192.168.0.1 dev eth0
  10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1
  192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.2
  root@n1:~# ip -6 route
  2001:db8::/64 dev eth0 proto kernel metric 256 pref medium
  fd00:10:244::/64 dev cni0 proto kernel metric 256 pref medium
  default via 2001:db8::1 dev eth0 metric 1024 pref medium
`;

const ep = (ip: string, local = false, port = 8080): GeneratedEndpoint => ({ ip, port, local });

const svc = serviceSpec;

const V4: GeneratedService[] = [
  svc('ns1/plain:http', 'tcp', '10.96.0.11', 80, [ep('10.244.0.5', true), ep('10.244.1.5'), ep('10.244.2.5')]),
  svc('ns1/np:http', 'tcp', '10.96.0.12', 80, [ep('10.244.1.6'), ep('10.244.2.6')], { nodePort: 30012 }),
  svc(
    'ns1/lb:http',
    'tcp',
    '10.96.0.13',
    80,
    [ep('10.244.1.7'), ep('10.244.2.7'), ep('10.244.3.7'), ep('10.244.4.7')],
    { nodePort: 30013, loadBalancerIPs: ['1.2.3.4'], sourceRanges: ['203.0.113.0/25'] },
  ),
  svc('ns1/ext:dns', 'udp', '10.96.0.14', 53, [ep('10.244.1.8', false, 5353), ep('10.244.2.8', false, 5353)], {
    externalIPs: ['192.168.99.11'],
  }),
  svc('ns2/local:http', 'tcp', '10.96.0.15', 80, [ep('10.244.0.7', true), ep('10.244.1.7'), ep('10.244.0.8', true)], {
    nodePort: 30015,
    loadBalancerIPs: ['5.6.7.8'],
    healthCheckNodePort: 32015,
    externalTrafficPolicy: 'Local',
  }),
  svc('ns2/remote:http', 'tcp', '10.96.0.16', 80, [ep('10.244.1.9')], {
    nodePort: 30016,
    healthCheckNodePort: 32016,
    externalTrafficPolicy: 'Local',
  }),
  svc('ns3/sticky:http', 'tcp', '10.96.0.17', 80, [ep('10.244.1.10'), ep('10.244.2.10'), ep('10.244.3.10')], {
    affinitySeconds: 10800,
  }),
  svc('ns3/empty:http', 'tcp', '10.96.0.18', 80, [], { nodePort: 30018, loadBalancerIPs: ['9.10.11.12'] }),
  svc('ns4/itp:http', 'tcp', '10.96.0.19', 80, [ep('10.244.0.20', true), ep('10.244.1.20')], {
    internalTrafficPolicy: 'Local',
  }),
  svc('ns4/itp-none:http', 'tcp', '10.96.0.21', 80, [ep('10.244.1.21')], { internalTrafficPolicy: 'Local' }),
  svc(
    'ns5/sig:sctp',
    'sctp',
    '10.96.0.22',
    3868,
    [1, 2, 3, 4, 5].map((i) => ep(`10.244.${i}.22`, false, 3868)),
  ),
];

const V6: GeneratedService[] = [
  svc(
    'ns6/web6:http',
    'tcp',
    'fd00:96::11',
    80,
    [ep('fd00:10:244::5', true), ep('fd00:10:244:1::5'), ep('fd00:10:244:2::5')],
    { nodePort: 30611 },
  ),
  svc('ns6/local6:http', 'udp', 'fd00:96::12', 53, [ep('fd00:10:244:1::6', false, 5353)], {
    nodePort: 30612,
    healthCheckNodePort: 32612,
    externalTrafficPolicy: 'Local',
  }),
];

function analysis(): ServicesAnalysis {
  const text = `${NODE_V4}root@n1:~# iptables-save\n${kubeProxyRuleset(V4, { clusterCidr: '10.244.0.0/16' })}root@n1:~# ip6tables-save\n${kubeProxyRuleset(V6, { clusterCidr: 'fd00:10:244::/48', family: 'ipv6' })}`;
  return analyzeServices(nodesOfText(text));
}

/** The kernel's shares down a statistic ladder: rule i matches with q_i of what reaches it, the last with 1. */
function ladderShares(eps: readonly GeneratedEndpoint[]): Map<string, number> {
  const shares = new Map<string, number>();
  let rest = 1;
  eps.forEach((e, i) => {
    // xt_statistic keeps lround(p · 2^31) and matches when a 31-bit random number is below it.
    const q = i === eps.length - 1 ? 1 : Math.round(Number(probability(eps.length - i)) * 2 ** 31) / 2 ** 31;
    shares.set(`${e.ip}:${e.port}`, rest * q);
    rest *= 1 - q;
  });
  return shares;
}

interface Expected {
  readonly verdict: 'forward' | 'drop' | 'reject';
  readonly shares: Map<string, number>;
  readonly masquerade: number;
}

/** What kube-proxy's rules mean for a new connection: from a pod to the cluster IP, from outside to the rest. */
function expected(s: GeneratedService, external: boolean): Expected {
  const policyLocal = external ? s.externalTrafficPolicy === 'Local' : s.internalTrafficPolicy === 'Local';
  const eps = policyLocal ? s.endpoints.filter((e) => e.local) : s.endpoints;
  if (s.endpoints.length === 0) return { verdict: 'reject', shares: new Map(), masquerade: 0 };
  if (eps.length === 0) return { verdict: 'drop', shares: new Map(), masquerade: 0 };
  return { verdict: 'forward', shares: ladderShares(eps), masquerade: external && !policyLocal ? 1 : 0 };
}

const result = analysis();
const json = servicesJson(result);

for (const spec of [...V4, ...V6]) {
  test(`services: ${spec.name} — entry points, policies and the share of every endpoint`, (t) => {
    const view = result.services.find((v) => v.service.name === spec.name);
    if (!view) return t.fail(`${spec.name} not found among ${result.services.map((v) => v.service.name).join(', ')}`);
    const s = view.service;
    const contract = json.services.find((x) => x.name === spec.name)!;
    t.is(s.protocol, spec.protocol);
    t.true(s.named);
    t.is(contract.clusterIP, spec.clusterIP);
    t.is(contract.port, spec.port);
    t.is(contract.nodePort, spec.nodePort);
    // Without endpoints a load-balancer IP is a filter REJECT just like an external IP's: the dump cannot tell them apart.
    const external = spec.endpoints.length
      ? (spec.externalIPs ?? [])
      : [...(spec.externalIPs ?? []), ...(spec.loadBalancerIPs ?? [])];
    t.deepEqual(contract.loadBalancerIPs, spec.endpoints.length ? (spec.loadBalancerIPs ?? []) : []);
    t.deepEqual(contract.externalIPs, external);
    t.is(contract.healthCheckNodePort, spec.healthCheckNodePort ?? null);
    t.is(s.affinitySeconds, spec.affinitySeconds ?? null);
    const externallyAccessible =
      spec.nodePort !== null || (spec.externalIPs ?? []).length + (spec.loadBalancerIPs ?? []).length > 0;
    // Without endpoints kube-proxy writes REJECT rules, which say nothing about the policy.
    if (spec.endpoints.length > 0)
      t.is(s.externalTrafficPolicy, externallyAccessible ? (spec.externalTrafficPolicy ?? 'Cluster') : null);
    if (spec.endpoints.length > 0) t.is(s.internalTrafficPolicy, spec.internalTrafficPolicy ?? 'Cluster');
    t.is(view.nodes.length, 1);
    for (const o of view.nodes[0]!.outcomes) {
      if (o.entry.kind === 'healthCheckNodePort') continue;
      const want = expected(spec, o.entry.kind !== 'clusterIP');
      const where = `${o.entry.kind} ${o.entry.ip ?? '*'}:${o.entry.port}`;
      t.is(o.verdict, want.verdict, where);
      t.deepEqual(o.endpoints.map((e) => `${e.ip}:${e.port}`).sort(), [...want.shares.keys()].sort(), where);
      for (const e of o.endpoints)
        t.true(
          Math.abs(e.probability - want.shares.get(`${e.ip}:${e.port}`)!) < 1e-12,
          `${where} ${e.ip}: ${e.probability}`,
        );
      if (want.verdict === 'forward') t.is(o.masquerade, want.masquerade, `${where} masquerade`);
      t.deepEqual(o.assumptions, [], where);
    }
    const kinds = view.nodes[0]!.outcomes.map((o) => o.entry.kind).sort();
    const wantKinds = [
      'clusterIP',
      ...(spec.nodePort !== null ? ['nodePort'] : []),
      ...(spec.loadBalancerIPs ?? []).map(() => 'loadBalancer'),
      ...(spec.externalIPs ?? []).map(() => 'externalIP'),
      ...(spec.healthCheckNodePort !== undefined ? ['healthCheckNodePort'] : []),
    ];
    // A load-balancer or external IP without endpoints shows only as a filter REJECT, which cannot tell the two apart.
    t.deepEqual(
      kinds,
      (spec.endpoints.length
        ? wantKinds
        : wantKinds.map((k) => (k === 'loadBalancer' || k === 'externalIP' ? 'external' : k))
      ).sort(),
    );
  });
}

test("services: the contract view gives the cluster-IP endpoints and each node's NodePort verdict", (t) => {
  const local = json.services.find((s) => s.name === 'ns2/local:http')!;
  t.deepEqual(
    local.endpoints.map((e) => e.ip),
    ['10.244.0.7', '10.244.0.8', '10.244.1.7'],
  );
  t.deepEqual(
    local.nodes.map((n) => n.node),
    ['n1'],
  );
  t.is(local.nodes[0]!.nodePort!.verdict, 'forward');
  t.deepEqual(
    local.nodes[0]!.nodePort!.endpoints.map((e) => e.ip),
    ['10.244.0.7', '10.244.0.8'],
  );
  const remote = json.services.find((s) => s.name === 'ns2/remote:http')!;
  t.deepEqual(remote.nodes[0]!.nodePort, { verdict: 'drop', endpoints: [] });
  const plain = json.services.find((s) => s.name === 'ns1/plain:http')!;
  t.is(plain.nodes[0]!.nodePort, null);
  t.is(+plain.endpoints.reduce((a, e) => a + e.probability, 0).toFixed(12), 1);
});

test('services: findings on well-formed kube-proxy rules are only the honest ones', (t) => {
  const codes = result.findings.map((f) => `${f.code} ${f.subject}`).sort();
  t.deepEqual(codes, [
    'SVC_LOCAL_POLICY_DROPS ns2/remote:http',
    'SVC_LOCAL_POLICY_DROPS ns6/local6:http',
    'SVC_NO_ENDPOINTS ns3/empty:http',
  ]);
});

test("a service without endpoints: the finding says where rules before kube-proxy's REJECT decide first", (t) => {
  const sample = readFileSync(join(repoRoot, 'samples', 'kube-node.iptables-save'), 'utf8');
  const message = (text: string) =>
    analyzeServices(nodesOfText(text)).findings.find((f) => f.code === 'SVC_NO_ENDPOINTS')?.message;
  t.is(
    message(sample),
    "default/no-endpoints:http has no endpoints: kube-proxy's rules reject new connections to cluster IP 10.96.0.20:80",
  );
  // A host firewall that accepts forwarded traffic before kube-proxy's FORWARD jumps: the REJECT is never reached.
  const first = sample.split('\n').find((l) => l.includes('-A FORWARD '))!;
  const accepting = sample.replace(first, `[0:0] -A FORWARD -j ACCEPT\n${first}`);
  t.is(
    message(accepting),
    "default/no-endpoints:http has no endpoints: kube-proxy's rules reject new connections to cluster IP 10.96.0.20:80; on this node rules before it decide first for cluster IP 10.96.0.20:80 (drop)",
  );
  // A policy agent's accept through a set the dump does not hold: the verdict is a guess, and said as one.
  const npm = sample.replace(first, `[0:0] -A FORWARD -m set --match-set npm-allowed dst -j ACCEPT\n${first}`);
  t.regex(
    message(npm) ?? '',
    /decide first for cluster IP 10\.96\.0\.20:80 \((drop|forward|reject)\?\) \(the walk split on what the dumps do not decide, such as: (NOT )?set npm-allowed \(not in the dumps\)/,
  );
});

test("kube-proxy's filter chains in a dump without a nat table: the services it leaves out are said missing", (t) => {
  const sample = readFileSync(join(repoRoot, 'samples', 'kube-node.iptables-save'), 'utf8');
  const notes = (text: string) =>
    analyzeServices(nodesOfText(text)).nodes.flatMap((n) => n.warnings.filter((w) => /no nat table/.test(w)));
  t.deepEqual(notes(sample), []);
  // `iptables-save -t filter`: the filter table alone, its header and COMMIT kept.
  const lines = sample.split('\n');
  const filter = lines.slice(lines.indexOf('*filter'), lines.indexOf('COMMIT', lines.indexOf('*filter')) + 1);
  const said = notes(`${lines[0]}\n${filter.join('\n')}\n`);
  t.is(said.length, 1);
  t.regex(
    said[0]!,
    /holds kube-proxy's filter chains but no nat table, where kube-proxy writes every service with endpoints/,
  );
});

test('a health-check NodePort is answered on the node, where kube-proxy listens: local, not a reject', (t) => {
  const checks = result.services.flatMap((v) =>
    v.nodes[0]!.outcomes.filter((o) => o.entry.kind === 'healthCheckNodePort').map((o) => [
      v.service.name,
      o.verdict,
      o.unhandled,
    ]),
  );
  t.deepEqual(
    checks,
    [...V4, ...V6].filter((s) => s.healthCheckNodePort).map((s) => [s.name, 'local', 1]),
  );
});

test("a host firewall's drop of a NodePort: the finding sends to the trace that names the rule, not to kube-proxy's sync", (t) => {
  const np = V4.find((s) => s.name === 'ns1/np:http')!;
  const raw = `*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -i eth0 -p tcp -m tcp --dport ${np.nodePort} -j DROP\nCOMMIT\n`;
  const text = `${NODE_V4}root@n1:~# iptables-save\n${raw}${kubeProxyRuleset([np], { clusterCidr: '10.244.0.0/16' })}`;
  const nodes = nodesOfText(text);
  const [finding] = analyzeServices(nodes).findings.filter((f) => f.code === 'SVC_NODEPORT_NOT_FORWARDED');
  const command = /`nfwalk trace --src (\S+) --dst (\S+) --proto (\w+) --dport (\d+)`/.exec(finding?.remedy ?? '');
  t.truthy(command, finding?.remedy);
  t.notRegex(finding!.remedy, /^check kube-proxy/);
  const [, src, dst, proto, dport] = command!;
  const paths = tracePacket(nodes[0]!, {
    src: src!,
    dst: dst!,
    proto: proto as 'tcp',
    sport: 40000,
    dport: Number(dport),
    in: 'eth0',
  }).paths;
  t.deepEqual(
    paths.map((p) => [
      p.verdict,
      p.steps.at(-1) && 'table' in p.steps.at(-1)! ? `${p.steps.at(-1)!.table} ${p.steps.at(-1)!.chain}` : '',
    ]),
    [['DROP', 'raw PREROUTING']],
  );
});
