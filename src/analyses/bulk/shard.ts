/**
 * Which shard of a distributed run a bundle belongs to (contracts.md `bulk --shard K/N`): the first 32 bits
 * of the SHA-256 of its path relative to what it was found through, modulo N, plus one. It depends on that
 * path alone, so every machine that lists the same archive picks the same bundles, wherever the archive is
 * mounted, and a bundle added later moves no other.
 */
import { createHash } from 'node:crypto';

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export class ShardError extends Error {}

export function shardOf(key: string, count: number): number {
  return (createHash('sha256').update(key).digest().readUInt32BE(0) % count) + 1;
}

export const inShard = (key: string, shard: Shard): boolean => shardOf(key, shard.count) === shard.index;

/** `K/N`, or N alone with K from an Indexed Job's 0-based completion index. */
export function parseShard(spec: string | undefined, count: number | undefined, jobIndex: string | undefined): Shard {
  if (spec !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
    const [index, total] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
    if (!(total >= 1 && index >= 1 && index <= total))
      throw new ShardError(`--shard ${spec}: write K/N with 1 ≤ K ≤ N, e.g. --shard 3/8`);
    return { index, count: total };
  }
  if (!(count !== undefined && Number.isInteger(count) && count >= 1))
    throw new ShardError('--shards takes the number of shards, a whole number of at least 1');
  const index = jobIndex === undefined || jobIndex === '' ? NaN : Number(jobIndex);
  if (!(Number.isInteger(index) && index >= 0 && index < count))
    throw new ShardError(
      jobIndex === undefined
        ? '--shards N takes the shard from JOB_COMPLETION_INDEX (an Indexed Job sets it); elsewhere use --shard K/N'
        : `JOB_COMPLETION_INDEX=${jobIndex} is not a shard of --shards ${count} (0 to ${count - 1})`,
    );
  return { index: index + 1, count };
}
