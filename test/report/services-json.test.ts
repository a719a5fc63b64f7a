/**
 * `services --json` is written service by service (servicesJsonPieces); the document must be the bytes
 * `toJson(servicesJson(…))` gives, on samples and on a generated node whose arrays are long enough to be written
 * element by element (services, findings, a service's endpoints).
 */
import test from 'ava';
import { analyzeServices } from '../../src/analyses/services/index';
import { loadSections } from '../../src/cli/load';
import { nodesOfInputs } from '../../src/model/node';
import { toJson } from '../../src/report/json';
import { servicesJson, servicesJsonPieces } from '../../src/report/services-json';
import { kubeProxyDump } from '../generators/kube-proxy-dump';
import { nodesOfText } from '../helpers/sections';

const SAMPLES = new URL('../../samples/', import.meta.url).pathname;

const streamed = (a: ReturnType<typeof analyzeServices>) =>
  Buffer.concat([...servicesJsonPieces(a)].map((p) => (typeof p === 'string' ? Buffer.from(p) : p))).toString();

test('the streamed document is toJson of the report, on a node with more than 256 services, findings and endpoints', (t) => {
  const { text } = kubeProxyDump({ services: 1200, endpoints: (i) => (i === 5 ? 300 : [1, 0, 3, 0][i % 4]!) });
  const analysis = analyzeServices(nodesOfText(`root@n1:~# iptables-save\n${text}`));
  t.true(analysis.services.length > 256);
  t.true(analysis.findings.length > 256);
  t.true(analysis.services.some((s) => s.nodes.some((n) => n.outcomes.some((o) => o.endpoints.length > 256))));
  t.is(streamed(analysis), `${toJson(servicesJson(analysis))}\n`);
});

for (const sample of ['incident-node', 'kube-node.iptables-save', 'kube-node-ipvs.ipvsadm.txt']) {
  test(`the streamed document is toJson of the report: samples/${sample}`, async (t) => {
    const found = await loadSections([SAMPLES + sample]);
    const analysis = analyzeServices(nodesOfInputs(found.sections), { nodeIps: ['192.168.0.2'] });
    t.is(streamed(analysis), `${toJson(servicesJson(analysis))}\n`);
  });
}

test('the streamed document is toJson of the report when no service is shown: an empty list, as JSON.stringify writes it', async (t) => {
  const found = await loadSections([`${SAMPLES}kube-node.iptables-save`]);
  const analysis = { ...analyzeServices(nodesOfInputs(found.sections)), services: [] };
  t.true(analysis.nodes.length > 0);
  t.is(streamed(analysis), `${toJson(servicesJson(analysis))}\n`);
});
