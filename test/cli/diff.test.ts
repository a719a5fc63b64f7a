/** `nfwalk diff BEFORE AFTER` as a user runs it on two snapshots of a node. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { endpointsAt, kubeProxyRuleset, serviceSpec } from '../generators/kube-proxy-dump';
import { buildCli, nfwalk } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'nfwalk-diff-'));
const before = join(dir, 'before.iptables-save');
const after = join(dir, 'after.iptables-save');
const web = (...eps: string[]) => serviceSpec('shop/web:http', 'tcp', '10.96.0.10', 80, endpointsAt(...eps));

test.before(() => {
  buildCli();
  writeFileSync(
    before,
    kubeProxyRuleset([web('10.244.1.5:8080', '10.244.2.6:8080')], { clusterCidr: '10.244.0.0/16' }),
  );
  writeFileSync(after, kubeProxyRuleset([web('10.244.1.5:8080')], { clusterCidr: '10.244.0.0/16' }));
  writeFileSync(join(dir, 'notes.txt'), 'nothing to see\n');
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('text: the service whose pod went, its new shares, and the rules that changed with file and line', (t) => {
  const r = nfwalk(['diff', before, after, '--node-ip', '192.168.0.2']);
  t.is(r.status, 0, r.stderr);
  t.regex(
    r.stdout,
    /\n {2}~ shop\/web:http tcp\n {6}~ cluster IP 10\.96\.0\.10:80: forward\n {10}~ 10\.244\.1\.5:8080 50\.0% → 100\.0%\n {10}- 10\.244\.2\.6:8080 \(was 50\.0%\)\n/,
  );
  t.regex(r.stdout, /\nrules ipv4 \(nft\): \+1 -4 in 2 chains\n/);
  t.regex(
    r.stdout,
    /\n {4}- -A KUBE-SEP-\w+ -p tcp -m comment --comment "shop\/web:http" -m tcp -j DNAT --to-destination 10\.244\.2\.6:8080 {3}\(.*before\.iptables-save:\d+\)\n/,
  );
});

test('--json: one document with the node pair, its services and rulesets', (t) => {
  const r = nfwalk(['diff', before, after, '--json']);
  t.is(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    nodes: { services: { name: string; change: string }[]; rulesets: { rulesAdded: number; rulesRemoved: number }[] }[];
    onlyBefore: string[];
  };
  t.deepEqual(
    doc.nodes[0]!.services.map((s) => [s.name, s.change]),
    [['shop/web:http', 'changed']],
  );
  t.like(doc.nodes[0]!.rulesets[0], { rulesAdded: 1, rulesRemoved: 4 });
  t.deepEqual(doc.onlyBefore, []);
});

test('snapshots without rules: exit 2 with the reason', (t) => {
  const r = nfwalk(['diff', join(dir, 'notes.txt'), join(dir, 'notes.txt')]);
  t.is(r.status, 2);
  t.regex(r.stderr, /^nfwalk: no usable dump in /);
});
