/**
 * kube-proxy's nftables mode through the services and stale analyses, on its v1.34 test table as the kernel
 * lists it (shared/captures/nft) and on the generator's tables of every layout: entry points and policies
 * from the maps, endpoint shares from the walk, no-endpoint services, affinity, stale entries.
 */
import { analyzeServices } from '../../../src/analyses/services/index';
import { analyzeStale } from '../../../src/analyses/stale/index';
import { servicesJson } from '../../../src/report/services-json';
import { formatServices } from '../../../src/report/services-text';
import { kubeProxyNftRuleset, service, writeRuleset } from '../../generators/kube-proxy-nft';
import { LAB_NODE, RULESET } from '../../helpers/nft-trace';
import { nodesOfText } from '../../helpers/sections';
import { readShared, sharedTest } from '../../helpers/shared';
import test from 'ava';

const summary = (text: string) => {
  const a = analyzeServices(nodesOfText(text));
  return {
    a,
    rows: a.services.flatMap((v) =>
      v.nodes[0]!.outcomes.map(
        (o) =>
          `${v.service.name} ${o.entry.kind} ${o.entry.ip ?? '*'}:${o.entry.port} ${o.verdict} ${o.endpoints.map((e) => `${e.ip}:${e.port}=${e.probability}`).join(',')}`,
      ),
    ),
  };
};

sharedTest("services: kube-proxy's nft table gives every entry point its verdict and endpoint shares", (t) => {
  const { a, rows } = summary(`${LAB_NODE}\n# nft list ruleset\n${readShared(RULESET)}`);
  t.is(a.nodes[0]!.proxyMode, 'nftables');
  t.deepEqual(rows.sort(), [
    'ns1/svc1:p80 clusterIP 172.30.0.41:80 forward 10.180.0.1:80=1',
    'ns2/svc2:p80 clusterIP 172.30.0.42:80 forward 10.180.0.2:80=1',
    'ns2/svc2:p80 external 1.2.3.4:80 drop ',
    'ns2/svc2:p80 external 192.168.99.22:80 drop ',
    'ns2/svc2:p80 nodePort *:3001 drop ',
    'ns3/svc3:p80 clusterIP 172.30.0.43:80 forward 10.180.0.3:80=1',
    'ns3/svc3:p80 nodePort *:3003 forward 10.180.0.3:80=1',
    'ns4/svc4:p80 clusterIP 172.30.0.44:80 forward 10.180.0.4:80=0.5,10.180.0.5:80=0.5',
    'ns4/svc4:p80 external 192.168.99.33:80 forward 10.180.0.4:80=0.5,10.180.0.5:80=0.5',
    'ns5/svc5:p80 clusterIP 172.30.0.45:80 forward 10.180.0.3:80=1',
    'ns5/svc5:p80 loadBalancer 5.6.7.8:80 forward 10.180.0.3:80=1',
    'ns5/svc5:p80 nodePort *:3002 forward 10.180.0.3:80=1',
    'ns6/svc6:p80 clusterIP 172.30.0.46:80 reject ',
  ]);
  const svc = (name: string) => a.services.find((v) => v.service.name === name)!.service;
  t.is(svc('ns2/svc2:p80').externalTrafficPolicy, 'Local');
  t.is(svc('ns4/svc4:p80').externalTrafficPolicy, 'Cluster');
  t.is(svc('ns5/svc5:p80').affinitySeconds, 10800);
  t.deepEqual(svc('ns5/svc5:p80').entryPoints.find((e) => e.kind === 'loadBalancer')?.sourceRanges, ['203.0.113.0/25']);
  t.deepEqual(a.findings.map((f) => `${f.code} ${f.subject}`).sort(), [
    'SVC_LOCAL_POLICY_DROPS ns2/svc2:p80',
    'SVC_LOCAL_POLICY_DROPS ns2/svc2:p80',
    'SVC_LOCAL_POLICY_DROPS ns2/svc2:p80',
    'SVC_NO_ENDPOINTS ns6/svc6:p80',
  ]);
});

sharedTest("services: a kube-proxy nft listing alone probes NodePorts on its nodeport-ips set's address", (t) => {
  const alone = summary(readShared(RULESET));
  const withNode = summary(`${LAB_NODE}\n# nft list ruleset\n${readShared(RULESET)}`);
  const nodePorts = (rows: readonly string[]) => rows.filter((r) => r.includes(' nodePort ')).sort();
  t.deepEqual(nodePorts(alone.rows), nodePorts(withNode.rows));
  t.false(alone.a.findings.some((f) => f.code === 'SVC_NODEPORT_NOT_FORWARDED'));
  t.true(alone.a.nodes[0]!.warnings.some((n) => n.includes("192.168.0.2, from kube-proxy's nodeport-ips set")));
});

sharedTest(
  "services: a live element of an affinity set, as the kernel listed it, is a sticky client of the set's endpoint",
  (t) => {
    // The lab's table with the affinity set as `nft list set` showed it after one connection from 192.168.0.100.
    const live = readShared('captures/nft/kube-proxy-v1.34.affinity-set-with-live-element.nft-list-set.txt');
    const set = /\tset affinity-[^\n]*\{\n[\s\S]*?\n\t\}/;
    const listing = readShared(RULESET).replace(set, set.exec(live)![0]);
    const a = analyzeServices(nodesOfText(`${LAB_NODE}\n# nft list ruleset\n${listing}`));
    const onNode = a.services.find((v) => v.service.name === 'ns5/svc5:p80')!.nodes[0]!;
    t.deepEqual(
      onNode.stickyClients.map((c) => [
        c.client,
        `${c.endpoint.ip}:${c.endpoint.port}`,
        c.expiresSeconds,
        c.endpointLive,
      ]),
      [['192.168.0.100', '10.180.0.3:80', 2 * 3600 + 59 * 60 + 56.796, true]],
    );
    t.true(
      a.services.filter((v) => v.service.name !== 'ns5/svc5:p80').every((v) => v.nodes[0]!.stickyClients.length === 0),
    );
    t.false(a.findings.some((f) => f.code === 'SVC_AFFINITY_ENDPOINT_GONE'));
    t.regex(formatServices(a), /ns5\/svc5:p80\s+192\.168\.0\.100\s+10\.180\.0\.3:80\s+10797 s/);
    const json = servicesJson(a).services.find((s) => s.name === 'ns5/svc5:p80')!.nodes[0]!;
    t.like(json.stickyClients?.[0], { client: '192.168.0.100', endpoint: { ip: '10.180.0.3', port: 80 } });
  },
);

sharedTest(
  'stale: a conntrack entry DNATed to an endpoint the nft table no longer has is stale, one to a current endpoint is not',
  (t) => {
    const conntrack = [
      'tcp      6 86390 ESTABLISHED src=192.168.0.100 dst=172.30.0.41 sport=40001 dport=80 src=10.180.0.9 dst=192.168.0.100 sport=80 dport=40001 [ASSURED] mark=0 use=1',
      'tcp      6 86390 ESTABLISHED src=192.168.0.100 dst=172.30.0.41 sport=40002 dport=80 src=10.180.0.1 dst=192.168.0.100 sport=80 dport=40002 [ASSURED] mark=0 use=1',
      'tcp      6 86390 ESTABLISHED src=192.168.0.100 dst=172.30.0.44 sport=40003 dport=80 src=10.180.0.5 dst=192.168.0.100 sport=80 dport=40003 [ASSURED] mark=0 use=1',
    ].join('\n');
    const nodes = nodesOfText(
      `${LAB_NODE}\n# nft list ruleset\n${readShared(RULESET)}\n# conntrack -L\n${conntrack}\n`,
    );
    const s = analyzeStale(nodes);
    t.deepEqual(
      s.stale.map((x) => `${x.dst}:${x.dport} ${x.natTarget} ${x.service}`),
      ['172.30.0.41:80 10.180.0.9:80 ns1/svc1:p80'],
    );
  },
);

test('services: every layout of the generated kube-proxy nft table gives each service what its description says', (t) => {
  for (const layout of ['v1.33', 'v1.34', '2026'] as const) {
    const g = kubeProxyNftRuleset({ services: 40, seed: 3, layout });
    const addr = `# ip -o addr\n2: eth0    inet ${g.nodeIP}/24 brd 192.168.0.255 scope global eth0\\       valid_lft forever preferred_lft forever\n`;
    const a = analyzeServices(nodesOfText(`${addr}# nft list ruleset\n${g.text}`));
    for (const s of g.services.filter((x) => x.protocol !== 'sctp')) {
      const view = a.services.find((v) => v.service.name === s.name && v.service.protocol === s.protocol);
      t.truthy(view, `${layout} ${s.name}`);
      const cluster = view!.nodes[0]!.outcomes.find((o) => o.entry.kind === 'clusterIP' && o.entry.ip === s.clusterIP);
      t.truthy(cluster, `${layout} ${s.name}: cluster IP entry`);
      const expected = s.internal === 'endpoints' ? 'forward' : s.internal;
      t.is(cluster!.verdict, expected, `${layout} ${s.name}: cluster IP verdict`);
      if (expected === 'forward') {
        const eps = s.internalTrafficPolicy === 'Local' ? s.endpoints.filter((e) => e.local) : s.endpoints;
        t.deepEqual(
          cluster!.endpoints.map((e) => `${e.ip}:${e.port}`).sort(),
          eps.map((e) => `${e.ip}:${e.port}`).sort(),
          `${layout} ${s.name}: endpoints`,
        );
        if (s.affinitySeconds === undefined)
          for (const e of cluster!.endpoints) t.true(Math.abs(e.probability - 1 / eps.length) < 1e-9);
      }
      t.is(view!.service.affinitySeconds, s.affinitySeconds ?? null, `${layout} ${s.name}: affinity`);
      // Without any endpoint every entry rejects, whatever the policy: the table does not say it.
      if (s.endpoints.length > 0 && (s.nodePort !== null || s.loadBalancerIPs.length || s.externalIPs.length))
        t.is(view!.service.externalTrafficPolicy, s.externalTrafficPolicy, `${layout} ${s.name}: eTP`);
    }
  }
});

test('services: an unnamed service port (chains named `ns/svc/tcp/`) is read with its endpoints', (t) => {
  const port = service(
    {
      namespace: 'ns1',
      service: 'svc1',
      portName: '',
      protocol: 'tcp',
      clusterIP: '172.30.1.1',
      port: 80,
      nodePort: null,
      externalIPs: [],
      loadBalancerIPs: [],
      sourceRanges: [],
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Local',
      endpoints: [
        { ip: '10.0.1.1', port: 80, local: true },
        { ip: '10.0.1.2', port: 80, local: false },
      ],
    },
    'v1.34',
    false,
  );
  const g = writeRuleset([port], { layout: 'v1.34', family: 'ipv4' });
  const a = analyzeServices(nodesOfText(`# nft list ruleset\n${g.text}`));
  t.deepEqual(
    a.services.map((v) => [
      v.service.name,
      v.service.internalTrafficPolicy,
      v.nodes[0]!.outcomes[0]!.endpoints.map((e) => e.ip),
    ]),
    [['ns1/svc1:', 'Local', ['10.0.1.1']]],
  );
});

sharedTest(
  "services: a numgen map short of its mod leaves shares to no endpoint, and the remedy speaks of the map, not iptables' ladder",
  (t) => {
    const listing = readShared(RULESET).replace(
      / vmap \{ 0 : goto (endpoint-UNZV3OEC-\S+), 1 : goto \S+ \}/,
      ' vmap { 0 : goto $1 }',
    );
    t.not(listing, readShared(RULESET));
    const { a } = summary(`${LAB_NODE}\n# nft list ruleset\n${listing}`);
    const incomplete = a.findings.filter((f) => f.code === 'SVC_SHARES_INCOMPLETE' && f.subject === 'ns4/svc4:p80');
    t.true(incomplete.length > 0);
    for (const f of incomplete) {
      t.regex(f.message, /^only 50\.0% of new connections/);
      t.regex(f.remedy, /numgen map must have an element for every value of its mod/);
      t.notRegex(f.remedy, /probability/);
    }
  },
);
