/**
 * nfwalk bulk on a generated archive of 50 bundles in five collectors' layouts, some broken: every bundle
 * is accounted for, the findings of each equal a single-bundle `nfwalk analyze` of it, broken bundles are
 * reported while the rest go on, and the filters keep exactly what they say.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import test from 'ava';
import { type CorpusBundle, writeCorpus } from '../generators/bundle-corpus';
import { buildCli, nfwalk } from '../helpers/cli';
import { readFixture } from '../helpers/shared';

interface Finding {
  code: string;
  severity: string;
  node?: string;
  subject: string;
  message: string;
}
interface Bundle {
  path: string;
  error?: string;
  nodes: { node: string }[];
  findings: Finding[];
}

const dir = mkdtempSync(join(tmpdir(), 'nfwalk-bulk-'));
let corpus: CorpusBundle[] = [];
test.before(async () => {
  buildCli();
  corpus = await writeCorpus(join(dir, 'archive'), { bundles: 50, services: 20, entries: 300, brokenEvery: 7 });
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const bulkJson = (...args: string[]) => {
  const r = nfwalk(['bulk', join(dir, 'archive'), '--json', '--fail-on', 'none', ...args]);
  return {
    ...r,
    doc: r.stdout
      ? (JSON.parse(r.stdout) as {
          bundles: Bundle[];
          summary: { bundles: number; failed: number; byCode: { code: string; findings: number }[] };
        })
      : undefined,
  };
};
const key = (f: Finding) => `${f.node} ${f.code} ${f.subject} ${f.message}`;

test('every bundle is accounted for, broken ones with a reason, and each finds what analyze finds alone', (t) => {
  const { status, doc, stderr } = bulkJson();
  t.is(status, 0, stderr);
  if (!doc) return t.fail('no JSON');
  t.deepEqual(doc.bundles.map((b) => b.path).sort(), corpus.map((b) => b.path).sort());
  const broken = corpus
    .filter((b) => b.nodes.length === 0)
    .map((b) => b.path)
    .sort();
  t.is(broken.length, 7);
  t.deepEqual(
    doc.bundles
      .filter((b) => b.error)
      .map((b) => b.path)
      .sort(),
    broken,
  );
  for (const b of doc.bundles.filter((x) => x.error))
    t.regex(b.error ?? '', /^(cannot read .+: .+|no usable dump in it)$/, b.path);
  t.is(doc.summary.failed, 7);
  for (const expected of corpus.filter((b) => b.nodes.length > 0)) {
    const got = doc.bundles.find((b) => b.path === expected.path) as Bundle;
    t.deepEqual(got.nodes.map((n) => n.node).sort(), [...expected.nodes].sort(), expected.path);
    const alone = JSON.parse(nfwalk(['analyze', expected.path, '--json', '--fail-on', 'none']).stdout) as {
      findings: Finding[];
    };
    t.deepEqual(got.findings.map(key).sort(), alone.findings.map(key).sort(), `${expected.layout} ${expected.path}`);
  }
  const stale = doc.bundles.flatMap((b) => b.findings).filter((f) => f.code.startsWith('STALE_')).length;
  t.true(stale > 20, `${stale} stale findings: the corpus has something to find`);
  t.is(
    doc.summary.byCode.reduce((n, c) => n + c.findings, 0),
    doc.bundles.reduce((n, b) => n + b.findings.length, 0),
  );
});

test('NDJSON: one line per bundle as it finishes, the summary on stderr; text: progress lines and tables', (t) => {
  const nd = nfwalk(['bulk', join(dir, 'archive'), '--ndjson', '--fail-on', 'none', '--workers', '3']);
  t.is(nd.status, 0, nd.stderr);
  const lines = nd.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Bundle);
  t.is(lines.length, 50);
  t.regex(nd.stderr, /^bulk: 50 bundles \(43 analysed, 7 failed\), 52 nodes$/m);
  t.regex(nd.stderr, /^nfwalk: analysed 50 bundles in [\d.]+ s \([\d.]+ bundles\/s\)$/m);
  const text = nfwalk(['bulk', join(dir, 'archive'), '--fail-on', 'none']);
  t.regex(text.stdout, /^bulk: 50 bundles \(43 analysed, 7 failed\)/);
  t.regex(text.stdout, /\nfindings by code\ncode +severity +findings +bundles +nodes\nSTALE_ENDPOINT_GONE +error/);
  t.is(text.stderr.split('\n').filter((l) => /^nfwalk: \[\d+\/50\] /.test(l)).length, 50);
  t.is(nfwalk(['bulk', join(dir, 'archive')]).status, 1, 'failed bundles and error findings fail the run');
});

test('filters: --only with a prefix, --node, --where, --since; a bad query is one line, exit 2', (t) => {
  const all = bulkJson().doc?.bundles.flatMap((b) => b.findings) ?? [];
  const only = bulkJson('--only', 'STALE_*', '--only', 'CT_TABLE_FULL').doc?.bundles.flatMap((b) => b.findings) ?? [];
  t.deepEqual(
    only.map(key).sort(),
    all
      .filter((f) => f.code.startsWith('STALE_') || f.code === 'CT_TABLE_FULL')
      .map(key)
      .sort(),
  );
  t.true(only.length > 0);
  const node = corpus.find((b) => b.layout === 'calico')?.nodes[1] as string;
  const onNode = bulkJson('--node', node).doc?.bundles.flatMap((b) => b.findings) ?? [];
  t.deepEqual(
    onNode.map(key).sort(),
    all
      .filter((f) => f.node === node)
      .map(key)
      .sort(),
  );
  const where = bulkJson('--where', 'severity=error and subject~:dns$').doc?.bundles.flatMap((b) => b.findings) ?? [];
  t.deepEqual(
    where.map(key).sort(),
    all
      .filter((f) => f.severity === 'error' && /:dns$/i.test(f.subject))
      .map(key)
      .sort(),
  );
  t.true(where.length > 0);
  const none = nfwalk(['bulk', join(dir, 'archive'), '--since', '2999-01-01']);
  t.is(none.status, 2);
  t.regex(none.stderr, /^nfwalk: no bundles in .* since 2999-01-01\n$/);
  for (const bad of ['sevrity=error', 'code~(', 'just words']) {
    const r = nfwalk(['bulk', join(dir, 'archive'), '--where', bad]);
    t.is(r.status, 2, bad);
    t.regex(r.stderr, /^nfwalk: --where: [^\n]+\n$/, bad);
  }
});

test('the 50-bundle archive, anonymised, gives the same findings by code, bundle count and node count', (t) => {
  const healthy = corpus.filter((b) => b.nodes.length > 0).map((b) => b.path);
  const out = join(dir, 'anonymised');
  const r = nfwalk(['anonymize', ...healthy, '--out', out]);
  t.is(r.status, 0, r.stderr);
  const summaryOf = (d: string) =>
    (
      JSON.parse(nfwalk(['bulk', d, '--json', '--fail-on', 'none']).stdout) as {
        summary: { analysed: number; nodes: number; byCode: unknown[] };
      }
    ).summary;
  const original = summaryOf(join(dir, 'archive'));
  const anonymised = summaryOf(out);
  t.is(anonymised.analysed, 43);
  t.is(anonymised.nodes, original.nodes);
  t.deepEqual(anonymised.byCode, original.byCode);
});

test('bundles too big for their share of --heap-budget are analysed again on their own, with the same findings', (t) => {
  const generous = bulkJson().doc?.bundles ?? [];
  const tight = bulkJson('--heap-budget', '4', '--workers', '2').doc?.bundles ?? [];
  t.is(tight.filter((b) => b.error).length, 7, 'only the broken bundles fail');
  t.deepEqual(
    tight.map((b) => `${b.path} ${b.findings.map(key).sort().join('|')}`).sort(),
    generous.map((b) => `${b.path} ${b.findings.map(key).sort().join('|')}`).sort(),
  );
});

test('a quoted glob and single bundles are bundles too; a path that matches nothing is named', (t) => {
  const eks = corpus
    .filter((b) => b.layout === 'eks')
    .map((b) => b.path)
    .sort();
  const globbed = nfwalk(['bulk', join(dir, 'archive', 'eks_i-abc*.tar.gz'), '--json', '--fail-on', 'none']);
  t.deepEqual((JSON.parse(globbed.stdout) as { bundles: Bundle[] }).bundles.map((b) => b.path).sort(), eks);
  const two = nfwalk(['bulk', eks[0] as string, eks[1] as string, join(dir, 'nope'), '--json', '--fail-on', 'none']);
  t.is((JSON.parse(two.stdout) as { bundles: Bundle[] }).bundles.length, 2);
  t.regex(two.stderr, /^nfwalk: warning: .*nope: no such file, directory or match$/m);
});

test('a link in a folder of bundles whose target is gone is a failed bundle, named, and the others are analysed', (t) => {
  const folder = join(dir, 'links');
  mkdirSync(folder);
  const [first, second] = corpus.filter((b) => b.nodes.length > 0);
  symlinkSync(first!.path, join(folder, `b-${basename(first!.path)}`));
  symlinkSync(second!.path, join(folder, `c-${basename(second!.path)}`));
  // Sorted first, so listing meets it before any bundle: it used to stop the whole run.
  symlinkSync(join(dir, 'gone'), join(folder, 'a-gone'));
  symlinkSync(join(dir, 'gone.tar.gz'), join(folder, 'old.tar.gz'));
  const r = nfwalk(['bulk', folder, '--json', '--fail-on', 'none']);
  t.is(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { bundles: Bundle[]; summary: { failed: number } };
  t.deepEqual(
    doc.bundles.map((b) => basename(b.path)),
    ['a-gone', `b-${basename(first!.path)}`, `c-${basename(second!.path)}`, 'old.tar.gz'],
  );
  t.deepEqual(
    doc.bundles.filter((b) => b.error).map((b) => [basename(b.path), b.error]),
    [
      ['a-gone', `cannot read ${join(folder, 'a-gone')}: no such file or directory`],
      ['old.tar.gz', `cannot read ${join(folder, 'old.tar.gz')}: no such file or directory`],
    ],
  );
  t.is(doc.summary.failed, 2);
  t.true(doc.bundles.filter((b) => !b.error).every((b) => b.nodes.length > 0));
  t.is(nfwalk(['bulk', folder, '--fail-on', 'error']).status, 1);
});

test('a bundle whose only rules are an iptables -L listing is analysed from it; beside real dumps it is read too', (t) => {
  const folder = join(dir, 'listings');
  const listing = readFixture('iptables-t-nat-L-n-v.txt');
  const lines = listing.trimEnd().split('\n').length;
  mkdirSync(join(folder, 'only-listing'), { recursive: true });
  writeFileSync(join(folder, 'only-listing', 'iptables.txt'), listing);
  const [healthy] = corpus.filter((b) => b.layout === 'plain');
  cpSync(healthy!.path, join(folder, 'with-listing'), { recursive: true });
  writeFileSync(join(folder, 'with-listing', 'iptables-L.txt'), listing);
  const r = nfwalk(['bulk', folder, '--json', '--fail-on', 'none']);
  t.is(r.status, 0, r.stderr);
  const bundles = (JSON.parse(r.stdout) as { bundles: Bundle[] }).bundles;
  t.deepEqual(
    bundles.map((b) => basename(b.path)),
    ['only-listing', 'with-listing'],
  );
  const [onlyListing, withListing] = bundles;
  t.is(onlyListing!.error, undefined, `${lines} lines read`);
  t.deepEqual(
    withListing!.findings.filter((f) => f.code === 'INPUT_NOT_READ'),
    [],
  );
});
