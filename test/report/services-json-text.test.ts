/**
 * serviceText writes each service of `services --json` by hand: its text must be JSON.stringify's of serviceJson,
 * with every optional key, null, number and string the shapes can hold, on the samples (IPVS weights and estimates,
 * observed connections, source ranges) and on services changed to hold what no sample has. ../shared's kube-proxy
 * dumps and the generated nodes are compared by test/analyses/services/stream.test.ts and services-json.test.ts.
 */
import test from 'ava';
import {
  type EndpointShare,
  type EntryOutcome,
  type ServiceView,
  type ServicesAnalysis,
  analyzeServices,
} from '../../src/analyses/services/index';
import { loadSections } from '../../src/cli/load';
import { nodesOfInputs } from '../../src/model/node';
import { toJson } from '../../src/report/json';
import { servicesJson, servicesJsonPieces } from '../../src/report/services-json';

const SAMPLES = new URL('../../samples/', import.meta.url).pathname;

const streamed = (a: ServicesAnalysis) =>
  Buffer.concat([...servicesJsonPieces(a)].map((p) => (typeof p === 'string' ? Buffer.from(p) : p))).toString();

const analysisOf = async (sample: string) =>
  analyzeServices(nodesOfInputs((await loadSections([SAMPLES + sample])).sections), { nodeIps: ['192.168.0.2'] });

for (const sample of ['incident-node', 'kube-node-ipvs.ipvsadm.txt', 'kube-proxy-trace-packet.iptables']) {
  test(`each service's bytes are JSON.stringify's of its value: samples/${sample}`, async (t) => {
    const a = await analysisOf(sample);
    t.true(a.services.length > 0);
    t.is(streamed(a), `${toJson(servicesJson(a))}\n`);
  });
}

/** Strings JSON escapes or writes as more than one byte a unit, and one longer than a piece of the byte sink. */
const ODD = [
  'quote " backslash \\ slash /',
  'controls \u0000 \u0001 \b \t \n \f \r \u001f and \u007f',
  'accents é ü, a CJK 漢, an emoji 😀',
  'lone surrogates \ud800 and \udfff',
  '',
  `long ${'\u0001"é'.repeat(120_000)}`,
];

const shares: EndpointShare[] = [
  { ip: '10.0.0.1', port: 80, probability: 1 / 3 },
  { ip: '10.0.0.2', port: 0, probability: 2 / 3, weight: 0 },
  { ip: ODD[1]!, port: 65535, probability: 1e-7, weight: 3 },
  { ip: '10.0.0.4', port: 8080, probability: 5e-324 },
  { ip: '10.0.0.5', port: 2 ** 40, probability: -0 },
];

function oddOutcome(o: EntryOutcome, i: number): EntryOutcome {
  return {
    ...o,
    entry: {
      ...o.entry,
      ip: i % 2 ? null : ODD[i % ODD.length]!,
      sourceRanges: i % 3 ? ['10.0.0.0/8', ODD[2]!] : [],
      evidence: { path: ODD[(i + 2) % ODD.length]!, line: 2 ** 31 + i, column: 0.5 },
    },
    endpoints: i % 2 ? shares : [],
    drop: 0.1 + 0.2,
    reject: 1 / 7,
    unhandled: -1.5,
    masquerade: i % 2 ? null : 0.25,
    client: { src: ODD[3]!, dst: ODD[0]! },
    estimate: i % 2 ? ODD[i % ODD.length]! : '',
    duplicates: i % 2 ? ['10.0.0.1:80', ODD[0]!] : [],
    assumptions: [ODD[2]!],
    ...(i % 2 ? { afterDnat: { drop: 0.5, reject: 0, rules: [ODD[0]!], assumptions: [] } } : {}),
  };
}

/** A view changed to hold every optional key, null and odd value the shapes allow. */
function oddView(view: ServiceView, i: number): ServiceView {
  const s = view.service;
  return {
    service: {
      ...s,
      name: ODD[i % ODD.length]!,
      affinitySeconds: i % 2 ? null : 10800.5,
      externalTrafficPolicy: i % 2 ? null : 'Local',
      entryPoints: [
        ...s.entryPoints,
        { kind: 'externalIP', ip: ODD[0]!, port: 1, evidence: { path: '', line: 1, column: 1 } },
        { kind: 'loadBalancer', ip: '192.0.2.9', port: 2, evidence: { path: 'x', line: 2, column: 3 } },
        { kind: 'healthCheckNodePort', ip: null, port: 31000, evidence: { path: 'x', line: 3, column: 1 } },
      ],
    },
    nodes: view.nodes.map((n, j) => {
      const outcomes = n.outcomes.map((o, k) => oddOutcome(o, i + j + k));
      return {
        ...n,
        node: ODD[(i + j) % ODD.length]!,
        present: !n.present,
        outcomes,
        stickyClients: outcomes.length
          ? [
              {
                client: ODD[0]!,
                endpoint: { ip: '10.0.0.1', port: 80 },
                expiresSeconds: i % 2 ? null : 1.25,
                set: 'affinity-x',
                evidence: { path: 'n.nft', line: 4, column: 1 },
                endpointLive: false,
                ...(i % 2 ? { next: outcomes[0]! } : {}),
              },
            ]
          : [],
      };
    }),
  };
}

test('services with escaped strings, nulls, long fractions, every optional key and a string longer than a piece', async (t) => {
  const a = await analysisOf('incident-node');
  const odd = { ...a, services: a.services.map(oddView) };
  t.true(odd.services.some((v) => v.nodes.some((n) => n.outcomes.length > 0)));
  t.true(odd.services.some((v) => v.nodes.some((n) => n.observed.length > 0)));
  t.is(streamed(odd), `${toJson(servicesJson(odd))}\n`);
});
