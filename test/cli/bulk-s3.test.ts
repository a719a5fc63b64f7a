/**
 * nfwalk bulk reads bundles from an S3-compatible object store: a real S3 server (s3rver, started here on
 * localhost) holds a generated archive of bundles as objects (tarballs, a zip) and as prefixes (unpacked
 * bundles); nfwalk lists and streams them through the AWS SDK with the standard environment (endpoint,
 * keys, region), and finds in each what it finds in the same bundle on disk. Shards, resumable results and
 * single objects work as they do locally; a bucket that is not there is one line, exit 2. Results kept in
 * the bucket (`--results s3://…`) resume and merge as a results folder does.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
// @ts-expect-error: s3rver ships no declarations; run() resolves to the server's address, close() stops it.
import S3rver from '@20minutes/s3rver';
import test from 'ava';
import yazl from 'yazl';
import { type CorpusBundle, writeCorpus } from '../generators/bundle-corpus';
import { buildCli, nfwalkAsync } from '../helpers/cli';

// This process loads the SDK to fill the bucket; nfwalk itself keeps the SDK's Node version notice off stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const dir = mkdtempSync(join(tmpdir(), 'nfwalk-s3-test-'));
const archive = join(dir, 'archive');
const scratch = join(dir, 'tmp');
let corpus: CorpusBundle[] = [];
let server: { close(): Promise<void> } | undefined;
let env: Record<string, string> = {};

/** Every file below a path, with its path relative to the path's parent (its own name first). */
function filesOf(path: string, root = path): { key: string; file: string }[] {
  if (!statSync(path).isDirectory()) return [{ key: relative(join(root, '..'), path), file: path }];
  return readdirSync(path).flatMap((name) => filesOf(join(path, name), root));
}

/** A client of the test's server, to fill the bucket and look into it. */
const s3Client = () =>
  new S3Client({
    endpoint: env.AWS_ENDPOINT_URL_S3,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });

async function zipOf(folder: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const name of readdirSync(folder)) zip.addFile(join(folder, name), `${basename(folder)}/${name}`);
  zip.end();
  const pieces: Buffer[] = [];
  for await (const piece of zip.outputStream) pieces.push(piece as Buffer);
  return Buffer.concat(pieces);
}

test.before(async () => {
  buildCli();
  mkdirSync(scratch);
  corpus = await writeCorpus(archive, { bundles: 14, services: 20, entries: 300, brokenEvery: 7 });
  // s3rver signs a bucket's own path as `/bucket` where the SDK now signs `/bucket/`: signatures are not
  // compared, access keys still are.
  const s3rver = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: join(dir, 's3rver'),
    allowMismatchedSignatures: true,
  });
  const address = (await s3rver.run()) as AddressInfo;
  server = s3rver;
  env = {
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${address.port}`,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    TMPDIR: scratch,
  };
  const client = s3Client();
  await client.send(new CreateBucketCommand({ Bucket: 'incidents' }));
  const put = (key: string, body: Buffer) =>
    client.send(new PutObjectCommand({ Bucket: 'incidents', Key: key, Body: body }));
  for (const b of corpus) for (const f of filesOf(b.path)) await put(`archive/${f.key}`, readFileSync(f.file));
  // A zip, the form of a Cilium sysdump: read from its end, so it goes through a temporary file.
  const plain = corpus.find((b) => b.layout === 'plain') as CorpusBundle;
  await put('archive/zipped-node.zip', await zipOf(plain.path));
  await put('archive/.listing.txt', Buffer.from('hidden: not a bundle\n'));
  client.destroy();
});
test.after.always(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Bundle {
  path: string;
  error?: string;
  nodes: { node: string }[];
  findings: { code: string; node?: string; subject: string; message: string }[];
}
const byName = (bundles: Bundle[]) =>
  new Map(
    bundles.map((b) => [
      basename(b.path),
      {
        error: b.error?.replace(/\S*\/(archive|notes)\//g, '…/'),
        nodes: b.nodes.map((n) => n.node).sort(),
        findings: b.findings.map((f) => `${f.node} ${f.code} ${f.subject} ${f.message}`).sort(),
      },
    ]),
  );

test('a prefix of bundles in S3 is read as the same folder on disk is, objects and prefixes alike', async (t) => {
  const [remote, local] = await Promise.all([
    nfwalkAsync(['bulk', 's3://incidents/archive/', '--json', '--fail-on', 'none', '--workers', '2'], env),
    nfwalkAsync(['bulk', archive, '--json', '--fail-on', 'none', '--workers', '2']),
  ]);
  t.is(remote.status, 0, remote.stderr);
  const r = JSON.parse(remote.stdout) as { bundles: Bundle[]; summary: { byCode: unknown; failed: number } };
  const l = JSON.parse(local.stdout) as { bundles: Bundle[]; summary: { byCode: unknown } };
  const remoteByName = byName(r.bundles);
  const zipped = remoteByName.get('zipped-node.zip');
  remoteByName.delete('zipped-node.zip');
  t.deepEqual([...remoteByName.keys()].sort(), corpus.map((b) => basename(b.path)).sort());
  t.deepEqual(remoteByName, byName(l.bundles));
  t.is(r.summary.failed, 2);
  t.true(
    r.bundles.some((b) => b.path === 's3://incidents/archive/calico-diags-0002/' && b.nodes.length === 2),
    'an unpacked bundle is a prefix',
  );
  const plain = byName(l.bundles).get(basename(corpus.find((b) => b.layout === 'plain')!.path));
  const withoutNode = (findings: string[] = []) => findings.map((f) => f.replace(/^\S+ /, ''));
  t.deepEqual(withoutNode(zipped?.findings), withoutNode(plain?.findings), 'the zip holds the same node');
  t.deepEqual(zipped?.nodes, ['zipped-node']);
  t.true((zipped?.findings.length ?? 0) > 0);
  t.deepEqual(readdirSync(scratch), [], 'the zip copied aside is gone');
});

test('shards, one object, and --results work on S3 as on disk; a missing bucket is one line', async (t) => {
  const shardOf = async (root: string, k: number, extra: Record<string, string> = {}) =>
    (
      JSON.parse(
        (await nfwalkAsync(['bulk', root, '--shard', `${k}/3`, '--json', '--fail-on', 'none'], { ...env, ...extra }))
          .stdout,
      ) as { bundles: Bundle[] }
    ).bundles
      .map((b) => basename(b.path))
      .filter((name) => name !== 'zipped-node.zip')
      .sort();
  for (const k of [1, 2, 3]) t.deepEqual(await shardOf('s3://incidents/archive', k), await shardOf(archive, k));

  const eks = corpus.find((b) => b.layout === 'eks') as CorpusBundle;
  const one = await nfwalkAsync(['bulk', `s3://incidents/archive/${basename(eks.path)}`, '--json'], env);
  const only = JSON.parse(one.stdout) as { bundles: Bundle[] };
  t.deepEqual(
    only.bundles.map((b) => [b.path, b.nodes.map((n) => n.node)]),
    [[`s3://incidents/archive/${basename(eks.path)}`, eks.nodes]],
  );

  const results = join(dir, 'results');
  const first = await nfwalkAsync(['bulk', 's3://incidents/archive/', '--results', results, '--fail-on', 'none'], env);
  t.regex(first.stderr, /^nfwalk: 0 of 15 bundles done before .*; 15 to analyse$/m);
  const again = await nfwalkAsync(['bulk', 's3://incidents/archive/', '--results', results, '--fail-on', 'none'], env);
  t.regex(again.stderr, /^nfwalk: 15 of 15 bundles done before .*; 0 to analyse$/m);
  t.is(again.stdout, first.stdout);

  const missing = await nfwalkAsync(['bulk', 's3://no-such-bucket/x/'], env);
  t.is(missing.status, 2);
  t.regex(missing.stderr, /^nfwalk: s3:\/\/no-such-bucket\/x\/: .*bucket.*\n$/i);
  const unauthorised = await nfwalkAsync(['bulk', 's3://incidents/archive/'], { ...env, AWS_ACCESS_KEY_ID: 'nobody' });
  t.is(unauthorised.status, 2);
  t.regex(unauthorised.stderr, /^nfwalk: s3:\/\/incidents\/archive\/: [^\n]+\n$/);
});

test('--results to an S3 prefix: one object per bundle, a rerun skips what is there, --merge reads it back', async (t) => {
  const results = 's3://incidents/results/run-1/';
  const run = (args: string[]) =>
    nfwalkAsync(['bulk', 's3://incidents/archive/', '--results', results, '--fail-on', 'none', ...args], env);
  const shards = await Promise.all([1, 2, 3].map((k) => run(['--shard', `${k}/3`])));
  for (const s of shards) t.is(s.status, 0, s.stderr);
  const client = s3Client();
  const listed = await client.send(new ListObjectsV2Command({ Bucket: 'incidents', Prefix: 'results/run-1/' }));
  const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
  t.is(keys.length, 15, 'one object per bundle');
  t.true(keys.every((k) => /^results\/run-1\/[0-9a-f]{32}\.ndjson$/.test(k)));

  const again = await run(['--shard', '2/3']);
  t.regex(
    again.stderr,
    /^nfwalk: (\d+) of \1 bundles done before in s3:\/\/incidents\/results\/run-1\/; 0 to analyse$/m,
  );
  t.is(again.stdout, shards[1]?.stdout ?? '');

  // A bundle replaced in the archive is analysed again, and only it.
  const eks = corpus.find((b) => b.layout === 'eks') as CorpusBundle;
  await new Promise((r) => setTimeout(r, 1100));
  await client.send(
    new PutObjectCommand({ Bucket: 'incidents', Key: `archive/${basename(eks.path)}`, Body: readFileSync(eks.path) }),
  );
  client.destroy();
  const whole = await run([]);
  t.regex(whole.stderr, /^nfwalk: 14 of 15 bundles done before in s3:\/\/incidents\/results\/run-1\/; 1 to analyse$/m);
  t.regex(whole.stderr, new RegExp(`\\] s3://incidents/archive/${basename(eks.path).replaceAll('.', '\\.')}: `));

  const one = await nfwalkAsync(['bulk', 's3://incidents/archive/', '--fail-on', 'none'], env);
  const merged = await nfwalkAsync(['bulk', '--merge', results, '--fail-on', 'none'], env);
  t.is(merged.status, one.status, merged.stderr);
  t.is(merged.stdout, one.stdout);
  t.is(merged.stdout, whole.stdout);
  const oneJson = await nfwalkAsync(['bulk', 's3://incidents/archive/', '--json', '--fail-on', 'none'], env);
  const mergedJson = await nfwalkAsync(['bulk', '--merge', results, '--json', '--fail-on', 'none'], env);
  const summary = (r: { stdout: string }) => (JSON.parse(r.stdout) as { summary: unknown }).summary;
  t.deepEqual(summary(mergedJson), summary(oneJson));

  const nowhere = await nfwalkAsync(['bulk', '--merge', 's3://no-such-bucket/results/'], env);
  t.is(nowhere.status, 2);
  t.regex(nowhere.stderr, /^nfwalk: s3:\/\/no-such-bucket\/results\/: [^\n]+\n$/);
});
