/**
 * `nfwalk bulk --merge`: the results of shards read back from NDJSON files, folders of them (`*.ndjson`,
 * `*.jsonl`, `*.json`; a `--results` folder is one), such objects under an `s3://` prefix (a `--results`
 * prefix), or standard input, in any order. A bundle met more than
 * once (a shard run twice) counts once: an analysed result wins over a failed one, else the first met. A
 * line that is no bundle result is named by file and line, and the rest is still read.
 */
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { BundleResult } from '../../analyses/bulk/model';
import { isS3Url, listObjects, objectStream, parseS3Url, s3Reason, s3Url } from '../../input/s3';
import { readResultLine } from './result-line';

export interface MergeInput {
  readonly results: readonly BundleResult[];
  /** `file:line:column: error: message` of each line that is not a bundle result. */
  readonly problems: readonly string[];
  readonly missing: readonly string[];
}

const RESULT_FILE = /\.(ndjson|jsonl|json)$/;

interface ResultFile {
  /** How messages name it. */
  readonly name: string;
  readonly open: () => Readable | Promise<Readable>;
}

const isResultName = (name: string) => !name.startsWith('.') && RESULT_FILE.test(name);

/** The result files a path names; throws when there is no such local path, or the bucket cannot be listed. */
async function filesOf(path: string, stdin: () => Readable): Promise<ResultFile[]> {
  if (path === '/dev/stdin') return [{ name: '<stdin>', open: stdin }];
  if (isS3Url(path)) {
    const at = parseS3Url(path);
    const prefix = at.key === '' || at.key.endsWith('/') ? at.key : `${at.key}/`;
    const files: ResultFile[] = [];
    try {
      for await (const page of listObjects({ bucket: at.bucket, key: prefix }))
        for (const o of page.objects)
          if (isResultName(o.key.slice(prefix.length)))
            files.push({ name: s3Url(at.bucket, o.key), open: () => objectStream({ bucket: at.bucket, key: o.key }) });
    } catch (e) {
      throw new Error(`${path}: ${s3Reason(e)}`);
    }
    return files;
  }
  const local = (file: string): ResultFile => ({ name: file, open: () => createReadStream(file) });
  if (!statSync(path).isDirectory()) return [local(path)];
  return readdirSync(path)
    .filter(isResultName)
    .sort()
    .map((name) => local(join(path, name)));
}

export async function readMergeInputs(paths: readonly string[], stdin: () => Readable): Promise<MergeInput> {
  const byPath = new Map<string, BundleResult>();
  const problems: string[] = [];
  const missing: string[] = [];
  for (const path of paths) {
    let files: ResultFile[];
    try {
      files = await filesOf(path, stdin);
    } catch (e) {
      // A bucket that cannot be read is the run's failure, said with its reason, as for bundles in S3.
      if (isS3Url(path)) throw e;
      files = [];
    }
    if (files.length === 0 && (isS3Url(path) || !existsSync(path))) {
      missing.push(path);
      continue;
    }
    for (const { name, open } of files) {
      let n = 0;
      try {
        const input = await open();
        for await (const line of createInterface({ input, crlfDelay: Infinity })) {
          n++;
          if (line.trim() === '') continue;
          const read = readResultLine(line);
          if (!('result' in read)) {
            problems.push(`${name}:${n}:1: error: ${read.problem}`);
            continue;
          }
          const before = byPath.get(read.result.path);
          if (!before || (before.error && !read.result.error)) byPath.set(read.result.path, read.result);
        }
      } catch (e) {
        problems.push(`${name}:${n + 1}:1: error: cannot read: ${(e as Error).message}`);
      }
    }
  }
  // Shards finish in any order; a merge lists bundles by path, as one run over one folder does.
  const results = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { results, problems, missing };
}
