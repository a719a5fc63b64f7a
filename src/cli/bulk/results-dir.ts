/**
 * `--results DIR`: one file per bundle, named by a hash of the bundle's path, holding its result line
 * (result-line.ts), the bundle's stamp when it was analysed and the options it was analysed with. Written aside and renamed into place after
 * an fsync, so a run stopped at any moment leaves whole results or none; the half-written files of a killed
 * run are hidden (`.partial-…`) and read by nothing. Several shards may share one folder: their bundles differ.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleResult } from '../../analyses/bulk/model';
import type { BundleStamp } from '../../input/bundle-stamp';
import { readResultLine } from './result-line';

export interface StoredResult {
  readonly result: BundleResult;
  readonly stamp: BundleStamp;
  /** The analysis options (--node-ip, --client-cidr), as JSON: a result made with others is not reused. */
  readonly options: string;
}

const RESULT_SUFFIX = '.ndjson';

export class ResultsDir {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private fileOf(path: string): string {
    return join(this.dir, `${createHash('sha256').update(path).digest('hex').slice(0, 32)}${RESULT_SUFFIX}`);
  }

  /** The result kept for this bundle path, if a whole and readable one is there. */
  read(path: string): StoredResult | undefined {
    let text: string;
    try {
      text = readFileSync(this.fileOf(path), 'utf8');
    } catch {
      return undefined;
    }
    const read = readResultLine(text.trim());
    if (!('result' in read) || read.result.path !== path) return undefined;
    const stamp = read.extra.stamp as BundleStamp | undefined;
    if (typeof stamp?.size !== 'number' || typeof stamp.mtimeMs !== 'number') return undefined;
    return { result: read.result, stamp, options: JSON.stringify(read.extra.options ?? null) };
  }

  write(result: BundleResult, stamp: BundleStamp, options: unknown): void {
    const file = this.fileOf(result.path);
    const aside = join(this.dir, `.partial-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const fd = openSync(aside, 'w');
    try {
      writeSync(fd, `${JSON.stringify({ ...result, stamp, options })}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(aside, file);
  }
}
