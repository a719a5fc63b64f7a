/**
 * `--results s3://bucket/prefix/`: one object per bundle under the prefix (result-store.ts). A put is
 * atomic, so an object is a whole result or absent. Opening lists the prefix once; a result is fetched only
 * for a bundle that has one there.
 */
import type { BundleResult } from '../../analyses/bulk/model';
import type { BundleStamp } from '../../input/bundle-stamp';
import { listObjects, objectStream, parseS3Url, putObject, s3Reason } from '../../input/s3';
import { type ResultStore, type StoredResult, readStored, resultName, storedLine } from './result-store';

export class ResultsBucket implements ResultStore {
  private constructor(
    readonly where: string,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly kept: ReadonlySet<string>,
  ) {}

  static async open(url: string): Promise<ResultsBucket> {
    const at = parseS3Url(url);
    const prefix = at.key === '' || at.key.endsWith('/') ? at.key : `${at.key}/`;
    const kept = new Set<string>();
    try {
      for await (const page of listObjects({ bucket: at.bucket, key: prefix }))
        for (const o of page.objects) kept.add(o.key);
    } catch (e) {
      throw new Error(`${url}: ${s3Reason(e)}`);
    }
    return new ResultsBucket(`s3://${at.bucket}/${prefix}`, at.bucket, prefix, kept);
  }

  async read(path: string): Promise<StoredResult | undefined> {
    const key = `${this.prefix}${resultName(path)}`;
    if (!this.kept.has(key)) return undefined;
    try {
      const pieces: Buffer[] = [];
      for await (const piece of await objectStream({ bucket: this.bucket, key })) pieces.push(piece as Buffer);
      return readStored(Buffer.concat(pieces).toString('utf8'), path);
    } catch {
      return undefined;
    }
  }

  async write(result: BundleResult, stamp: BundleStamp, options: unknown): Promise<void> {
    const key = `${this.prefix}${resultName(result.path)}`;
    try {
      await putObject({ bucket: this.bucket, key }, storedLine(result, stamp, options));
    } catch (e) {
      throw new Error(`s3://${this.bucket}/${key}: ${s3Reason(e)}`);
    }
  }
}
