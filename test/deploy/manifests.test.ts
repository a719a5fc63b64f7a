/**
 * The Kubernetes manifests in deploy/kubernetes: every object is valid against the Kubernetes API's own
 * schema (kubernetes-models, generated from the API's OpenAPI document, offline), strictly: a field the schema
 * does not define (a typo) fails, as with `kubectl apply --validate=strict`. The shard Job and the merge
 * Job agree with each other, and their commands do what the docs say: run as the pods would run them (each
 * completion index with the Job's environment, the results folder on a local folder), the shards and the
 * merge give exactly the summary of one run over the same bundles.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Job } from 'kubernetes-models/batch/v1';
import { PersistentVolumeClaim } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { writeCorpus } from '../generators/bundle-corpus';
import { buildCli, cliPath, nfwalk, nfwalkAsync } from '../helpers/cli';
import { repoRoot } from '../helpers/shared';
import { validateStrict } from '../helpers/strict-k8s';

const folder = join(repoRoot, 'deploy', 'kubernetes');
type Manifest = {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML, walked by the paths the manifests hold
  spec: Record<string, any>;
};
const manifests: { file: string; doc: Manifest }[] = readdirSync(folder)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(folder, file), 'utf8')).map((d) => {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0]?.message}`);
      return { file, doc: d.toJS() as Manifest };
    }),
  );
const models: Record<string, Parameters<typeof validateStrict>[0]> = { Job, PersistentVolumeClaim };
const byName = (name: string) => manifests.find((m) => m.doc.metadata.name === name)?.doc as Manifest;

test('every manifest is a valid Kubernetes object by the API schema, with no unknown field', (t) => {
  t.true(manifests.length >= 3);
  for (const { file, doc } of manifests) {
    const Model = models[doc.kind];
    if (!Model) return t.fail(`${file}: no schema for kind ${doc.kind}`);
    t.notThrows(() => validateStrict(Model, doc), `${file} ${doc.kind}/${doc.metadata.name}`);
  }
});

test('a manifest with a wrong value, a missing field or a misspelled field fails validation', (t) => {
  const shards = byName('nfwalk-bulk');
  const strict = (doc: Manifest) => () => validateStrict(Job, doc);
  const broken = structuredClone(shards);
  broken.spec.completions = 'eight';
  t.throws(strict(broken), { message: /completions must be integer/ });
  const noName = structuredClone(shards);
  delete noName.spec.template.spec.containers[0].name;
  t.throws(strict(noName), { message: /containers\/0 must have required property name/ });
  // Typos that Kubernetes' lenient decoding would drop without a word: the mount, the index mode, a limit.
  const typo = structuredClone(shards);
  const container = typo.spec.template.spec.containers[0];
  container.volumeMount = container.volumeMounts;
  delete container.volumeMounts;
  t.throws(strict(typo), { message: 'unknown field: /spec/template/spec/containers/0/volumeMount' });
  const more = structuredClone(shards);
  more.spec.completionmode = more.spec.completionMode;
  more.spec.template.spec.containers[0].resources.limts = { cpu: '2' };
  more.spec.template.spec.volumes[0].persistentVolumeClaim.claimname = 'nfwalk-results';
  t.throws(strict(more), {
    message:
      'unknown fields: /spec/completionmode, /spec/template/spec/containers/0/resources/limts, /spec/template/spec/volumes/0/persistentVolumeClaim/claimname',
  });
  // Maps (labels, limits) take any key: only fields of objects with a schema are checked.
  const labels = structuredClone(shards);
  labels.metadata.labels = { ...labels.metadata.labels, 'example.com/anything': 'x' };
  labels.spec.template.spec.containers[0].resources.limits['example.com/gpu'] = '1';
  t.notThrows(strict(labels));
});

/** A container's arguments as the kubelet gives them: `$(VAR)` from the container's env. */
function argsOf(job: Manifest, env: Record<string, string>): string[] {
  const container = job.spec.template.spec.containers[0];
  const vars: Record<string, string> = Object.fromEntries(
    (container.env ?? []).map((e: { name: string; value?: string }) => [e.name, env[e.name] ?? e.value ?? '']),
  );
  return (container.args as string[]).map((a) => a.replace(/\$\((\w+)\)/g, (_, name: string) => vars[name] ?? ''));
}

test("the shard Job and the merge Job, run as their pods run, give exactly one run's summary", async (t) => {
  buildCli();
  const shards = byName('nfwalk-bulk');
  const merge = byName('nfwalk-bulk-merge');
  const spec = shards.spec;
  t.is(spec.completionMode, 'Indexed');
  t.is(spec.parallelism, spec.completions);
  const args = argsOf(shards, {});
  t.deepEqual(args.slice(0, 2), ['bulk', 's3://incidents/archive/']);
  t.is(Number(args[args.indexOf('--shards') + 1]), spec.completions, '--shards N matches completions');
  const results = args[args.indexOf('--results') + 1] as string;
  const mount = (job: Manifest) => job.spec.template.spec.containers[0].volumeMounts[0].mountPath as string;
  const claim = (job: Manifest) => job.spec.template.spec.volumes[0].persistentVolumeClaim.claimName as string;
  t.true(results.startsWith(`${mount(shards)}/`), 'results on the mounted volume');
  t.is(claim(merge), claim(shards));
  t.is(byName(claim(shards)).kind, 'PersistentVolumeClaim');
  t.true(byName(claim(shards)).spec.accessModes.includes('ReadWriteMany'), 'every shard writes at once');
  const script = merge.spec.template.spec.containers[0].args[0] as string;
  t.true(script.includes(`--merge ${results}`), 'the merge reads what the shards write');

  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-deploy-'));
  try {
    const archive = join(dir, 'archive');
    await writeCorpus(archive, { bundles: 12, services: 10, entries: 100, brokenEvery: 6 });
    const volume = join(dir, 'volume');
    const local = (a: string) => a.replaceAll(mount(shards), volume);
    const pods = await Promise.all(
      Array.from({ length: spec.completions as number }, (_, index) =>
        nfwalkAsync(argsOf(shards, { BUNDLES: archive }).map(local), { JOB_COMPLETION_INDEX: String(index) }),
      ),
    );
    for (const p of pods) t.is(p.status, 0, p.stderr);
    t.is(
      pods.reduce((n, p) => n + Number(/: (\d+) of 12 bundles$/m.exec(p.stderr)?.[1]), 0),
      12,
    );
    const sh = local(script).replace(/\bnfwalk bulk\b/g, `${process.execPath} ${cliPath} bulk`);
    const printed = execFileSync('sh', ['-c', sh], { encoding: 'utf8' });
    const one = nfwalk(['bulk', archive, '--fail-on', 'none']).stdout;
    t.is(printed, one);
    t.is(readFileSync(join(volume, 'summary.txt'), 'utf8'), one);
    const oneJson = JSON.parse(nfwalk(['bulk', archive, '--json', '--fail-on', 'none']).stdout) as { summary: unknown };
    const merged = JSON.parse(readFileSync(join(volume, 'summary.json'), 'utf8')) as { summary: unknown };
    t.deepEqual(merged.summary, oneJson.summary);
    // A pod started again (evicted, or its node lost) carries on: its bundles are there.
    const again = await nfwalkAsync(argsOf(shards, { BUNDLES: archive }).map(local), { JOB_COMPLETION_INDEX: '0' });
    t.regex(again.stderr, /^nfwalk: (\d+) of \1 bundles done before .*; 0 to analyse$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
