/** A 3-byte column gives back every unsigned 32-bit value it was given, before and after one needs 4 bytes. */
import test from 'ava';
import { Uint24Column } from '../../src/model/conntrack-uint24-column';
import { seeded } from '../generators/trace-ruleset';

test('values below and beyond 2^24, written in any order, are read back as written (property)', (t) => {
  const next = seeded(24);
  for (const wideAt of [-1, 0, 700, 4095]) {
    const size = 4096;
    const column = new Uint24Column(size);
    const expected = new Uint32Array(size);
    const order = [...expected.keys()].sort(() => next() - 0.5);
    order.forEach((at, n) => {
      const value =
        n === wideAt
          ? 0x1000000 + Math.floor(next() * 0xfeffffff)
          : pickOf(next, [0, 0xffff, 0x10000, 0xffffff, Math.floor(next() * 0x1000000)]);
      column.set(at, value);
      expected[at] = value;
    });
    for (let at = 0; at < size; at++) if (column.get(at) !== expected[at]) t.fail(`${wideAt}: row ${at}`);
    t.pass();
  }
});

function pickOf<T>(next: () => number, xs: readonly T[]): T {
  return xs[Math.floor(next() * xs.length)]!;
}
