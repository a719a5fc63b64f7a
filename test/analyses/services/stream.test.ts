/**
 * The services analysis is one stream (servicesStream): `services --json` writes each service as the stream makes
 * it and drops it, the library's result is the same stream collected. The two must never differ: the streamed
 * document is the bytes of `toJson(servicesJson(servicesAnalysis(…)))` and the library's `services(…)` on samples,
 * ../shared kube-proxy dumps, a three-node bundle and a generated node; findings and each node's warnings are
 * said in the order the dumps list the services, as the analysis of the whole said them, not in the report's.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { servicesStream } from '../../../src/analyses/services/index';
import { NodeWarnings } from '../../../src/analyses/services/node-warnings';
import { loadSections } from '../../../src/cli/load';
import { findSectionsInText } from '../../../src/input/sections';
import { nodesOfInputs } from '../../../src/model/node';
import { type ServicesOptions, services, servicesAnalysis, servicesReportStream } from '../../../src/library/services';
import { toJson } from '../../../src/report/json';
import { servicesJson, servicesJsonPieces } from '../../../src/report/services-json';
import {
  type GeneratedService,
  kubeProxyDump,
  kubeProxyRuleset,
  serviceSpec,
  endpointsAt,
} from '../../generators/kube-proxy-dump';
import { readShared, sharedFile, sharedFiles, sharedTest } from '../../helpers/shared';

const SAMPLES = new URL('../../../samples/', import.meta.url).pathname;

const text = (pieces: Iterable<string | Uint8Array>) =>
  Buffer.concat([...pieces].map((p) => (typeof p === 'string' ? Buffer.from(p) : p))).toString();

/** The streamed document against the collected analysis's, and the library's result, whole and for one service. */
async function sameAsCollected(t: ExecutionContext, paths: readonly string[], options: ServicesOptions = {}) {
  const found = await loadSections(paths);
  const streamed = text(servicesJsonPieces(servicesReportStream(found, options)));
  t.is(streamed, `${toJson(servicesJson(servicesAnalysis(found, options)))}\n`);
  t.deepEqual(JSON.parse(streamed), services(found, options));
  const first = (JSON.parse(streamed) as { services: { name: string }[] }).services[0]?.name;
  if (first === undefined) return;
  const one = { ...options, services: [first] };
  t.is(
    text(servicesJsonPieces(servicesReportStream(found, one))),
    `${toJson(servicesJson(servicesAnalysis(found, one)))}\n`,
  );
}

for (const sample of [
  'incident-node',
  'kube-node.iptables-save',
  'kube-node-ipvs.ipvsadm.txt',
  'kube-node.ip6tables-save',
])
  test(`stream and collected analysis agree: samples/${sample}`, (t) =>
    sameAsCollected(t, [SAMPLES + sample], { nodeIps: ['192.168.0.2'] }));

const kubeDumps = (): string[] =>
  [...sharedFiles('captures', /\.txt$/), ...sharedFiles('realworld', /ip6?tables-save/)].filter((rel) =>
    readShared(rel).includes('KUBE-SERVICES'),
  );

sharedTest('../shared holds kube-proxy dumps for the stream test', (t) => {
  t.true(kubeDumps().length >= 3);
});

for (const rel of kubeDumps())
  sharedTest(`stream and collected analysis agree: ../shared/${rel}`, (t) => sameAsCollected(t, [sharedFile(rel)]));

/** Three nodes (Calico diags layout): a service only some nodes program, endpoints that differ, one node without `ip addr`. */
function bundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-stream-'));
  const web = serviceSpec('shop/web:http', 'tcp', '10.96.0.80', 80, endpointsAt('10.244.0.7:8080'), {
    nodePort: 30080,
  });
  const api = (...eps: string[]) => serviceSpec('shop/api:grpc', 'tcp', '10.96.0.81', 9000, endpointsAt(...eps));
  const empty = serviceSpec('a/empty:http', 'tcp', '10.96.0.82', 80, []);
  const nodes: Record<string, { ip: string | null; services: GeneratedService[] }> = {
    'node-a': { ip: '192.168.0.11', services: [web, api('10.244.0.9:9000'), empty] },
    'node-b': { ip: '192.168.0.12', services: [api('10.244.0.9:9000'), web] },
    'node-c': { ip: null, services: [api('10.244.2.9:9000')] },
  };
  for (const [node, { ip, services: list }] of Object.entries(nodes)) {
    const d = join(dir, 'calico-diags', 'nodes', node);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'iptables-save.txt'), kubeProxyRuleset(list, { clusterCidr: '10.244.0.0/16' }));
    if (ip)
      writeFileSync(
        join(d, 'ip-addr.txt'),
        `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n2: eth0    inet ${ip}/24 brd 192.168.0.255 scope global eth0\\       valid_lft forever preferred_lft forever\n`,
      );
  }
  return join(dir, 'calico-diags');
}

test('stream and collected analysis agree: three nodes that disagree', async (t) => {
  const dir = bundle();
  try {
    await sameAsCollected(t, [dir]);
    await sameAsCollected(t, [dir], { nodeIps: ['192.168.0.13'] });
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});

test('stream and collected analysis agree: a generated node with more than 256 services and findings', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-stream-'));
  try {
    const file = join(dir, 'iptables-save.txt');
    writeFileSync(file, kubeProxyDump({ services: 600, endpoints: (i) => [1, 0, 3][i % 3]! }).text);
    await sameAsCollected(t, [file], { nodeIps: ['192.168.0.2'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('findings and warnings are said in the order the dumps list the services, not in the report order', (t) => {
  // Listed z, then a: the report sorts a first. Both without endpoints (a finding each), both with a masked
  // cluster IP beside the walked one (a warning each).
  const listed = [
    serviceSpec('z/last:http', 'tcp', '10.96.0.90', 80, []),
    serviceSpec('a/first:http', 'tcp', '10.96.0.91', 80, []),
  ];
  const dump = kubeProxyRuleset(listed, { clusterCidr: '10.244.0.0/16' });
  const masked = `${dump.replaceAll('10.96.0.90/32 -p tcp', 'x.x.90.x/32 -p tcp').replaceAll('10.96.0.91/32 -p tcp', 'x.x.91.x/32 -p tcp')}`;
  const stream = servicesStream(nodesOfInputs(findSectionsInText(masked, 'paste.txt', 'n1').sections), {
    nodeIps: ['192.168.0.2'],
  });
  t.throws(() => stream.rest(), { message: /not read to its end/ });
  t.deepEqual(
    [...stream.services].map((v) => v.service.name),
    ['a/first:http', 'z/last:http'],
  );
  const { nodes, findings } = stream.rest();
  t.deepEqual(
    findings.filter((f) => f.code === 'SVC_NO_ENDPOINTS').map((f) => f.subject),
    ['z/last:http', 'a/first:http'],
  );
  const maskedWarnings = nodes[0]!.warnings.filter((w) => w.includes('masked'));
  t.is(maskedWarnings.length, 2);
  t.regex(maskedWarnings[0]!, /^z\/last:http/);
  t.regex(maskedWarnings[1]!, /^a\/first:http/);
});

test("node warnings: each once, the node's own first, then in listed order whatever order they are met in", (t) => {
  const w = new NodeWarnings();
  w.warn('n1', 5)('late');
  w.warn('n1', 5)('shared');
  w.warn('n2', 1)('other node');
  w.warn('n1', 2)('early');
  w.warn('n1', 2)('shared');
  w.warn('n1', 2)('early');
  w.warn('n1', -1)('own');
  t.deepEqual(w.of('n1'), ['own', 'early', 'shared', 'late']);
  t.deepEqual(w.of('n2'), ['other node']);
  t.deepEqual(w.of('n3'), []);
});
