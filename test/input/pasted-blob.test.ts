/**
 * A paste is rarely one clean dump: several captures with prompts between them, stderr banners, CRLF, log
 * prefixes, collector headers. Each dump must be found with its exact lines and read as if it were alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import type { Section } from '../../src/model/section';
import { sectionsOf } from '../helpers/sections';
import { readFixture, repoRoot } from '../helpers/shared';

interface Part {
  readonly before: string[];
  readonly text: string;
}

/** Joins parts, remembering where each dump's text lands (1-based lines). */
function blob(parts: readonly Part[]): { text: string; ranges: [number, number][] } {
  const lines: string[] = [];
  const ranges: [number, number][] = [];
  for (const p of parts) {
    lines.push(...p.before);
    const body = p.text.replace(/\n$/, '').split('\n');
    ranges.push([lines.length + 1, lines.length + body.length]);
    lines.push(...body);
  }
  return { text: `${lines.join('\n')}\n`, ranges };
}

const alone = (text: string) => sectionsOf(text).sections.map((s) => [s.kind, s.records]);
const summary = (sections: readonly Section[]) => sections.map((s) => [s.kind, s.records]);

const iptables = readFixture('iptables-save-c.txt');
const conntrack = readFixture('conntrack-L.txt');
const ipvs = readFileSync(join(repoRoot, 'samples', 'kube-node-ipvs.proc-net-ip_vs.txt'), 'utf8');
const extended = readFixture('conntrack-L-o-extended.txt')
  .split('\n')
  .filter((l) => l.includes('10.96.0.10'))
  .join('\n');
const stats = readFileSync(join(repoRoot, 'samples', 'incident-node', 'conntrack-S.txt'), 'utf8');

const parts: Part[] = [
  { before: ['root@node-a:~# iptables-save -c'], text: iptables },
  { before: ['[root@vm01 ~]# conntrack -L'], text: conntrack },
  {
    before: [
      'Defaulted container "kube-proxy" out of: kube-proxy, init (init)',
      '$ kubectl -n kube-system exec -ti kube-proxy-x -- cat /proc/net/ip_vs',
    ],
    text: ipvs,
  },
  { before: ['k3s-agent-large-qtr:~ # conntrack -L -o extended | grep 10.96.0.10'], text: extended },
  { before: ['command terminated with exit code 0', '', '*** Output of conntrack -S *** '], text: stats },
];

test('prompts between captures: each section found with its lines, command and records as if alone', (t) => {
  const { text, ranges } = blob(parts);
  const { sections, skipped } = sectionsOf(text, 'paste.txt');
  t.deepEqual(
    summary(sections),
    parts.flatMap((p) => alone(p.text)),
  );
  t.deepEqual(
    sections.map((s) => [s.source.startLine, s.source.endLine]),
    ranges,
  );
  t.deepEqual(
    sections.map((s) => s.source.command),
    [
      'iptables-save -c',
      'conntrack -L',
      'cat /proc/net/ip_vs',
      'conntrack -L -o extended | grep 10.96.0.10',
      'conntrack -S',
    ],
  );
  t.true(sections[3]!.source.partial);
  t.deepEqual(
    sections.flatMap((s) => s.diagnostics.filter((d) => d.severity === 'error')),
    [],
  );
  t.deepEqual(
    skipped.map((s) => s.reason),
    [
      'shell prompt',
      'shell prompt',
      'kubectl banner',
      'shell prompt',
      'shell prompt',
      'kubectl banner',
      'collector header',
    ],
  );
  // Every line is accounted for: in a section, skipped with a reason, or blank.
  const covered = new Set<number>();
  for (const r of [...sections.map((s) => s.source), ...skipped])
    for (let l = r.startLine; l <= r.endLine; l++) covered.add(l);
  text
    .split('\n')
    .slice(0, -1)
    .forEach((l, i) => t.true(covered.has(i + 1) || l.trim() === '', `line ${i + 1} unaccounted: ${l}`));
});

test('the same paste through a Windows clipboard (CRLF), with ANSI colours in the prompts', (t) => {
  const { text } = blob(
    parts.map((p) => ({
      ...p,
      before: p.before.map((b) => (b.includes('#') ? `\x1b[01;32m${b.replace('#', '\x1b[00m#')}` : b)),
    })),
  );
  const { sections } = sectionsOf(text.replaceAll('\n', '\r\n'));
  t.deepEqual(
    summary(sections),
    parts.flatMap((p) => alone(p.text)),
  );
  t.deepEqual(
    sections.flatMap((s) => s.diagnostics.filter((d) => d.severity === 'error')),
    [],
  );
});

test('log prefixes on every line (journald, CRI, mail quoting) are stripped', (t) => {
  const rules =
    '*nat\n:KUBE-SVC-X - [0:0]\n:KUBE-SEP-A - [0:0]\n:KUBE-SEP-B - [0:0]\n-A KUBE-SVC-X -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-A\n-A KUBE-SVC-X -j KUBE-SEP-B\nCOMMIT\n';
  const journald = rules
    .trimEnd()
    .split('\n')
    .map((l) => `Nov 14 11:06:11 node1 kube-proxy[12085]: ${l}`)
    .join('\n');
  const cri = conntrack
    .trimEnd()
    .split('\n')
    .map((l, i) => `2024-09-03T13:18:56.${String(i).padStart(9, '0')}Z stdout F ${l}`)
    .join('\n');
  const quoted = stats
    .trimEnd()
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
  for (const [text, expected] of [
    [journald, alone(rules)],
    [cri, alone(conntrack)],
    [quoted, alone(stats)],
  ] as const) {
    const { sections } = sectionsOf(`${text}\n`);
    t.deepEqual(summary(sections), expected);
    t.deepEqual(
      sections.flatMap((s) => s.diagnostics.filter((d) => d.severity === 'error')),
      [],
    );
  }
});

test('collector layouts: supportconfig command blocks, old Cilium bugtool Markdown fences', (t) => {
  const supportconfig = [
    '#==[ Command ]======================================#',
    '# /usr/sbin/iptables-save -t nat',
    iptables.slice(iptables.indexOf('*nat'), iptables.indexOf('COMMIT', iptables.indexOf('*nat')) + 7).trimEnd(),
    '',
    '#==[ Command ]======================================#',
    '# /usr/sbin/ipvsadm -Ln',
    '# NOTE: The ip_vs module is not loaded, skipping check',
    '',
  ].join('\n');
  const s = sectionsOf(supportconfig);
  t.deepEqual(summary(s.sections), [['iptables-save', 69]]);
  t.is(s.sections[0]!.source.command, '/usr/sbin/iptables-save -t nat');
  const second = supportconfig.split('\n').lastIndexOf('#==[ Command ]======================================#') + 1;
  t.deepEqual(
    s.skipped.map((k) => [k.startLine, k.endLine, k.reason]),
    [
      [1, 2, 'collector header'],
      [second, second + 1, 'collector header'],
      [second + 2, second + 2, 'collector note'],
    ],
  );

  const bugtool = `# iptables-save -c\n\n\`\`\`\n${iptables}\`\`\`\n\n# conntrack -L\n\n\`\`\`\n${conntrack}\`\`\`\n`;
  const b = sectionsOf(bugtool);
  t.deepEqual(summary(b.sections), [...alone(iptables), ...alone(conntrack)]);
  t.deepEqual(
    b.sections.map((x) => x.source.command),
    ['iptables-save -c', 'conntrack -L'],
  );
});

test('an iptables-save dump followed by an ip6tables-save dump without a prompt: two sections, two families', (t) => {
  const v6 = readFixture('ip6tables-save.txt');
  const { sections } = sectionsOf(`${readFixture('iptables-save.txt')}${v6}`);
  t.deepEqual(
    sections.map((s) => s.kind),
    ['iptables-save', 'ip6tables-save'],
  );
  t.deepEqual(summary(sections), [...alone(readFixture('iptables-save.txt')), ...alone(v6)]);
});

test('text of no known format is skipped, named, and never fails the rest', (t) => {
  const { sections, skipped } = sectionsOf(
    `NAME READY STATUS\ncoredns-1 1/1 Running\n${conntrack}Chain INPUT (policy ACCEPT)\ntarget prot opt source destination\n`,
  );
  // The listing at the end is read, an empty chain of the filter table.
  t.deepEqual(summary(sections), [...alone(conntrack), ['iptables-list', 0]]);
  t.deepEqual(
    skipped.map((s) => [s.startLine, s.endLine, s.reason, s.foreign]),
    [[1, 2, 'not a dump nfwalk reads', undefined]],
  );
});
