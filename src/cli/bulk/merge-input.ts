/**
 * `nfwalk bulk --merge`: the results of shards read back from NDJSON files, folders of them (`*.ndjson`,
 * `*.jsonl`, `*.json`; a `--results` folder is one), or standard input, in any order. A bundle met more than
 * once (a shard run twice) counts once: an analysed result wins over a failed one, else the first met. A
 * line that is no bundle result is named by file and line, and the rest is still read.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { BundleResult } from '../../analyses/bulk/model';
import { readResultLine } from './result-line';

export interface MergeInput {
  readonly results: readonly BundleResult[];
  /** `file:line:column: error: message` of each line that is not a bundle result. */
  readonly problems: readonly string[];
  readonly missing: readonly string[];
}

const RESULT_FILE = /\.(ndjson|jsonl|json)$/;

function filesOf(path: string): string[] {
  if (path === '/dev/stdin') return [path];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => !name.startsWith('.') && RESULT_FILE.test(name))
    .sort()
    .map((name) => join(path, name));
}

export async function readMergeInputs(paths: readonly string[], stdin: () => Readable): Promise<MergeInput> {
  const byPath = new Map<string, BundleResult>();
  const problems: string[] = [];
  const missing: string[] = [];
  for (const path of paths) {
    let files: string[];
    try {
      files = filesOf(path);
    } catch {
      missing.push(path);
      continue;
    }
    for (const file of files) {
      const name = file === '/dev/stdin' ? '<stdin>' : file;
      let n = 0;
      try {
        const input = file === '/dev/stdin' ? stdin() : createReadStream(file);
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
