/**
 * Where `--results` keeps one result per bundle: a folder (results-dir.ts) or an S3 prefix
 * (results-bucket.ts). Either holds, per bundle, one NDJSON file or object named by a hash of the bundle's
 * path, its line the bundle's result (result-line.ts) plus the bundle's stamp when it was analysed and the
 * options it was analysed with; `--merge` reads the same files as any NDJSON.
 */
import { createHash } from 'node:crypto';
import type { BundleResult } from '../../analyses/bulk/model';
import type { BundleStamp } from '../../input/bundle-stamp';
import { readResultLine } from './result-line';

export interface StoredResult {
  readonly result: BundleResult;
  readonly stamp: BundleStamp;
  /** The analysis options (--node-ip, --client-cidr), as JSON: a result made with others is not reused. */
  readonly options: string;
}

export interface ResultStore {
  /** The folder or `s3://` prefix, as messages name it. */
  readonly where: string;
  /** The result kept for this bundle path, if a whole and readable one is there. */
  read(path: string): Promise<StoredResult | undefined>;
  /** Keeps the result whole or not at all. */
  write(result: BundleResult, stamp: BundleStamp, options: unknown): Promise<void>;
}

export const resultName = (path: string): string =>
  `${createHash('sha256').update(path).digest('hex').slice(0, 32)}.ndjson`;

export const storedLine = (result: BundleResult, stamp: BundleStamp, options: unknown): string =>
  `${JSON.stringify({ ...result, stamp, options })}\n`;

/** A kept result, if the text is one whole result of this bundle. */
export function readStored(text: string, path: string): StoredResult | undefined {
  const read = readResultLine(text.trim());
  if (!('result' in read) || read.result.path !== path) return undefined;
  const stamp = read.extra.stamp as BundleStamp | undefined;
  if (typeof stamp?.size !== 'number' || typeof stamp.mtimeMs !== 'number') return undefined;
  return { result: read.result, stamp, options: JSON.stringify(read.extra.options ?? null) };
}
