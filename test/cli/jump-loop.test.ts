/**
 * A probe that reaches chains jumping to each other in a loop (a hand-edited dump: the kernel refuses to load
 * one) ends that walk with a finding or an undecided entry, and the run goes on; it used to end every command
 * with exit 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { buildCli, nfwalk } from '../helpers/cli';

const RULES = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]
:KUBE-SEP-BBBBBBBBBBBBBBBB - [0:0]
:KUBE-SVC-CCCCCCCCCCCCCCCC - [0:0]
:KUBE-SEP-DDDDDDDDDDDDDDDD - [0:0]
:LOOP-A - [0:0]
:LOOP-B - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.96.0.50/32 -p tcp -m comment --comment "shop/loop:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-AAAAAAAAAAAAAAAA
-A KUBE-SERVICES -d 10.96.0.60/32 -p tcp -m comment --comment "shop/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-CCCCCCCCCCCCCCCC
-A KUBE-SVC-AAAAAAAAAAAAAAAA -m comment --comment "shop/loop:http -> 10.244.1.9:8080" -j KUBE-SEP-BBBBBBBBBBBBBBBB
-A KUBE-SEP-BBBBBBBBBBBBBBBB -p tcp -m comment --comment "shop/loop:http" -j LOOP-A
-A LOOP-A -j LOOP-B
-A LOOP-B -j LOOP-A
-A KUBE-SVC-CCCCCCCCCCCCCCCC -m comment --comment "shop/web:http -> 10.244.1.7:8080" -j KUBE-SEP-DDDDDDDDDDDDDDDD
-A KUBE-SEP-DDDDDDDDDDDDDDDD -p tcp -m comment --comment "shop/web:http" -m tcp -j DNAT --to-destination 10.244.1.7:8080
COMMIT
`;

const CONNTRACK = `tcp      6 86399 ESTABLISHED src=10.244.1.5 dst=10.96.0.50 sport=40000 dport=80 src=10.244.1.9 dst=10.244.1.5 sport=8080 dport=40000 [ASSURED] mark=0 use=1
tcp      6 86399 ESTABLISHED src=10.244.1.5 dst=10.96.0.60 sport=40001 dport=80 src=10.244.1.7 dst=10.244.1.5 sport=8080 dport=40001 [ASSURED] mark=0 use=1
`;

let dir = '';
test.before(() => {
  buildCli();
  dir = mkdtempSync(join(tmpdir(), 'nfwalk-loop-'));
  writeFileSync(join(dir, 'iptables-save.txt'), RULES);
  writeFileSync(join(dir, 'conntrack-L.txt'), CONNTRACK);
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('analyze reports the loop as LINT_LOOP and still analyses the other service', (t) => {
  const r = nfwalk(['analyze', dir, '--node-ip', '192.168.0.2', '--json']);
  t.is(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { findings: { code: string; subject: string }[] };
  t.true(report.findings.some((f) => f.code === 'LINT_LOOP' && f.subject.includes('LOOP-A')));
});

test('services walks every other service and notes the looping one on its node', (t) => {
  const r = nfwalk(['services', dir, '--node-ip', '192.168.0.2', '--json']);
  t.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    services: { name: string; endpoints: { ip: string }[] }[];
    nodes: { warnings: string[] }[];
  };
  t.deepEqual(
    out.services.find((s) => s.name === 'shop/web:http')?.endpoints.map((e) => e.ip),
    ['10.244.1.7'],
  );
  t.deepEqual(out.services.find((s) => s.name === 'shop/loop:http')?.endpoints, []);
  const warnings = out.nodes.flatMap((n) => n.warnings);
  t.true(
    warnings.some((w) => w.startsWith('shop/loop:http') && w.includes('chain nat LOOP-')),
    warnings.join('\n'),
  );
});

test('stale leaves the entry to the looping service undecided: a finding naming the loop, not a failed run', (t) => {
  const r = nfwalk(['stale', dir, '--node-ip', '192.168.0.2', '--json']);
  t.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    nodes: { undecided: { why: string; count: number }[] }[];
    findings: { code: string; message: string }[];
  };
  t.deepEqual(
    out.nodes[0]?.undecided.map((u) => [u.count, /chain nat LOOP-/.test(u.why)]),
    [[1, true]],
  );
  t.true(out.findings.some((f) => f.code === 'STALE_UNDECIDED' && f.message.includes('LOOP-')));
});

test('trace names the loop in one line instead of a stack', (t) => {
  const r = nfwalk([
    'trace',
    dir,
    '--src',
    '10.244.1.5',
    '--dst',
    '10.96.0.50',
    '--dport',
    '80',
    '--node-ip',
    '192.168.0.2',
  ]);
  t.regex(r.stderr, /^nfwalk: chain nat LOOP-[AB]: jumps nest deeper than 256/);
});
