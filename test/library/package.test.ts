/**
 * The package as a consumer gets it: `npm pack`, the tarball installed into a fresh project, a strict
 * TypeScript consumer type-checked under module node16 and bundler, run on samples/incident-node and on a
 * paste; every result must equal the installed CLI's --json for the same input (contracts.md "Library").
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { repoRoot } from '../helpers/shared';

const sample = join(repoRoot, 'samples', 'incident-node');
const paste = `$ iptables-save\n${readFileSync(join(sample, 'iptables-save.txt'), 'utf8')}$ conntrack -L\n${readFileSync(join(sample, 'conntrack-L.txt'), 'utf8')}`;
const probe = { src: '10.244.1.5', dst: '10.96.14.20', dport: 80, in: 'cni0' };

const CONSUMER = `import { readFileSync } from 'node:fs';
import { NfwalkError, analyze, parse, readInputs, readText, services, stale, trace, type AnalyzeReport, type Inputs, type TraceProbe } from 'nfwalk';

const [sample, pasteFile] = process.argv.slice(2) as [string, string];
const probe: TraceProbe = ${JSON.stringify(probe)};
const inputs: Inputs = await readInputs([sample]);
const pasted = await readText(readFileSync(pasteFile, 'utf8'));
const report: AnalyzeReport = analyze(inputs);
const worst: string | undefined = report.findings[0]?.severity;
let error: string | undefined;
try {
  await readText('hello world');
} catch (e) {
  if (e instanceof NfwalkError) error = e.code;
}
const ports: (number | null)[] = services(inputs).services.map((s) => s.port);
console.log(JSON.stringify({
  parse: parse(inputs), analyze: report, services: services(inputs), stale: stale(inputs), trace: trace(inputs, probe),
  pasteParse: parse(pasted), pasteAnalyze: analyze(pasted), pasteStale: stale(pasted), worst, error, ports,
}));
`;

let project = '';
test.before(() => {
  const build = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), '--types'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  project = mkdtempSync(join(tmpdir(), 'nfwalk-consumer-'));
  // Built just above: the tarball is packed without running the build again.
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], {
      cwd: repoRoot,
      encoding: 'utf8',
    }),
  ) as { filename: string }[];
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(project, packed!.filename),
      `typescript@${pkg.devDependencies.typescript}`,
      `@types/node@${pkg.devDependencies['@types/node']}`,
    ],
    { cwd: project, stdio: 'pipe', env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: 'true' } },
  );
  writeFileSync(join(project, 'consumer.ts'), CONSUMER);
  writeFileSync(join(project, 'paste.txt'), paste);
});
test.after.always(() => project && rmSync(project, { recursive: true, force: true }));

const tsc = (args: readonly string[]) =>
  spawnSync(
    process.execPath,
    [
      join(project, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--strict',
      '--target',
      'es2022',
      '--types',
      'node',
      '--skipLibCheck',
      'false',
      ...args,
      'consumer.ts',
    ],
    { cwd: project, encoding: 'utf8' },
  );

test('the package ships the CLI, the library and one declaration file, and no browser driver', (t) => {
  const pkg = JSON.parse(readFileSync(join(project, 'node_modules', 'nfwalk', 'package.json'), 'utf8')) as {
    exports: unknown;
    bin: unknown;
  };
  t.deepEqual(pkg.exports, {
    '.': { types: './dist/index.d.ts', import: './dist/index.js' },
    './package.json': './package.json',
  });
  t.deepEqual(pkg.bin, { nfwalk: 'dist/cli.js' });
  t.false(
    spawnSync('node', ['-e', "import('puppeteer').then(() => process.exit(0), () => process.exit(1))"], {
      cwd: project,
    }).status === 0,
    'puppeteer is an optional peer: not installed',
  );
});

for (const [module, resolution] of [
  ['node16', 'node16'],
  ['esnext', 'bundler'],
] as const) {
  test(`a strict consumer type-checks under module ${module}, moduleResolution ${resolution}`, (t) => {
    const r = tsc(['--noEmit', '--module', module, '--moduleResolution', resolution]);
    t.is(r.status, 0, r.stdout + r.stderr);
  });
}

test('every result equals the installed CLI --json on the same input', (t) => {
  const emitted = tsc(['--module', 'node16', '--moduleResolution', 'node16', '--outDir', 'out']);
  t.is(emitted.status, 0, emitted.stdout);
  const run = spawnSync(process.execPath, [join(project, 'out', 'consumer.js'), sample, join(project, 'paste.txt')], {
    cwd: project,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  t.is(run.status, 0, run.stderr);
  const got = JSON.parse(run.stdout) as Record<string, unknown>;
  const cli = (args: readonly string[], input?: string) => {
    const r = spawnSync(join(project, 'node_modules', '.bin', 'nfwalk'), [...args, '--json', '--fail-on', 'none'], {
      input,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    t.is(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as unknown;
  };
  t.deepEqual(got.parse, cli(['parse', sample]));
  t.deepEqual(got.analyze, cli(['analyze', sample]));
  t.deepEqual(got.services, cli(['services', sample]));
  t.deepEqual(got.stale, cli(['stale', sample]));
  t.deepEqual(
    got.trace,
    cli(['trace', sample, '--src', probe.src, '--dst', probe.dst, '--dport', String(probe.dport), '--in', probe.in]),
  );
  t.deepEqual(got.pasteParse, cli(['parse', '-'], paste));
  t.deepEqual(got.pasteAnalyze, cli(['analyze', '-'], paste));
  t.deepEqual(got.pasteStale, cli(['stale', '-'], paste));
  t.is(got.error, 'NO_DUMP');
});
