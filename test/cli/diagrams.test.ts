/** Diagrams from the command line: --format mermaid|ascii, --output in every format, chains, render. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { PNG } from 'pngjs';
import { browserTest } from '../helpers/browser';
import { buildCli, nfwalk } from '../helpers/cli';
import { repoRoot, sharedFile, sharedTest } from '../helpers/shared';

const incident = join(repoRoot, 'samples', 'incident-node');
const big = sharedFile('realworld/netnetwork_tum_chair_iptables-save-v1.4.14-large.txt');

test.before(() => buildCli());

function inTemp(t: import('ava').ExecutionContext, fn: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-diagrams-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  fn(dir);
}

test('chains: an outline, JSON and Mermaid of the call graph; --from limits it to one chain’s reach', (t) => {
  const text = nfwalk(['chains', incident, '--table', 'nat']);
  t.is(text.status, 0, text.stderr);
  t.regex(text.stdout, /^chains on incident-node \(ipv4\): 19 chains in 19 groups\n/);
  t.regex(
    text.stdout,
    /\n {2}nat {6}KUBE-SERVICES \(4 rules\) "kubernetes service portals"\n {4}→ KUBE-SVC-TCOU7JCQXEZGVUNU \(1 jump\)\n/,
  );
  t.regex(text.stdout, /\n {2}nat {6}KUBE-SVC-67NZLRHBNDSAWJRO \(4 rules\) "shop\/web:http"\n/);
  const json = JSON.parse(
    nfwalk(['chains', incident, '--table', 'nat', '--from', 'KUBE-SVC-67NZLRHBNDSAWJRO', '--json']).stdout,
  );
  t.deepEqual(json.groups.map((g: { name: string }) => g.name).sort(), [
    'KUBE-MARK-MASQ',
    'KUBE-SEP-6YQMV6ZQTW2VHPTA',
    'KUBE-SEP-XV6FDLZJXSR4FG62',
    'KUBE-SEP-ZFNBBCQ6PZLK4B2M',
    'KUBE-SVC-67NZLRHBNDSAWJRO',
  ]);
  const folded = nfwalk(['chains', incident, '--table', 'nat', '--budget', '10', '--format', 'mermaid']);
  t.regex(folded.stdout, /\n {2}c_nat_KUBE_SEP\("KUBE-SEP-\*<br\/>7 chains, 14 rules"\)\n/);
  t.regex(folded.stdout, /\n {2}c_nat_KUBE_SVC -->\|"7 jumps"\| c_nat_KUBE_SEP\n/);
  for (const [args, message] of [
    [['--from', 'NOPE'], /^nfwalk: no chain NOPE\n$/],
    [['--table', 'security'], /^nfwalk: the dump has no security table\n$/],
  ] as const) {
    const bad = nfwalk(['chains', incident, ...args]);
    t.is(bad.status, 2);
    t.regex(bad.stderr, message);
  }
});

test('--output FILE.md and .mmd hold the same source --format mermaid prints', (t) => {
  inTemp(t, (dir) => {
    const source = nfwalk(['stale', incident, '--format', 'mermaid', '--fail-on', 'none']).stdout;
    t.regex(source, /^flowchart LR\n/);
    const r = nfwalk(['stale', incident, '--fail-on', 'none', '-o', join(dir, 'stale.md')]);
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, /^incident-node: 54 entries checked, 10 stale\n/, 'stdout still gets the text report');
    t.is(readFileSync(join(dir, 'stale.md'), 'utf8'), `## stale entries\n\n\`\`\`mermaid\n${source}\`\`\`\n`);
    t.is(nfwalk(['stale', incident, '--fail-on', 'none', '--output', join(dir, 'stale.mmd')]).status, 0);
    t.is(readFileSync(join(dir, 'stale.mmd'), 'utf8'), source);
  });
});

test('without a browser SVG still renders, PNG and unknown extensions are refused in one line', (t) => {
  inTemp(t, (dir) => {
    const svg = nfwalk(['services', incident, '--fail-on', 'none', '--chromium', 'none', '-o', join(dir, 'svc.svg')]);
    t.is(svg.status, 0, svg.stderr);
    t.regex(svg.stderr, /^nfwalk: .*svc\.svg: drawn without a browser by beautiful-mermaid/m);
    const drawn = readFileSync(join(dir, 'svc.svg'), 'utf8');
    t.regex(drawn, /^<svg /);
    t.regex(drawn, />10\.244\.1\.30:8080</);
    for (const [file, message] of [
      ['svc.png', /^nfwalk: .*svc\.png: PNG needs Chromium \(apt-get install chromium, or --chromium PATH\)/],
      ['svc.txt', /^nfwalk: .*svc\.txt: name the output \.svg, \.png, \.pdf, \.md or \.mmd\n$/],
    ] as const) {
      const bad = nfwalk(['services', incident, '--fail-on', 'none', '--chromium', 'none', '-o', join(dir, file)]);
      t.is(bad.status, 2);
      t.regex(bad.stderr, message);
      t.is(bad.stderr.trim().split('\n').length, 1);
    }
  });
});

sharedTest('--format ascii draws small diagrams in the terminal and gives a one-line hint for big ones', (t) => {
  const small = nfwalk(['stale', incident, '--format', 'ascii', '--fail-on', 'none']);
  t.is(small.status, 0, small.stderr);
  t.regex(small.stdout, /┌─+┐/);
  t.regex(small.stdout, /10\.244\.3\.5:53/);
  const large = nfwalk(['chains', big, '--budget', '100', '--format', 'ascii']);
  t.is(large.status, 0);
  t.is(large.stdout, '');
  t.regex(large.stderr, /^nfwalk: \d+ boxes are too many for a terminal picture: render it with --output FILE\.svg\n$/);
});

browserTest(
  '--output renders PNG and PDF with Chromium; render turns .mmd files and Markdown blocks into images in one browser',
  (t) => {
    inTemp(t, (dir) => {
      const png = nfwalk([
        'trace',
        incident,
        '--src',
        '10.244.0.5',
        '--dst',
        '10.96.14.20',
        '--dport',
        '80',
        '-o',
        join(dir, 'trace.png'),
      ]);
      t.is(png.status, 0, png.stderr);
      const image = PNG.sync.read(readFileSync(join(dir, 'trace.png')));
      t.true(
        image.width > 1000 && image.height > 1000,
        `${image.width}×${image.height}: a walk through a dozen chains, at its natural size`,
      );
      t.is(nfwalk(['services', incident, '--fail-on', 'none', '-o', join(dir, 'svc.pdf')]).status, 0);
      t.is(readFileSync(join(dir, 'svc.pdf')).subarray(0, 5).toString(), '%PDF-');

      writeFileSync(join(dir, 'one.mmd'), nfwalk(['chains', incident, '--table', 'nat', '--format', 'mermaid']).stdout);
      writeFileSync(
        join(dir, 'doc.md'),
        `# Incident\n\n\`\`\`mermaid\nflowchart LR\n  a --> b\n\`\`\`\n\ntext\n\n~~~mermaid\nflowchart TD\n  c --> d\n~~~\n`,
      );
      const r = nfwalk([
        'render',
        join(dir, 'one.mmd'),
        join(dir, 'doc.md'),
        '--to',
        'png',
        '--out-dir',
        join(dir, 'out'),
      ]);
      t.is(r.status, 0, r.stderr);
      t.deepEqual(
        r.stdout.trim().split('\n'),
        ['one.png', 'doc-1.png', 'doc-2.png'].map((f) => join(dir, 'out', f)),
      );
      for (const f of ['one.png', 'doc-1.png', 'doc-2.png'])
        t.true(PNG.sync.read(readFileSync(join(dir, 'out', f))).width > 20, f);
      const none = nfwalk(['render', join(dir, 'missing.mmd')]);
      t.is(none.status, 2);
      t.regex(none.stderr, /^nfwalk: .*missing\.mmd: no such file\n$/);
    });
  },
);
