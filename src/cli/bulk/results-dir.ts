/**
 * `--results DIR`: one file per bundle, named by a hash of the bundle's path (result-store.ts), holding its
 * result line, the bundle's stamp and the options it was analysed with. Written aside and renamed into place
 * after an fsync, so a run stopped at any moment leaves whole results or none; the half-written files of a
 * killed run are hidden (`.partial-…`) and read by nothing. Several shards may share one folder: their bundles
 * differ.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleResult } from '../../analyses/bulk/model';
import type { BundleStamp } from '../../input/bundle-stamp';
import { type ResultStore, type StoredResult, readStored, resultName, storedLine } from './result-store';

export class ResultsDir implements ResultStore {
  constructor(readonly where: string) {
    mkdirSync(where, { recursive: true });
  }

  read(path: string): Promise<StoredResult | undefined> {
    let text: string;
    try {
      text = readFileSync(join(this.where, resultName(path)), 'utf8');
    } catch {
      return Promise.resolve(undefined);
    }
    return Promise.resolve(readStored(text, path));
  }

  write(result: BundleResult, stamp: BundleStamp, options: unknown): Promise<void> {
    const aside = join(this.where, `.partial-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const fd = openSync(aside, 'w');
    try {
      writeSync(fd, storedLine(result, stamp, options));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(aside, join(this.where, resultName(result.path)));
    return Promise.resolve();
  }
}
