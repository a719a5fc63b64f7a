/**
 * `nfwalk stale` against the kernel: kube-proxy v1.32 rules are loaded into a lab namespace, a client and
 * the node itself open real UDP and TCP flows to cluster IPs and a NodePort, then the rules change the way
 * kube-proxy changes them when endpoints churn, a service is deleted and a service without rules gets
 * endpoints. Given the new iptables-save and the conntrack -L taken afterwards, nfwalk must name exactly
 * the entries whose destination the new rules no longer produce, and its cleanup commands, run in the
 * namespace, must delete exactly those.
 */
import type { ExecutionContext } from 'ava';
import { analyzeStale } from '../../src/analyses/stale/index';
import { findSectionsInText } from '../../src/input/sections';
import { nodesOfInputs } from '../../src/model/node';
import { type GeneratedService, endpointsAt, kubeProxyRuleset, serviceSpec } from '../generators/kube-proxy-dump';
import { kernelTest } from '../helpers/kernel';
import { type LabProbe, NODE_IP, TraceLab } from '../helpers/trace-lab';

const service = (
  name: string,
  protocol: 'tcp' | 'udp',
  clusterIP: string,
  port: number,
  endpoints: readonly string[],
  nodePort: number | null = null,
): GeneratedService => serviceSpec(name, protocol, clusterIP, port, endpointsAt(...endpoints), { nodePort });

const BEFORE = [
  service('lab/dns:dns', 'udp', '10.96.0.53', 53, ['10.244.1.11:5353', '10.244.1.12:5353', '10.244.2.13:5353']),
  service('lab/web:http', 'tcp', '10.96.0.80', 80, ['10.244.1.21:8080', '10.244.1.22:8080', '10.244.2.23:8080'], 30080),
  service('lab/gone:dns', 'udp', '10.96.0.99', 53, ['10.244.3.31:5353']),
];
/** dns loses 10.244.1.12; web loses 10.244.1.22 and 10.244.2.23 moves to port 9090; gone is deleted; late appears. */
const AFTER = [
  service('lab/dns:dns', 'udp', '10.96.0.53', 53, ['10.244.1.11:5353', '10.244.2.13:5353', '10.244.2.14:5353']),
  service('lab/web:http', 'tcp', '10.96.0.80', 80, ['10.244.1.21:8080', '10.244.2.23:9090'], 30080),
  service('lab/late:dns', 'udp', '10.96.0.77', 53, ['10.244.4.41:5353']),
];
const STILL_VALID = new Set([
  '10.96.0.53 10.244.1.11:5353',
  '10.96.0.53 10.244.2.13:5353',
  '10.96.0.80 10.244.1.21:8080',
  `${NODE_IP} 10.244.1.21:8080`,
]);

interface KernelEntry {
  readonly line: string;
  readonly key: string;
  readonly stale: boolean;
}

/** Read independently of nfwalk's parser: the original tuple and the reply source of each flow line. */
function kernelEntries(conntrackL: string): KernelEntry[] {
  return conntrackL
    .split('\n')
    .filter((l) => /^(tcp|udp) /.test(l))
    .flatMap((line) => {
      const m = /^(\w+) .*?src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+) .*?src=(\S+) dst=\S+ sport=(\d+)/.exec(line);
      if (!m) return [];
      const [, proto, src, dst, sport, , rsrc, rsport] = m;
      const ours = ['10.96.0.53', '10.96.0.80', '10.96.0.99', '10.96.0.77', NODE_IP].includes(dst!);
      const unnatted = rsrc === dst;
      const stale = ours && (dst === '10.96.0.77' ? unnatted : !STILL_VALID.has(`${dst} ${rsrc}:${rsport}`));
      return [{ line, key: `${proto} ${src}:${sport} ${dst}`, stale }];
    });
}

kernelTest(
  'stale: nfwalk finds exactly the conntrack entries whose DNAT the new rules no longer produce, and its commands delete exactly those',
  async (t: ExecutionContext) => {
    const lab = new TraceLab();
    try {
      lab.load(kubeProxyRuleset(BEFORE, { clusterCidr: '10.244.0.0/16' }));
      const flows = (
        proto: 'tcp' | 'udp',
        dst: string,
        dport: number,
        first: number,
        n: number,
        local = false,
      ): LabProbe[] =>
        Array.from({ length: n }, (_, i) => ({
          proto,
          src: local ? NODE_IP : '192.168.50.2',
          dst,
          sport: first + i,
          dport,
          local,
        }));
      await lab.send([
        ...flows('udp', '10.96.0.53', 53, 20000, 60),
        ...flows('udp', '10.96.0.53', 53, 21000, 15, true),
        ...flows('tcp', '10.96.0.80', 80, 22000, 45),
        ...flows('tcp', NODE_IP, 30080, 23000, 45),
        ...flows('udp', '10.96.0.99', 53, 24000, 10),
        ...flows('udp', '10.96.0.77', 53, 25000, 10),
      ]);
      lab.restore(kubeProxyRuleset(AFTER, { clusterCidr: '10.244.0.0/16' }));
      const table = lab.conntrack();
      const kernel = kernelEntries(table);
      const expected = kernel
        .filter((e) => e.stale)
        .map((e) => e.key)
        .sort();
      // Every kind of staleness is present, and so are live entries.
      for (const dst of ['10.96.0.53', '10.96.0.80', NODE_IP, '10.96.0.99', '10.96.0.77'])
        t.true(
          expected.some((k) => k.endsWith(` ${dst}`)),
          `stale entries to ${dst} were made`,
        );
      t.true(kernel.some((e) => !e.stale && e.key.endsWith(' 10.96.0.53')));

      const found = findSectionsInText(`${lab.dumps()}root@lab:~# conntrack -L\n${table}`, 'lab', 'lab');
      t.deepEqual(
        found.sections.flatMap((s) => s.diagnostics),
        [],
      );
      const analysis = analyzeStale(nodesOfInputs(found.sections));
      t.deepEqual(analysis.stale.map((s) => `${s.proto} ${s.src}:${s.sport} ${s.dst}`).sort(), expected);
      t.deepEqual(
        analysis.nodes.map((n) => n.undecided),
        [[]],
      );
      t.deepEqual([...new Set(analysis.stale.map((s) => s.kind))].sort(), [
        'blackhole',
        'endpoint-gone',
        'service-gone',
      ]);
      t.log(
        `${kernel.length} entries in the kernel's table, ${expected.length} stale; findings: ${analysis.findings.map((f) => f.code).join(', ')}`,
      );

      // The findings' commands delete the stale entries and nothing else.
      for (const f of analysis.findings) {
        t.regex(f.remedy, /^conntrack -D /, `${f.code} ${f.subject}: a group command`);
        lab.exec(lab.node, 'sh', ['-c', `${f.remedy} >/dev/null 2>&1 || true`]);
      }
      const left = kernelEntries(lab.conntrack())
        .map((e) => e.key)
        .sort();
      t.deepEqual(
        left,
        kernel
          .filter((e) => !e.stale)
          .map((e) => e.key)
          .sort(),
      );
    } finally {
      lab.close();
    }
  },
);
