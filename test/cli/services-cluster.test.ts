/**
 * `nfwalk services` over a support bundle of three nodes (Calico diags layout, `nodes/<node>/`): the
 * contract's per-node NodePort verdicts for an externalTrafficPolicy: Local service, the nodes that drop
 * it, and a node whose kube-proxy is behind (its rules still send to an endpoint that is gone).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { loadSections } from '../../src/cli/load';
import { servicesAnalysis } from '../../src/library/services';
import { toJson } from '../../src/report/json';
import { servicesJson } from '../../src/report/services-json';
import { type GeneratedService, chainHash, kubeProxyRuleset } from '../generators/kube-proxy-dump';
import { buildCli, nfwalk } from '../helpers/cli';

test.before(() => buildCli());

const web = (localOn: string | null): GeneratedService => ({
  name: 'shop/web:http',
  protocol: 'tcp',
  clusterIP: '10.96.0.80',
  port: 80,
  nodePort: 30080,
  healthCheckNodePort: 32080,
  externalTrafficPolicy: 'Local',
  endpoints: [
    { ip: '10.244.0.7', port: 8080, local: localOn === 'node-a' },
    { ip: '10.244.1.7', port: 8080, local: localOn === 'node-b' },
  ],
  svcChain: `KUBE-SVC-${chainHash('shop/web:http', 'tcp')}`,
});

const api = (endpoints: readonly string[]): GeneratedService => ({
  name: 'shop/api:grpc',
  protocol: 'tcp',
  clusterIP: '10.96.0.81',
  port: 9000,
  nodePort: null,
  endpoints: endpoints.map((ip) => ({ ip, port: 9000 })),
  svcChain: `KUBE-SVC-${chainHash('shop/api:grpc', 'tcp')}`,
});

const NODES: Record<string, { ip: string; services: GeneratedService[] }> = {
  'node-a': { ip: '192.168.0.11', services: [web('node-a'), api(['10.244.0.9', '10.244.1.9'])] },
  'node-b': { ip: '192.168.0.12', services: [web(null), api(['10.244.0.9', '10.244.1.9'])] },
  'node-c': { ip: '192.168.0.13', services: [web(null), api(['10.244.0.9', '10.244.2.9'])] },
};

function bundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-cluster-'));
  for (const [node, { ip, services }] of Object.entries(NODES)) {
    const d = join(dir, 'calico-diags', 'nodes', node);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'iptables-save.txt'), kubeProxyRuleset(services, { clusterCidr: '10.244.0.0/16' }));
    writeFileSync(
      join(d, 'ip-addr.txt'),
      `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n2: eth0    inet ${ip}/24 brd 192.168.0.255 scope global eth0\\       valid_lft forever preferred_lft forever\n`,
    );
    writeFileSync(
      join(d, 'ip-route.txt'),
      `default via 192.168.0.1 dev eth0\n192.168.0.0/24 dev eth0 proto kernel scope link src ${ip}\n`,
    );
  }
  return dir;
}

test('services --json: per-node NodePort verdicts, the nodes that drop eTP Local traffic, the node that is behind', (t) => {
  const dir = bundle();
  try {
    const r = nfwalk(['services', '--json', join(dir, 'calico-diags')]);
    t.is(r.status, 1, r.stderr);
    const doc = JSON.parse(r.stdout);
    const webJson = doc.services.find((s: { name: string }) => s.name === 'shop/web:http');
    t.is(webJson.nodePort, 30080);
    t.is(webJson.clusterIP, '10.96.0.80');
    t.deepEqual(
      webJson.nodes.map(
        (n: { node: string; nodePort: { verdict: string; endpoints: { ip: string; probability: number }[] } }) => [
          n.node,
          n.nodePort.verdict,
          n.nodePort.endpoints.map((e) => [e.ip, e.probability]),
        ],
      ),
      [
        ['node-a', 'forward', [['10.244.0.7', 1]]],
        ['node-b', 'drop', []],
        ['node-c', 'drop', []],
      ],
    );
    const findings = doc.findings.map((f: { code: string; severity: string; subject: string; message: string }) => [
      f.code,
      f.severity,
      f.subject,
    ]);
    t.deepEqual(findings.sort(), [
      ['SVC_ENDPOINTS_DIFFER', 'error', 'shop/api:grpc'],
      ['SVC_LOCAL_POLICY_DROPS', 'warning', 'shop/web:http'],
    ]);
    const drops = doc.findings.find((f: { code: string }) => f.code === 'SVC_LOCAL_POLICY_DROPS');
    t.regex(
      drops.message,
      /NodePort <node>:30080 of shop\/web:http \(externalTrafficPolicy: Local\) is dropped on node-b, node-c.*forwarded on node-a/,
    );
    t.regex(drops.remedy, /port 32080/);
    const differ = doc.findings.find((f: { code: string }) => f.code === 'SVC_ENDPOINTS_DIFFER');
    t.regex(
      differ.message,
      /node-a, node-b → 10\.244\.0\.9:9000, 10\.244\.1\.9:9000; node-c → 10\.244\.0\.9:9000, 10\.244\.2\.9:9000/,
    );

    const text = nfwalk(['services', '--fail-on', 'none', join(dir, 'calico-diags')]);
    t.is(text.status, 0);
    t.regex(text.stdout, /shop\/web:http tcp +node-a +cluster IP 10\.96\.0\.80:80 +forward/);
    const mermaid = nfwalk(['services', '--format', 'mermaid', '--service', 'shop/web', join(dir, 'calico-diags')]);
    t.is(mermaid.status, 0, mermaid.stderr);
    t.regex(mermaid.stdout, /^flowchart LR\n/);
    t.regex(mermaid.stdout, /(n_\w+)\("node-a"\)[^]*\1 -->\|"100\.0%"\| ep_10_/);
    t.regex(mermaid.stdout, /(n_\w+)\("node-b, node-c"\)[^]*\1 ==>\|"100\.0%"\| v_DROP/);
    t.notRegex(mermaid.stdout, /shop\/api/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('services --json writes, service by service, the document of the collected analysis', async (t) => {
  const dir = bundle();
  try {
    const inputs = [join(dir, 'calico-diags')];
    const found = await loadSections(inputs);
    for (const options of [{}, { services: ['shop/web'] }]) {
      const args = options.services ? ['--service', 'shop/web'] : [];
      const r = nfwalk(['services', '--json', '--fail-on', 'none', ...args, ...inputs]);
      t.is(r.status, 0, r.stderr);
      t.is(r.stdout, `${toJson(servicesJson(servicesAnalysis(found, options)))}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('services on input without any ruleset or IPVS table exits 2 with one line', (t) => {
  const r = nfwalk(['services', '-'], 'default via 192.168.0.1 dev eth0\n');
  t.is(r.status, 2);
  t.regex(r.stderr, /^nfwalk: no iptables-save, ipvsadm or nft dump among the inputs/);
  t.is(r.stderr.trim().split('\n').length, 1);
});

test('an eTP Local NodePort dropped on the one node given is information; dropped on every node given, an error', (t) => {
  const dir = bundle();
  try {
    const nodes = join(dir, 'calico-diags', 'nodes');
    const drops = (...inputs: string[]) => {
      const r = nfwalk(['services', '--json', '--fail-on', 'warning', '--service', 'shop/web', ...inputs]);
      const doc = JSON.parse(r.stdout);
      return {
        status: r.status,
        drops: doc.findings.filter((f: { code: string }) => f.code === 'SVC_LOCAL_POLICY_DROPS'),
      };
    };
    const one = drops(join(nodes, 'node-b'));
    t.is(one.status, 0);
    t.deepEqual(
      one.drops.map((f: { severity: string }) => f.severity),
      ['info'],
    );
    t.regex(one.drops[0].message, /dropped on node-b, which has no local endpoint; no other node was given/);
    const both = drops(join(nodes, 'node-b'), join(nodes, 'node-c'));
    t.is(both.status, 1);
    t.deepEqual(
      both.drops.map((f: { severity: string; message: string }) => [
        f.severity,
        /no node given forwards it/.test(f.message),
      ]),
      [['error', true]],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
