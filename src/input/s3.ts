/**
 * The object-store edge: `s3://bucket/key` URLs read with the AWS SDK. Credentials, region and endpoint come
 * from the SDK's standard chain (environment, shared config and credentials files, web identity as on EKS,
 * container and instance metadata; `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL` for MinIO, Ceph and the like, which
 * are then addressed path-style, as every S3-compatible server serves). Objects are streamed, and small ones
 * (`--results` kept in a bucket) written whole; the SDK is
 * loaded on first use, so runs without such inputs do not pay for it.
 */
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';

export interface S3Location {
  readonly bucket: string;
  /** The object's key, or a prefix (ending in `/`, or empty for the whole bucket). */
  readonly key: string;
}

export interface S3Object {
  readonly key: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly etag?: string;
}

export const isS3Url = (text: string): boolean => text.startsWith('s3://');

export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new Error(`${url}: not an s3://bucket/key URL`);
  return { bucket: m[1] as string, key: m[2] as string };
}

export const s3Url = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

let client: Promise<S3Client> | undefined;

async function s3(): Promise<S3Client> {
  // The SDK warns on stderr, once per process, of Node versions it will stop supporting; nfwalk's stderr is
  // for its own one-line messages, and its engines field says which Node it runs on.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  client ??= import('@aws-sdk/client-s3').then(
    ({ S3Client }) =>
      new S3Client({
        followRegionRedirects: true,
        ...(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL ? { forcePathStyle: true } : {}),
      }),
  );
  return client;
}

/** The SDK's errors, as one line that says what to set when the cause is a missing setting. */
export function s3Reason(e: unknown): string {
  const message = e instanceof Error ? e.message.split('\n')[0] || e.name : String(e);
  const hint = /region is missing/i.test(message)
    ? ' (set AWS_REGION)'
    : /credential/i.test(message)
      ? ' (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a role)'
      : '';
  return `${message}${hint}`;
}

const objectOf = (o: { Key?: string; Size?: number; LastModified?: Date; ETag?: string }): S3Object => ({
  key: o.Key ?? '',
  size: o.Size ?? 0,
  mtimeMs: o.LastModified?.getTime() ?? 0,
  ...(o.ETag ? { etag: o.ETag.replace(/"/g, '') } : {}),
});

/** The object at exactly this key, or undefined when there is none. */
export async function headObject(at: S3Location): Promise<S3Object | undefined> {
  const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
  try {
    const h = await (await s3()).send(new HeadObjectCommand({ Bucket: at.bucket, Key: at.key }));
    return objectOf({ Key: at.key, Size: h.ContentLength, LastModified: h.LastModified, ETag: h.ETag });
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    throw e;
  }
}

/** Every object under a prefix, page by page in key order. */
export async function* listObjects(at: S3Location): AsyncGenerator<{ readonly objects: readonly S3Object[] }> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  let token: string | undefined;
  do {
    const page = await (
      await s3()
    ).send(
      new ListObjectsV2Command({
        Bucket: at.bucket,
        Prefix: at.key,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    yield { objects: (page.Contents ?? []).map(objectOf) };
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** The object's bytes as they arrive. */
export async function objectStream(at: S3Location): Promise<Readable> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const got = await (await s3()).send(new GetObjectCommand({ Bucket: at.bucket, Key: at.key }));
  return got.Body as Readable;
}

/** Writes a small object whole: a put is atomic, readers see the object complete or not at all. */
export async function putObject(at: S3Location, body: string): Promise<void> {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  await (
    await s3()
  ).send(new PutObjectCommand({ Bucket: at.bucket, Key: at.key, Body: body, ContentType: 'application/x-ndjson' }));
}
