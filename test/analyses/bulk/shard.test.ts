/**
 * Shards of a distributed bulk run (docs/bulk.md): the shard of a path is the documented function of it
 * alone, the shards share a large archive evenly, adding bundles moves none, and K/N is read strictly.
 */
import { createHash } from 'node:crypto';
import test from 'ava';
import fc from 'fast-check';
import { ShardError, parseShard, shardOf } from '../../../src/analyses/bulk/shard';

test('a shard is the first 32 bits of the SHA-256 of the path, modulo N, plus one', (t) => {
  fc.assert(
    fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 1000 }), (key, n) => {
      const first = parseInt(createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 8), 16);
      return shardOf(key, n) === (first % n) + 1;
    }),
  );
  t.pass();
});

test('10,000 bundles fall evenly in 8 shards, and 1,000 more move none of them', (t) => {
  const names = Array.from({ length: 11_000 }, (_, i) => `eks_i-${(0xabc000 + i).toString(16)}_2024-05-01.tar.gz`);
  const before = names.slice(0, 10_000).map((k) => shardOf(k, 8));
  const counts = new Map<number, number>();
  for (const s of before) counts.set(s, (counts.get(s) ?? 0) + 1);
  t.deepEqual([...counts.keys()].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
  for (const [s, c] of counts) t.true(Math.abs(c - 1250) < 150, `shard ${s}: ${c}`);
  const after = names.map((k) => shardOf(k, 8));
  t.deepEqual(after.slice(0, 10_000), before);
});

test('K/N and --shards N with an Indexed Job index; anything else is a ShardError', (t) => {
  t.deepEqual(parseShard('3/8', undefined, undefined), { index: 3, count: 8 });
  t.deepEqual(parseShard(' 1 / 1 ', undefined, '5'), { index: 1, count: 1 }, 'K/N wins over the environment');
  t.deepEqual(parseShard(undefined, 8, '0'), { index: 1, count: 8 });
  t.deepEqual(parseShard(undefined, 8, '7'), { index: 8, count: 8 });
  for (const [spec, count, index] of [
    ['0/4', undefined, undefined],
    ['5/4', undefined, undefined],
    ['1/0', undefined, undefined],
    ['a/b', undefined, undefined],
    ['1.5/4', undefined, undefined],
    [undefined, 4, undefined],
    [undefined, 4, '4'],
    [undefined, 4, '-1'],
    [undefined, 4, ''],
    [undefined, 0, '0'],
    [undefined, 2.5, '0'],
  ] as const)
    t.throws(() => parseShard(spec, count, index), { instanceOf: ShardError }, `${spec} ${count} ${index}`);
});
