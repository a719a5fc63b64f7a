/**
 * Class 11 of issue #22 (iptables rules): a kube-proxy dump with its addresses masked before pasting. The
 * services analysis keeps an endpoint whose DNAT address is masked, with its share and its address as
 * pasted, and a masked cluster IP is still an entry point; nothing crashes on either.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { analyzeServices } from '../../../src/analyses/services/index';
import { findSectionsInText } from '../../../src/input/sections';
import { nodesOfInputs } from '../../../src/model/node';
import { servicesJson } from '../../../src/report/services-json';
import { formatServices } from '../../../src/report/services-text';

const SAMPLE = readFileSync(new URL('../../../samples/kube-node.iptables-save', import.meta.url), 'utf8');
const MASKED = SAMPLE.replaceAll('10.244.1.6', '10.x.x.x').replace('-d 10.96.0.20/32', '-d x.x.x.x/32');

const analyse = (text: string) => analyzeServices(nodesOfInputs(findSectionsInText(text, 'paste.txt', 'n1').sections));

test('class 11: an endpoint whose DNAT address is masked keeps its share, shown with its address as pasted', (t) => {
  const a = analyse(MASKED);
  const json = servicesJson(a) as {
    services: { name: string; endpoints: unknown; nodes: { nodePort: { endpoints: unknown } | null }[] }[];
  };
  const web = json.services.find((s) => s.name === 'default/web:http')!;
  const shares = [
    { ip: '10.244.1.5', port: 8080, probability: 0.5 },
    { ip: '10.x.x.x', port: 8080, probability: 0.5 },
  ];
  t.deepEqual(web.endpoints, shares);
  t.deepEqual(web.nodes[0]!.nodePort!.endpoints, shares);
  // One DNAT rule per endpoint, masked or not: no duplicate endpoint is made up.
  t.false(a.findings.some((f) => f.code === 'SVC_DUPLICATE_ENDPOINT'));
  t.regex(formatServices(a), /10\.x\.x\.x:8080 50\.0%/);
});

test('class 11: a masked cluster IP is still an entry point of its service, and the analysis does not crash on it', (t) => {
  const a = analyse(MASKED);
  const empty = a.services.find((v) => v.service.name === 'default/no-endpoints:http')!;
  t.deepEqual(
    empty.service.entryPoints.map((e) => `${e.kind} ${e.ip}:${e.port}`),
    ['clusterIP x.x.x.x:80'],
  );
  t.true(a.findings.some((f) => f.code === 'SVC_NO_ENDPOINTS' && f.message.includes('x.x.x.x:80')));
});

test('class 11: shares another service gets only if a masked cluster IP is its address are not reported as errors', (t) => {
  // The web service's cluster IP masked: a new connection to 10.96.0.20:80 may be the masked one (the walk
  // splits), so what it gets rests on that, and no finding states it as a fact.
  const a = analyse(
    SAMPLE.replace('-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp', '-A KUBE-SERVICES -d x.x.x.x/32 -p tcp'),
  );
  const empty = a.services.find((v) => v.service.name === 'default/no-endpoints:http')!.nodes[0]!.outcomes[0]!;
  t.true(empty.assumptions.some((x) => x.includes('x.x.x.x/32 (masked in nat KUBE-SERVICES rule 1)')));
  t.deepEqual(
    a.findings.filter((f) => f.severity === 'error').map((f) => f.code),
    [],
  );
  t.deepEqual(
    a.findings.filter((f) => f.code === 'SVC_SHARES_INCOMPLETE').map((f) => f.severity),
    ['info'],
  );
  t.true(
    a.nodes[0]!.warnings.some((w) =>
      w.includes('default/web:http clusterIP x.x.x.x:80: the address is masked in the dump'),
    ),
  );
});
