/**
 * Writes a corpus of support bundles for bench/bulk.ts (or by hand): N bundles of kube-proxy nodes with S
 * services and E conntrack entries each, in five collectors' layouts.
 * Usage: node --import=tsx bench/corpus.ts --out DIR [--bundles 200 --services 1000 --entries 50000 --broken-every N]
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CorpusBundle, writeCorpus } from '../test/generators/bundle-corpus';

export interface CorpusSize {
  readonly bundles: number;
  readonly services: number;
  readonly entries: number;
}

/** The corpus of this size under bench/out, written once and reused by later runs. */
export async function benchCorpus(size: CorpusSize): Promise<{ dir: string; bundles: CorpusBundle[] | undefined }> {
  const dir = join(import.meta.dirname, 'out', `corpus-${size.bundles}-${size.services}-${size.entries}`);
  if (existsSync(join(dir, '.complete'))) return { dir, bundles: undefined };
  const bundles = await writeCorpus(dir, size);
  writeFileSync(join(dir, '.complete'), '');
  return { dir, bundles };
}

if (process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      bundles: { type: 'string', default: '200' },
      services: { type: 'string', default: '1000' },
      entries: { type: 'string', default: '50000' },
      'broken-every': { type: 'string' },
    },
  });
  if (!values.out) throw new Error('--out DIR is required');
  const bundles = await writeCorpus(values.out, {
    bundles: Number(values.bundles),
    services: Number(values.services),
    entries: Number(values.entries),
    ...(values['broken-every'] ? { brokenEvery: Number(values['broken-every']) } : {}),
  });
  console.log(`${bundles.length} bundles in ${values.out}`);
}
