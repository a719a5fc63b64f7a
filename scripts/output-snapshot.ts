/**
 * Runs every command of the built CLI (dist/cli.js) over the samples, generated bench-sized dumps and the kernel
 * corpus, and writes each run's exit code, stdout and stderr to one file of OUT, so that two trees can be compared
 * with `diff -r`: a refactoring that changes no output leaves the two folders identical.
 * Usage: npm run build && node --import=tsx scripts/output-snapshot.ts --out DIR [--inputs DIR]
 * The generated inputs go to --inputs (default /tmp/nfwalk-snapshot-inputs) and are reused when present, so that
 * runs from two trees read the same files under the same names.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { writeCorpus } from '../test/generators/bundle-corpus';
import { serviceConntrackLines } from '../test/generators/conntrack-table';
import { kubeProxyDump, kubeProxyServices } from '../test/generators/kube-proxy-dump';

const { values } = parseArgs({
  options: { out: { type: 'string' }, inputs: { type: 'string', default: '/tmp/nfwalk-snapshot-inputs' } },
});
if (!values.out) throw new Error('--out DIR is required');
const out = values.out;
const inputs = values.inputs;
const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const root = join(import.meta.dirname, '..');

const NODE_IP = '192.168.0.2';

/** Bench-shaped inputs: a kube-proxy node with a conntrack table, a second snapshot of it, a bundle corpus. */
async function generateInputs(): Promise<void> {
  if (existsSync(join(inputs, '.complete'))) return;
  rmSync(inputs, { recursive: true, force: true });
  for (const [dir, services] of [
    ['bench-node', 300],
    ['bench-node-later', 310],
  ] as const) {
    mkdirSync(join(inputs, dir), { recursive: true });
    writeFileSync(join(inputs, dir, 'iptables-save.txt'), kubeProxyDump({ services }).text);
    const lines = serviceConntrackLines(kubeProxyServices({ services }), 3000, { nodeIp: NODE_IP, staleShare: 0.01 });
    writeFileSync(join(inputs, dir, 'conntrack-L.txt'), `${[...lines].join('\n')}\n`);
  }
  await writeCorpus(join(inputs, 'corpus'), { bundles: 6, services: 40, entries: 400, brokenEvery: 4 });
  writeFileSync(join(inputs, '.complete'), '');
}

interface Run {
  readonly name: string;
  readonly args: readonly string[];
}

function cases(): Run[] {
  const runs: Run[] = [];
  const add = (name: string, ...args: string[]) => runs.push({ name, args });
  const benchNode = join(inputs, 'bench-node');
  const benchLater = join(inputs, 'bench-node-later');
  const ipvsNode = readdirSync('samples')
    .filter((f) => f.startsWith('kube-node-ipvs.'))
    .map((f) => join('samples', f));
  const nodes: Record<string, { inputs: string[]; extra: string[] }> = {
    incident: { inputs: ['samples/incident-node'], extra: [] },
    'kube-node': { inputs: ['samples/kube-node.iptables-save', 'samples/kube-node.ip6tables-save'], extra: [] },
    'kube-node-ipvs': { inputs: ipvsNode, extra: [] },
    'trace-packet': { inputs: ['samples/kube-proxy-trace-packet.iptables'], extra: [] },
    kernel: { inputs: ['test/fixtures/kernel'], extra: [] },
    bench: { inputs: [benchNode], extra: ['--node-ip', NODE_IP] },
  };
  for (const [name, { inputs: ins, extra }] of Object.entries(nodes)) {
    add(`${name}.parse`, 'parse', ...ins);
    add(`${name}.parse-json`, 'parse', '--json', ...ins);
    add(`${name}.analyze`, 'analyze', ...ins, ...extra);
    add(`${name}.analyze-json`, 'analyze', '--json', ...ins, ...extra);
    add(`${name}.analyze-markdown`, 'analyze', '--format', 'markdown', ...ins, ...extra);
    add(`${name}.services`, 'services', ...ins, ...extra);
    add(`${name}.services-json`, 'services', '--json', ...ins, ...extra);
    add(`${name}.services-mermaid`, 'services', '--format', 'mermaid', ...ins, ...extra);
    add(`${name}.services-ascii`, 'services', '--format', 'ascii', ...ins, ...extra);
    add(`${name}.stale`, 'stale', ...ins, ...extra);
    add(`${name}.stale-json`, 'stale', '--json', ...ins, ...extra);
    add(`${name}.stale-mermaid`, 'stale', '--format', 'mermaid', ...ins, ...extra);
    add(`${name}.chains`, 'chains', ...ins);
    add(`${name}.chains-json`, 'chains', '--json', '--table', 'nat', ...ins);
    add(`${name}.chains-mermaid`, 'chains', '--format', 'mermaid', ...ins);
  }
  add('incident.analyze-client-cidr', 'analyze', 'samples/incident-node', '--client-cidr', '10.96.0.0/12');
  add('bench.chains-from', 'chains', benchNode, '--from', 'KUBE-SERVICES', '--format', 'mermaid');

  const probes: Record<string, string[][]> = {
    'samples/incident-node': [
      ['--src', '10.244.1.5', '--dst', '10.96.14.20', '--dport', '80', '--in', 'cni0'],
      ['--src', '10.244.1.5', '--dst', '10.96.0.10', '--proto', 'udp', '--dport', '53', '--in', 'cni0'],
      ['--src', '10.244.1.5', '--dst', '10.96.14.21', '--dport', '80', '--in', 'cni0'],
      ['--src', '192.168.0.2', '--dst', '10.96.14.20', '--dport', '80', '--local'],
    ],
    'samples/kube-node.iptables-save': [
      ['--src', '10.244.1.5', '--dst', '10.96.0.10', '--proto', 'udp', '--dport', '53', '--in', 'cni0'],
      ['--src', '203.0.113.7', '--dst', '192.168.0.2', '--dport', '30080', '--in', 'eth0', '--node-ip', NODE_IP],
      ['--src', '10.244.1.5', '--dst', '10.96.0.20', '--dport', '80', '--in', 'cni0', '--ctstate', 'ESTABLISHED'],
    ],
    'samples/kube-proxy-trace-packet.iptables': [
      ['--src', '10.0.0.2', '--dst', '172.30.0.41', '--dport', '80', '--in', 'eth0'],
      ['--src', '203.0.113.7', '--dst', '192.168.0.2', '--dport', '3001', '--in', 'eth0', '--node-ip', '192.168.0.2'],
    ],
    'test/fixtures/kernel': [['--src', '10.0.0.2', '--dst', '10.96.0.10', '--proto', 'udp', '--dport', '53']],
  };
  const first = kubeProxyServices({ services: 300 })[0]!;
  probes[benchNode] = [
    ['--src', '10.244.1.5', '--dst', first.clusterIP, '--proto', first.protocol, '--dport', `${first.port}`],
    ['--src', '10.244.1.5', '--dst', first.clusterIP, '--proto', first.protocol, '--dport', `${first.port}`, '--local'],
  ];
  for (const [input, list] of Object.entries(probes)) {
    list.forEach((probe, i) => {
      const name = `trace.${relative(root, input).replaceAll('/', '_') || input.replaceAll('/', '_')}.${i}`;
      add(name, 'trace', input, ...probe);
      add(`${name}-json`, 'trace', input, '--json', ...probe);
      add(`${name}-mermaid`, 'trace', input, '--format', 'mermaid', ...probe);
    });
  }

  add('diff.kube-node-incident', 'diff', 'samples/kube-node.iptables-save', 'samples/incident-node');
  add('diff.bench', 'diff', benchNode, benchLater, '--node-ip', NODE_IP);
  add('diff.bench-json', 'diff', '--json', benchNode, benchLater, '--node-ip', NODE_IP);

  for (const file of readdirSync('test/fixtures/kernel').sort()) {
    const path = join('test/fixtures/kernel', file);
    add(`file.${file}.parse`, 'parse', path);
    add(`file.${file}.parse-json`, 'parse', '--json', path);
    add(`file.${file}.fmt`, 'fmt', path);
  }
  for (const file of readdirSync('samples').sort()) {
    const path = join('samples', file);
    if (!statSync(path).isFile() || file.endsWith('.md')) continue;
    add(`file.${file}.fmt`, 'fmt', path);
    add(`file.${file}.parse-json`, 'parse', '--json', path);
  }
  add('file.bench.fmt', 'fmt', join(benchNode, 'iptables-save.txt'));

  const corpus = join(inputs, 'corpus');
  add('bulk.text', 'bulk', corpus, '--workers', '1');
  add('bulk.json', 'bulk', corpus, '--workers', '1', '--json');
  add('bulk.ndjson-only', 'bulk', corpus, '--workers', '1', '--ndjson', '--only', 'STALE_*');
  return runs;
}

function runCli(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.on('data', (b: Buffer) => stderr.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve(
        `$ nfwalk ${args.join(' ')}\nexit ${code}\n--- stdout\n${Buffer.concat(stdout).toString()}\n--- stderr\n${Buffer.concat(stderr).toString()}`,
      ),
    );
  });
}

/** bulk says how long each bundle took: the one output that differs from run to run. */
const withoutTimes = (text: string) =>
  text
    .replace(/"ms": ?[0-9.]+/g, '"ms": <ms>')
    .replace(/in [0-9.]+ s \([0-9.]+ bundles\/s\)/g, 'in <s> s (<rate> bundles/s)')
    .replace(/ info \([0-9.]+ s\)$/gm, ' info (<s> s)');

/** The anonymised copy's files, with a fixed key, each under its path in the copy. */
async function anonymized(): Promise<void> {
  const dir = join(out, 'anonymize.incident-node.files');
  rmSync(dir, { recursive: true, force: true });
  const log = await runCli([
    'anonymize',
    'samples/incident-node',
    'samples/kube-node-ipvs.ip.txt',
    '--key',
    'k',
    '--out',
    dir,
  ]);
  writeFileSync(join(out, 'anonymize.incident-node'), log.replaceAll(dir, '<out>'));
}

await generateInputs();
mkdirSync(out, { recursive: true });
const queue = cases();
const total = queue.length;
async function worker(): Promise<void> {
  for (let run = queue.shift(); run; run = queue.shift())
    writeFileSync(join(out, run.name), withoutTimes((await runCli(run.args)).replaceAll(inputs, '<inputs>')));
}
await Promise.all([worker(), worker(), anonymized()]);
console.log(`${total + 1} runs written to ${out}`);
if (readFileSync(join(out, 'incident.analyze'), 'utf8').includes('exit 2')) process.exitCode = 1;
