/**
 * `nfwalk services` against the kernel: kube-proxy v1.32 rules for UDP services (a ClusterIP with a
 * NodePort, and one whose ladder was edited by hand) are loaded into a lab namespace, a client sends
 * 1,500 new flows to each entry point, and the kernel's own conntrack table is read back. nfwalk, given the
 * lab's dumps and that table, must find the shares it computes consistent with where the kernel sent
 * the flows (its chi-square test), and report the edited ladder as uneven.
 */
import type { ExecutionContext } from 'ava';
import { analyzeServices } from '../../src/analyses/services/index';
import { findSectionsInText } from '../../src/input/sections';
import { nodesOfInputs } from '../../src/model/node';
import { type GeneratedService, endpointsAt, kubeProxyRuleset, serviceSpec } from '../generators/kube-proxy-dump';
import { kernelTest } from '../helpers/kernel';
import { type LabProbe, NODE_IP, TraceLab } from '../helpers/trace-lab';

const FLOWS = 1500;

const service = (
  name: string,
  clusterIP: string,
  endpoints: readonly string[],
  nodePort: number | null,
): GeneratedService =>
  serviceSpec(name, 'udp', clusterIP, 53, endpointsAt(...endpoints.map((ip) => `${ip}:5353`)), { nodePort });

const DNS = service('lab/dns:dns', '10.96.0.53', ['10.244.1.11', '10.244.1.12', '10.244.2.13', '10.244.3.14'], 30053);
const SKEW = service('lab/skew:dns', '10.96.0.54', ['10.244.1.21', '10.244.1.22', '10.244.2.23'], null);

kernelTest('services: the shares nfwalk gives are where the kernel sends new flows', async (t: ExecutionContext) => {
  const lab = new TraceLab();
  try {
    // The first jump of SKEW's ladder is edited from 1/3 to 0.7: 70% / 15% / 15%.
    const rules = kubeProxyRuleset([DNS, SKEW], { clusterCidr: '10.244.0.0/16' }).replace(
      new RegExp(
        `(-A ${SKEW.svcChain} -m comment --comment "lab/skew:dns -> 10\\.244\\.1\\.21:5353" -m statistic --mode random --probability) 0\\.33333333349`,
      ),
      '$1 0.70000000000',
    );
    lab.load(rules);
    const flows = (dst: string, dport: number, firstPort: number): LabProbe[] =>
      Array.from({ length: FLOWS }, (_, i) => ({
        proto: 'udp',
        src: '192.168.50.2',
        dst,
        sport: firstPort + i,
        dport,
        local: false,
      }));
    await lab.send([
      ...flows(DNS.clusterIP, 53, 20000),
      ...flows(NODE_IP, 30053, 22000),
      ...flows(SKEW.clusterIP, 53, 24000),
    ]);

    const found = findSectionsInText(`${lab.dumps()}root@lab:~# conntrack -L\n${lab.conntrack()}`, 'lab', 'lab');
    t.deepEqual(
      found.sections.flatMap((s) => s.diagnostics),
      [],
    );
    const analysis = analyzeServices(nodesOfInputs(found.sections));
    const entries = analysis.services.flatMap((v) => v.nodes[0]!.observed.map((o) => ({ service: v.service.name, o })));
    t.deepEqual(entries.map((e) => `${e.service} ${e.o.entry.kind}`).sort(), [
      'lab/dns:dns clusterIP',
      'lab/dns:dns nodePort',
      'lab/skew:dns clusterIP',
    ]);
    for (const { service: name, o } of entries) {
      const total = o.counts.reduce((a, c) => a + c.connections, 0);
      t.true(total > FLOWS * 0.95, `${name} ${o.entry.kind}: ${total} of ${FLOWS} flows in conntrack`);
      t.is(o.elsewhere, 0);
      t.truthy(o.chiSquare, `${name} ${o.entry.kind}: testable`);
      // Random draws fail a 1e-4 test once in 10,000 runs; a wrong share fails it every time at this many flows.
      t.true(
        o.chiSquare!.pValue > 1e-4,
        `${name} ${o.entry.kind}: ${o.counts.map((c) => `${c.ip} ${c.connections}/${c.expected.toFixed(0)}`).join(', ')}, p = ${o.chiSquare!.pValue}`,
      );
      t.log(
        `${name} ${o.entry.kind}: ${o.counts.map((c) => `${c.ip} ${c.connections} (nfwalk ${c.expected.toFixed(0)})`).join(', ')}; chi-square p = ${o.chiSquare!.pValue.toFixed(3)}`,
      );
    }
    const skew = analysis.services.find((v) => v.service.name === 'lab/skew:dns')!.nodes[0]!.outcomes[0]!;
    t.deepEqual(
      skew.endpoints.map((e) => +e.probability.toFixed(6)),
      [0.7, 0.15, 0.15],
    );
    t.deepEqual(
      analysis.findings.map((f) => `${f.code} ${f.subject}`),
      ['SVC_SKEWED_SHARES lab/skew:dns'],
    );
  } finally {
    lab.close();
  }
});
