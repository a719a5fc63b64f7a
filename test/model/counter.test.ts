/** topTallies sorts only the tallies that can make the first n: the result is that of sorting them all. */
import test from 'ava';
import { type Tally, topTallies } from '../../src/model/counter';
import { seeded } from '../generators/trace-ruleset';

test('the first n of many tallies, ties at the cut included and ordered by key, as a full sort gives them', (t) => {
  const r = seeded(3);
  for (let round = 0; round < 200; round++) {
    const size = Math.floor(r() * 60);
    const tallies: Tally[] = Array.from({ length: size }, (_, i) => ({
      key: `10.244.${Math.floor(r() * 4)}.${i}`,
      entries: 1 + Math.floor(r() * 5),
    }));
    const full = [...tallies].sort((a, b) => b.entries - a.entries || a.key.localeCompare(b.key));
    for (const n of [0, 1, 3, 10, size, size + 1])
      t.deepEqual(topTallies(tallies, n), full.slice(0, n), `size ${size}, n ${n}`);
  }
  t.deepEqual(
    topTallies(
      [
        { key: 'b', entries: 2 },
        { key: 'a', entries: 2 },
        { key: 'c', entries: 1 },
      ],
      1,
    ),
    [{ key: 'a', entries: 2 }],
  );
});
