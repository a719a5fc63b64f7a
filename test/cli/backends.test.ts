/** A Calico diags bundle of a node with both iptables backends, as a user runs nfwalk on it. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { buildCli, nfwalk } from '../helpers/cli';
import { readShared, sharedAvailable, sharedTest } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'nfwalk-backends-'));
const worker = join(dir, 'calico-diagnostics-20261122_101500', 'nodes', 'worker-1');

// The team's captures of one kube-like ruleset in both backends (../shared/captures): the expectations below are theirs.
test.before(() => {
  buildCli();
  if (!sharedAvailable) return;
  mkdirSync(worker, { recursive: true });
  // calicoctl keeps stderr: iptables-nft-save's warning that legacy tables exist comes with the dump.
  writeFileSync(
    join(worker, 'iptables-nft-save.txt'),
    readShared('captures/iptables-nft-save-legacy-present.stdout.txt') +
      readShared('captures/iptables-nft-save-legacy-present.stderr.txt'),
  );
  writeFileSync(join(worker, 'iptables-legacy-save.txt'), readShared('captures/iptables-legacy-save-kube.txt'));
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const probe = [
  '--src',
  '203.0.113.7',
  '--dst',
  '10.96.0.10',
  '--proto',
  'tcp',
  '--sport',
  '40000',
  '--dport',
  '80',
  '--in',
  'eth0',
];

sharedTest(
  "trace walks both backends: kube-proxy's legacy DNAT binds first, and each path says nft's would have bound it too",
  (t) => {
    const r = nfwalk(['trace', dir, ...probe, '--json']);
    t.is(r.status, 0, r.stderr);
    t.is(r.stderr, '', 'the legacy-present warning is answered by the legacy dump');
    const doc = JSON.parse(r.stdout) as {
      paths: {
        final: { dst: string };
        assumptions?: string[];
        steps: { table: string; chain: string; backend?: string }[];
      }[];
    };
    t.deepEqual(doc.paths.map((p) => p.final.dst).sort(), ['10.244.1.5', '10.244.1.6']);
    for (const path of doc.paths) {
      t.true(path.steps.every((s) => s.backend === 'legacy' || s.backend === 'nft'));
      t.like(
        path.steps.find((s) => s.chain === 'KUBE-SERVICES'),
        { table: 'nat', backend: 'legacy' },
      );
      t.false(
        path.steps.some((s) => s.backend === 'nft' && s.table === 'nat' && s.chain === 'PREROUTING'),
        "nft's nat PREROUTING never runs once legacy's has bound the connection",
      );
      t.true(path.assumptions?.some((a) => a.startsWith('legacy nat PREROUTING runs before nft nat PREROUTING')));
    }
    const text = nfwalk(['trace', dir, ...probe]);
    t.regex(text.stdout, /\n {2}nat \(legacy\) KUBE-SERVICES rule 1: -A KUBE-SERVICES -d 10\.96\.0\.10\/32 /);
    t.regex(
      text.stdout,
      /\nnote: this node runs both iptables backends; where two tables have the same priority, legacy's runs first here/,
    );
    const mermaid = nfwalk(['trace', dir, ...probe, '--format', 'mermaid']);
    t.regex(mermaid.stdout, /\["nat \(legacy\) KUBE-SERVICES"\]/);
  },
);

sharedTest('analyze names the split, and no longer says legacy tables are missing', (t) => {
  const r = nfwalk(['analyze', dir, '--json', '--fail-on', 'none']);
  t.is(r.status, 0, r.stderr);
  const codes = (JSON.parse(r.stdout) as { findings: { code: string; node: string }[] }).findings.map(
    (f) => `${f.code} ${f.node}`,
  );
  t.true(codes.includes('LINT_BOTH_BACKENDS worker-1'));
  t.false(codes.some((c) => c.startsWith('INPUT_NOT_READ')));
  const chains = nfwalk(['chains', dir, '--table', 'nat', '--from', 'KUBE-SERVICES', '--json']);
  t.is(chains.status, 0, chains.stderr);
  t.regex(chains.stdout, /KUBE-SVC-XPGD46QRK7WJZT7O/, 'chains picks the backend that holds --from');
  const nftOnly = nfwalk(['chains', dir, '--table', 'nat', '--backend', 'nft', '--json']);
  t.notRegex(nftOnly.stdout, /KUBE-/);
});
