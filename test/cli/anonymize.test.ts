/**
 * nfwalk anonymize on generated bundles of every layout: the copy holds none of the original addresses,
 * names or node names, maps each address the same way everywhere (prefix-preserving), and every analysis
 * finds on it what it finds on the original — per bundle and in a bulk run over the whole archive.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Pseudonyms } from '../../src/anonymize/pseudonyms';
import { type CorpusBundle, writeCorpus, writeTarGz } from '../generators/bundle-corpus';
import { buildCli, nfwalk } from '../helpers/cli';
import { readFixture } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'nfwalk-anon-'));
let corpus: CorpusBundle[] = [];
test.before(async () => {
  buildCli();
  corpus = await writeCorpus(join(dir, 'archive'), { bundles: 12, services: 30, entries: 400, brokenEvery: 6 });
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const filesUnder = (d: string): string[] =>
  readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? filesUnder(join(d, f)) : [join(d, f)]));

interface Report {
  nodes: { rules: number; services: number; conntrackEntries: number; stale: number }[];
  findings: { code: string; severity: string }[];
}
const shape = (r: Report) => ({
  nodes: r.nodes.map((n) => [n.rules, n.services, n.conntrackEntries, n.stale].join('/')).sort(),
  findings: r.findings.map((f) => `${f.severity} ${f.code}`).sort(),
});

test('each bundle: nothing identifying is left, and analyze finds the same on the copy', (t) => {
  for (const [i, b] of corpus.filter((x) => x.nodes.length > 0).entries()) {
    const out = join(dir, 'anon', String(i));
    const r = nfwalk(['anonymize', b.path, '--out', out, '--key', 'test-key']);
    t.is(r.status, 0, r.stderr);
    const text = filesUnder(out)
      .map((f) => `${f}\n${readFileSync(f, 'utf8')}`)
      .join('\n');
    for (const secret of [
      /\b10\.96\.\d+\.\d+/,
      /\b10\.244\.\d+\.\d+/,
      /\b192\.168\.\d+\.\d+/,
      /\bns\d+\/svc-\d+/,
      ...b.nodes.map((n) => new RegExp(n)),
    ])
      t.notRegex(text, secret, `${b.layout}: ${secret}`);
    const before = JSON.parse(nfwalk(['analyze', b.path, '--json', '--fail-on', 'none']).stdout) as Report;
    const after = JSON.parse(nfwalk(['analyze', out, '--json', '--fail-on', 'none']).stdout) as Report;
    t.true(before.findings.length > 0, b.path);
    t.deepEqual(shape(after), shape(before), b.layout);
  }
});

test('a bulk run over the anonymised archive counts the same findings by code as over the original', (t) => {
  const out = join(dir, 'anon-all');
  const healthy = corpus.filter((b) => b.nodes.length > 0).map((b) => b.path);
  t.is(nfwalk(['anonymize', ...healthy, '--out', out, '--key', 'k']).status, 0);
  const summary = (d: string) =>
    (
      JSON.parse(nfwalk(['bulk', d, '--json', '--fail-on', 'none']).stdout) as {
        summary: { byCode: unknown[]; nodes: number };
      }
    ).summary;
  const original = summary(join(dir, 'archive'));
  t.deepEqual(summary(out).byCode, original.byCode);
  t.is(summary(out).nodes, original.nodes);
});

test('addresses map prefix-preservingly: shared prefixes stay shared, host bytes, networks and special addresses stay', (t) => {
  const p = new Pseudonyms('k');
  const a = p.address('10.244.1.7') as string;
  const b = p.address('10.244.1.9') as string;
  const c = p.address('10.244.2.7') as string;
  t.is(a.split('.').slice(0, 3).join('.'), b.split('.').slice(0, 3).join('.'));
  t.is(a.split('.')[3], '7');
  t.is(a.split('.').slice(0, 2).join('.'), c.split('.').slice(0, 2).join('.'));
  t.not(a.split('.')[2], c.split('.')[2]);
  t.is(p.address('10.244.0.0', 16)?.split('.').slice(2).join('.'), '0.0');
  t.is(p.address('10.244.1.7'), a, 'the same address always maps alike');
  for (const kept of ['127.0.0.1', '0.0.0.0', '255.255.255.0', '169.254.20.10', '224.0.0.1', '::1', 'fe80::1', '::'])
    t.is(p.address(kept), undefined, kept);
  const v6 = p.address('fd00:10:96::a') as string;
  t.regex(v6, /::a$/);
  t.not(v6, 'fd00:10:96::a');
  t.not(new Pseudonyms('other').address('10.244.1.7'), a, 'another key, another mapping');
});

test('anonymize of something unreadable exits 2 with one line', (t) => {
  const r = nfwalk([
    'anonymize',
    corpus.find((b) => b.layout === 'broken-archive')?.path as string,
    '--out',
    join(dir, 'none'),
  ]);
  t.is(r.status, 2);
  t.regex(r.stderr, /^nfwalk: nothing to anonymise in /m);
});

test('an archive member named out of the archive (../) is not read, so no copy lands outside --out', async (t) => {
  const at = join(dir, 'traversal');
  const archive = join(at, 'bundle.tgz');
  mkdirSync(at);
  await writeTarGz(archive, {
    'node-q/conntrack.txt': readFixture('conntrack-L.txt'),
    '../../escaped.txt': readFixture('conntrack-L.txt'),
  });
  const out = join(at, 'out', 'copy');
  const r = nfwalk(['anonymize', archive, '--out', out]);
  t.is(r.status, 0, r.stderr);
  t.is(
    r.stderr,
    `nfwalk: warning: cannot read ${archive}/../../escaped.txt: member name leads out of the archive (absolute or ..): not read\n`,
  );
  const written = filesUnder(join(at, 'out'));
  t.is(written.length, 1);
  t.true(written[0]!.startsWith(`${out}/`) && written[0]!.endsWith('/conntrack.txt'), written[0]);
  t.false(existsSync(join(at, 'escaped.txt')) || existsSync(join(at, 'out', 'escaped.txt')));
});
