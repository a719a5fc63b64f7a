/**
 * diagrams: 20 diagrams nfwalk draws from the samples, the kube-proxy conformance dumps, third-party
 * rulesets and generated nodes (a 600-service map summarised to ~250 boxes, a 10,000-service chain
 * graph) rendered to SVG and to PNG by one `nfwalk render` command (issue #7 goal: under 15 s), against
 * mermaid-cli's `renderMermaid` with one shared browser for the same 20 sources, in the same run.
 * Usage: node --import=tsx bench/diagrams.ts [--runs N]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderMermaid } from '@mermaid-js/mermaid-cli';
import puppeteer from 'puppeteer';
import { MERMAID_CONFIG } from '../src/report/render/browser-renderer';
import { LAUNCH_ARGS, findChromium } from '../src/report/render/chromium';
import { kubeProxyDump } from '../test/generators/kube-proxy-dump';
import { SMALL_NODE } from '../test/helpers/small-node';
import { fmtMs, timeCommand } from './measure';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const chromium = findChromium();
if (!chromium) {
  console.log('diagrams: skipped (no Chromium: apt-get install chromium)');
  process.exit(0);
}

const root = join(import.meta.dirname, '..');
const out = join(import.meta.dirname, 'out', 'diagrams');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const cli = join(root, 'dist', 'cli.js');
const samples = join(root, 'samples');
const shared = process.env.NFWALK_SHARED ?? join(root, '..', 'shared');
const conformance = ['trace-packet.iptables', 'ip-addr.txt', 'ip-route.txt'].map((f) =>
  join(shared, 'conformance', 'kube-proxy', f),
);

writeFileSync(
  join(out, 'svc-600.txt'),
  `${SMALL_NODE}\nroot@n1:~# iptables-save\n${kubeProxyDump({ services: 600, clusterCidr: '10.244.0.0/16' }).text}`,
);
writeFileSync(join(out, 'svc-10000.iptables-save'), kubeProxyDump({ services: 10_000 }).text);

const trace = (inputs: string[], probe: string) => ['trace', ...inputs, ...probe.split(' ')];
const JOBS: Record<string, string[]> = {
  'trace-nodeport': trace(
    [join(samples, 'kube-node.iptables-save')],
    '--node-ip 192.168.1.10 --src 203.0.113.7 --dst 192.168.1.10 --dport 30080 --in eth0',
  ),
  'trace-clusterip': trace([join(samples, 'incident-node')], '--src 10.244.0.5 --dst 10.96.14.20 --dport 80'),
  'trace-dns': trace([join(samples, 'incident-node')], '--src 10.244.0.5 --dst 10.96.0.10 --dport 53 --proto udp'),
  'trace-conformance-split': trace(conformance, '--src 10.0.0.2 --dst 172.30.0.44 --dport 80 --in eth0'),
  'trace-conformance-masq': trace(conformance, '--src 192.168.0.2 --dst 192.168.99.22 --dport 80 --local'),
  'trace-conformance-drop': trace(conformance, '--src 203.0.113.2 --dst 192.168.99.22 --dport 80 --in eth0'),
  'trace-conformance-reject': trace(conformance, '--src 10.0.0.2 --dst 172.30.0.46 --dport 80 --in eth0'),
  'services-incident': ['services', join(samples, 'incident-node')],
  'services-ipvs': ['services', ...['ipvsadm', 'ipset', 'ip'].map((k) => join(samples, `kube-node-ipvs.${k}.txt`))],
  'services-kube-node': ['services', join(samples, 'kube-node.iptables-save'), '--node-ip', '192.168.1.10'],
  'services-600': ['services', join(out, 'svc-600.txt')],
  'stale-incident': ['stale', join(samples, 'incident-node')],
  'chains-incident': ['chains', join(samples, 'incident-node')],
  'chains-incident-nat': ['chains', join(samples, 'incident-node'), '--table', 'nat', '--budget', '16'],
  'chains-kube-node': ['chains', join(samples, 'kube-node.iptables-save')],
  'chains-10000-services': ['chains', join(out, 'svc-10000.iptables-save'), '--table', 'nat'],
  'chains-tum-chair': [
    'chains',
    join(shared, 'realworld', 'netnetwork_tum_chair_iptables-save-v1.4.14-large.txt'),
    '--table',
    'filter',
  ],
  'chains-shorewall': ['chains', join(shared, 'realworld', 'netnetwork_shorewall_iptables-save-v1.4.21.txt')],
  'chains-aks': [
    'chains',
    join(shared, 'realworld', 'azure-acn_aks-node_kube-proxy-iptables_npm_iptables-save-v1.8.4.txt'),
  ],
  'chains-synology-v6': [
    'chains',
    join(shared, 'realworld', 'netnetwork_synology_ip6tables-save-v1.6.0.txt'),
    '--family',
    'ipv6',
  ],
};

const files: string[] = [];
let boxes = 0;
for (const [name, args] of Object.entries(JOBS)) {
  const r = spawnSync(process.execPath, [cli, ...args, '--format', 'mermaid', '--fail-on', 'none'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
  const file = join(out, `${name}.mmd`);
  writeFileSync(file, r.stdout);
  files.push(file);
  boxes += r.stdout.split('\n').filter((l) => /^ {2,4}\w+(\[|\(|\{)/.test(l)).length;
}
console.log(`diagrams: ${files.length} diagrams, ${boxes} boxes in all (wall time, median of ${runs} runs)`);

const svg = timeCommand(
  process.execPath,
  [cli, 'render', ...files, '--to', 'svg', '--out-dir', join(out, 'svg')],
  runs,
);
const png = timeCommand(
  process.execPath,
  [cli, 'render', ...files, '--to', 'png', '--out-dir', join(out, 'png')],
  runs,
);
console.log(`  nfwalk render … --to svg              ${fmtMs(svg.medianMs)}`);
console.log(`  nfwalk render … --to png              ${fmtMs(png.medianMs)}`);

// Baseline: mermaid-cli's API, one browser, a fresh page per diagram, as `mmdc` renders.
const sources = files.map((f) => readFileSync(f, 'utf8'));
const baseline: number[] = [];
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  const browser = await puppeteer.launch({ executablePath: chromium, args: [...LAUNCH_ARGS] });
  for (const source of sources) await renderMermaid(browser, source, 'svg', { mermaidConfig: MERMAID_CONFIG });
  await browser.close();
  baseline.push(Number(process.hrtime.bigint() - start) / 1e6);
}
const base = [...baseline].sort((a, b) => a - b)[Math.floor(runs / 2)] as number;
console.log(
  `  mermaid-cli renderMermaid (baseline)  ${fmtMs(base)}   render svg/baseline = ${(svg.medianMs / base).toFixed(2)}`,
);
const worst = Math.max(svg.medianMs, png.medianMs);
console.log(
  `\ngoal (issue #7): 20 diagrams in one command under 15 s: ${worst < 15_000 ? 'met' : 'NOT met'} (${(worst / 1000).toFixed(1)} s)`,
);
