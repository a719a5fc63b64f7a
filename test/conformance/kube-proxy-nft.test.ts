/**
 * kube-proxy's own nftables packet-flow cases (runPacketFlowTests of pkg/proxy/nftables/proxier_test.go,
 * shared/captures/nft/kube-proxy-nft.generated-tests.cases.json): each block's ruleset is rebuilt with the
 * generator from the block's services (test/generators/kube-proxy-nft.ts, v1.34 layout, as the test file is),
 * walked by nfwalk, and the DNAT targets, DROP/REJECT and masquerading compared with the test's expectation.
 * kube-proxy's tracer reports every endpoint a numgen map can reach; nfwalk's paths give the same set.
 * Each block's fake proxier options are the generator's: terminating endpoints, the no-op local detector, the
 * node addresses --nodeport-addresses matches, and, after an EndpointSlice is deleted, the second sync's table
 * with the first sync's service chains flushed.
 */
import { type TraceResult, isNftStep, prepareTracer } from '../../src/analyses/trace/index';
import { inPrefix, parseIp, parsePrefix } from '../../src/model/address';
import { type NftEndpoint, type NftServicePort, service, writeRuleset } from '../generators/kube-proxy-nft';
import { nodesOfText } from '../helpers/sections';
import { readShared, sharedTest } from '../helpers/shared';

interface Case {
  readonly name: string;
  readonly sourceIP: string;
  readonly destIP: string;
  readonly destPort: number;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly output: string;
  readonly masq: boolean;
}

interface Block {
  readonly test: string;
  readonly subtest?: string;
  readonly nodeIPs: readonly string[];
  /** TestNodePorts: --nodeport-addresses. */
  readonly nodePortAddresses?: readonly string[];
  readonly cases: readonly Case[];
}

type Ep = readonly [ip: string, port: number, local: boolean, state?: NftEndpoint['state']];

interface Spec {
  readonly ns: string;
  readonly svc: string;
  readonly portName: string;
  readonly protocol?: 'tcp' | 'udp' | 'sctp';
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort?: number;
  readonly externalIPs?: readonly string[];
  readonly lb?: readonly string[];
  readonly sourceRanges?: readonly string[];
  readonly etp?: 'Local';
  readonly itp?: 'Local';
  readonly endpoints: readonly Ep[];
}

const v6 = (s: Spec) => s.clusterIP.includes(':');

function ports(specs: readonly Spec[]): NftServicePort[] {
  return specs.map((s) =>
    service(
      {
        namespace: s.ns,
        service: s.svc,
        portName: s.portName,
        protocol: s.protocol ?? 'tcp',
        clusterIP: s.clusterIP,
        port: s.port,
        nodePort: s.nodePort ?? null,
        externalIPs: s.externalIPs ?? [],
        loadBalancerIPs: s.lb ?? [],
        sourceRanges: s.sourceRanges ?? [],
        externalTrafficPolicy: s.etp ?? 'Cluster',
        internalTrafficPolicy: s.itp ?? 'Cluster',
        endpoints: s.endpoints.map(([ip, port, local, state]) => ({ ip, port, local, ...(state ? { state } : {}) })),
      },
      'v1.34',
      v6(s),
    ),
  );
}

const ep = (ip: string, port: number, local: boolean, state?: NftEndpoint['state']): Ep =>
  state ? [ip, port, local, state] : [ip, port, local];

const MASQUERADE_SERVICES: readonly Spec[] = [
  {
    ns: 'ns1',
    svc: 'svc1',
    portName: 'p80',
    clusterIP: '172.30.0.41',
    port: 80,
    nodePort: 3001,
    lb: ['1.2.3.4'],
    endpoints: [ep('10.180.0.1', 80, true), ep('10.180.1.1', 80, false)],
  },
  {
    ns: 'ns2',
    svc: 'svc2',
    portName: 'p80',
    clusterIP: '172.30.0.42',
    port: 80,
    nodePort: 3002,
    lb: ['5.6.7.8'],
    etp: 'Local',
    endpoints: [ep('10.180.0.2', 80, true), ep('10.180.1.2', 80, false)],
  },
  {
    ns: 'ns3',
    svc: 'svc3',
    portName: 'p80',
    clusterIP: '172.30.0.43',
    port: 80,
    nodePort: 3003,
    lb: ['9.10.11.12'],
    itp: 'Local',
    endpoints: [ep('10.180.0.3', 80, true), ep('10.180.1.3', 80, false)],
  },
];

interface Setup {
  readonly specs: readonly Spec[];
  readonly masqueradeAll?: boolean;
  readonly localDetector?: 'none';
  /** After delete: the first sync's services, whose chains the second sync flushes. */
  readonly flushed?: readonly Spec[];
}

/** A block and the same service after its EndpointSlice is deleted (the test's second sync). */
const withDelete = (key: string, spec: Spec): [string, Setup][] => [
  [key, { specs: [spec] }],
  [`${key} / after delete`, { specs: [{ ...spec, endpoints: [] }], flushed: [spec] }],
];

/** TestTerminatingEndpointsTrafficPolicy{Local,Cluster}: one LoadBalancer service, endpoints by subtest. */
function terminating(policy: 'Local' | 'Cluster'): [string, Setup][] {
  const here = policy === 'Local';
  const subtests: readonly (readonly [string, readonly Ep[]])[] = [
    [
      'ready endpoints exist',
      [
        ep('10.0.1.1', 80, true),
        ep('10.0.1.2', 80, true),
        ep('10.0.1.3', 80, here, 'terminating'),
        ep('10.0.1.4', 80, here, 'not-serving'),
        ep('10.0.1.5', 80, false),
      ],
    ],
    [
      'only terminating endpoints exist',
      [
        ep('10.0.1.2', 80, true, 'terminating'),
        ep('10.0.1.3', 80, true, 'terminating'),
        ep('10.0.1.4', 80, here, 'not-serving'),
        ep('10.0.1.5', 80, false, here ? 'ready' : 'terminating'),
      ],
    ],
    ['terminating endpoints on remote node', [ep('10.0.1.5', 80, false, 'terminating')]],
    [
      'no usable endpoints on any node',
      [ep('10.0.1.5', 80, true, 'not-serving'), ep('10.0.1.5', 80, false, 'not-serving')],
    ],
  ];
  return subtests.flatMap(([subtest, endpoints]) =>
    withDelete(`TestTerminatingEndpointsTrafficPolicy${policy} ${subtest}`, {
      ns: 'ns1',
      svc: 'svc1',
      portName: '',
      clusterIP: '172.30.1.1',
      port: 80,
      lb: ['1.2.3.4'],
      ...(here ? { etp: 'Local' as const } : {}),
      endpoints,
    }),
  );
}

/** The blocks by test and subtest, with the options of their fake proxier. */
const SETUPS: Readonly<Record<string, Setup>> = {
  TestNoEndpointsReject: {
    specs: [
      {
        ns: 'ns1',
        svc: 'svc1',
        portName: 'p80',
        clusterIP: '172.30.0.41',
        port: 80,
        nodePort: 3001,
        externalIPs: ['192.168.99.11'],
        lb: ['1.2.3.4'],
        endpoints: [],
      },
    ],
  },
  TestClusterIPGeneral: {
    specs: [
      {
        ns: 'ns1',
        svc: 'svc1',
        portName: 'http',
        clusterIP: '172.30.0.41',
        port: 80,
        endpoints: [ep('10.180.0.1', 80, true)],
      },
      ...(
        [
          ['http', 'tcp', 80, 80],
          ['https', 'tcp', 443, 8443],
          ['dns-udp', 'udp', 53, 53],
          ['dns-tcp', 'tcp', 53, 5353],
          ['dns-sctp', 'sctp', 53, 53],
        ] as const
      ).map(([portName, protocol, port, target]) => ({
        ns: 'ns2',
        svc: 'svc2',
        portName,
        protocol,
        clusterIP: '172.30.0.42',
        port,
        endpoints: [ep('10.180.0.1', target, true), ep('10.180.2.1', target, false)],
      })),
    ],
  },
  TestLoadBalancer: {
    specs: [
      {
        ns: 'ns1',
        svc: 'svc1',
        portName: 'p80',
        clusterIP: '172.30.0.41',
        port: 80,
        nodePort: 3001,
        lb: ['1.2.3.4', '5.6.7.8'],
        sourceRanges: ['192.168.0.0/24', '203.0.113.0/25'],
        endpoints: [ep('10.180.0.1', 80, false)],
      },
    ],
  },
  'TestNodePorts ipv4, multiple nodeport-addresses': {
    specs: [
      {
        ns: 'ns1',
        svc: 'svc1',
        portName: 'p80',
        clusterIP: '172.30.0.41',
        port: 80,
        nodePort: 3001,
        endpoints: [ep('10.180.0.1', 80, false), ep('10.180.2.1', 80, true)],
      },
    ],
  },
  'TestNodePorts ipv6, multiple nodeport-addresses': {
    specs: [
      {
        ns: 'ns1',
        svc: 'svc1',
        portName: 'p80',
        clusterIP: 'fd00:172:30::41',
        port: 80,
        nodePort: 3001,
        endpoints: [ep('fd00:10:180::1', 80, false), ep('fd00:10:180::2:1', 80, true)],
      },
    ],
  },
  'TestNodePorts ipv4': {
    specs: [
      {
        ns: 'ns1',
        svc: 'svc1',
        portName: 'p80',
        clusterIP: '172.30.0.41',
        port: 80,
        nodePort: 3001,
        endpoints: [ep('10.180.0.1', 80, false), ep('10.180.2.1', 80, true)],
      },
    ],
  },
  'TestNodePorts ipv6': {
    specs: [
      {
        ns: 'ns1',
        svc: 'svc1',
        portName: 'p80',
        clusterIP: 'fd00:172:30::41',
        port: 80,
        nodePort: 3001,
        endpoints: [ep('fd00:10:180::1', 80, false), ep('fd00:10:180::2:1', 80, true)],
      },
    ],
  },
  ...Object.fromEntries(
    (['Local', 'Cluster'] as const).map((policy) => [
      `TestExternalTrafficPolicy${policy}`,
      {
        specs: [
          {
            ns: 'ns1',
            svc: 'svc1',
            portName: 'p80',
            clusterIP: '172.30.0.41',
            port: 80,
            nodePort: 3001,
            externalIPs: ['192.168.99.11'],
            lb: ['1.2.3.4'],
            ...(policy === 'Local' ? { etp: 'Local' as const } : {}),
            endpoints: [ep('10.180.0.1', 80, false), ep('10.180.2.1', 80, true)],
          },
        ],
      },
    ]),
  ),
  ...Object.fromEntries(
    (
      [
        ['internalTrafficPolicy is cluster', undefined, [true, false, false]],
        ['internalTrafficPolicy is local and there is one local endpoint', 'Local', [true, false, false]],
        ['internalTrafficPolicy is local and there are multiple local endpoints', 'Local', [true, true, false]],
        ['internalTrafficPolicy is local and there are no local endpoints', 'Local', [false, false, false]],
      ] as const
    ).flatMap(([subtest, itp, local]) => {
      const spec = (endpoints: readonly Ep[]): Spec => ({
        ns: 'ns1',
        svc: 'svc1',
        portName: '',
        clusterIP: '172.30.1.1',
        port: 80,
        ...(itp ? { itp } : {}),
        endpoints,
      });
      return withDelete(
        `TestInternalTrafficPolicy ${subtest}`,
        spec(local.map((l, i) => ep(`10.0.1.${i + 1}`, 80, l))),
      );
    }),
  ),
  ...Object.fromEntries([...terminating('Local'), ...terminating('Cluster')]),
  'TestInternalExternalMasquerade base': { specs: MASQUERADE_SERVICES },
  'TestInternalExternalMasquerade masqueradeAll': { specs: MASQUERADE_SERVICES, masqueradeAll: true },
  'TestInternalExternalMasquerade no LocalTrafficDetector': { specs: MASQUERADE_SERVICES, localDetector: 'none' },
  'TestInternalExternalMasquerade masqueradeAll, no LocalTrafficDetector': {
    specs: MASQUERADE_SERVICES,
    masqueradeAll: true,
    localDetector: 'none',
  },
};

/** The node addresses --nodeport-addresses matches (proxyutil.NodePortAddresses.GetNodeIPs). */
const matching = (ips: readonly string[], cidrs: readonly string[]) =>
  ips.filter((ip) => cidrs.some((c) => inPrefix(parseIp(ip)!, parsePrefix(c)!)));

/** What kube-proxy's tracer prints for a walk: every DNAT target, or DROP/REJECT, or '' when accepted unchanged. */
function outputOf(r: TraceResult): { output: string; masq: boolean } {
  const targets = new Set<string>();
  let drop = false;
  let reject = false;
  for (const p of r.paths) {
    const dnat = p.steps.find((s) => 'rule' in s && s.rewrote && isNftStep(s) && /\bdnat\b/.test(s.text));
    if (dnat && 'rewrote' in dnat && dnat.rewrote) {
      const { dst, dport } = dnat.rewrote;
      targets.add(dst.includes(':') ? `[${dst}]:${dport}` : `${dst}:${dport}`);
    } else if (p.verdict === 'REJECT') reject = true;
    else if (p.verdict === 'DROP') drop = true;
  }
  const masq = r.paths.some((p) =>
    p.steps.some((s) => isNftStep(s) && 'verdict' in s && s.verdict === 'jump mark-for-masquerade'),
  );
  const output = targets.size ? [...targets].sort().join(', ') : reject ? 'REJECT' : drop ? 'DROP' : '';
  return { output, masq };
}

const addrLines = (ips: readonly string[]) =>
  ips
    .map(
      (ip, i) =>
        `${i + 2}: eth${i}    ${ip.includes(':') ? 'inet6' : 'inet'} ${ip}/${ip.includes(':') ? 64 : 24} scope global eth${i}\\       valid_lft forever preferred_lft forever`,
    )
    .join('\n');

sharedTest(
  "kube-proxy's nftables packet-flow cases: nfwalk's walk of the generated ruleset gives the test's answer",
  (t) => {
    const file = JSON.parse(readShared('captures/nft/kube-proxy-nft.generated-tests.cases.json')) as { tests: Block[] };
    const all = file.tests.reduce((n, b) => n + b.cases.length, 0);
    t.is(all, 207);
    const failures: string[] = [];
    let checked = 0;
    const leftOut: string[] = [];
    for (const block of file.tests) {
      const key = block.subtest ? `${block.test} ${block.subtest}` : block.test;
      const setup = SETUPS[key];
      if (!setup) {
        leftOut.push(`${key} (${block.cases.length})`);
        continue;
      }
      const family = setup.specs.some(v6) ? 'ipv6' : 'ipv4';
      const own = block.nodeIPs.filter((ip) => ip.includes(':') === (family === 'ipv6'));
      const g = writeRuleset(ports(setup.specs), {
        layout: 'v1.34',
        family,
        masqueradeAll: setup.masqueradeAll ?? false,
        ...(setup.localDetector ? { localDetector: setup.localDetector } : {}),
        ...(block.nodePortAddresses ? { nodePortIPs: matching(own, block.nodePortAddresses) } : {}),
        ...(setup.flushed ? { flushed: ports(setup.flushed) } : {}),
      });
      const text = `# ip -o addr\n${addrLines(own)}\n# nft list ruleset\n${g.text}`;
      const tracer = prepareTracer(nodesOfText(text)[0]!, family);
      for (const c of block.cases) {
        checked++;
        const local = own.includes(c.sourceIP);
        const r = tracer.trace({
          src: c.sourceIP,
          dst: c.destIP,
          proto: c.protocol,
          sport: 40000,
          dport: c.destPort,
          ...(local ? { local: true } : { in: 'eth0' }),
          newClient: true,
        });
        const got = outputOf(r);
        if (got.output !== c.output || got.masq !== c.masq)
          failures.push(
            `${key} / ${c.name}: kube-proxy ${JSON.stringify(c.output)} masq=${c.masq}, nfwalk ${JSON.stringify(got.output)} masq=${got.masq}`,
          );
      }
    }
    t.deepEqual(failures, []);
    t.log(`${checked} of ${all} cases checked, ${failures.length} failed; left out: ${leftOut.join(', ') || 'none'}`);
    t.deepEqual(leftOut, []);
    t.is(checked, all);
  },
);
