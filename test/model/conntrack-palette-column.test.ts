/**
 * A palette column gives back every unsigned 32-bit value it was given, whether it is the row's reference, one of
 * the block's first 254 other values or any value after them, written in any order and written over.
 */
import test from 'ava';
import { PaletteColumn } from '../../src/model/conntrack-palette-column';
import { seeded } from '../generators/trace-ruleset';

test('values equal to their reference, few and many distinct, in any order and written over, are read back as written (property)', (t) => {
  const next = seeded(25);
  const size = 4096;
  // How many distinct other values the block sees: none, a few, exactly the palette's, one past it, thousands.
  for (const distinct of [0, 3, 254, 255, 3000]) {
    const column = new PaletteColumn(size);
    const references = Int32Array.from({ length: size }, () => (next() < 0.1 ? -1 : Math.floor(next() * 0xffff)));
    const others = Array.from({ length: distinct }, (_, k) => (k * 2_654_435_761) >>> 0);
    const expected = new Float64Array(size);
    // Every row once, in random order, then a third of them again.
    const once = [...expected.keys()].sort(() => next() - 0.5);
    const order = [...once, ...once.filter(() => next() < 0.3)];
    for (const at of order) {
      const value = distinct === 0 || next() < 0.4 ? references[at]! : others[Math.floor(next() * distinct)]!;
      // A reference of -1 is no value: such a row is given a value of its own.
      const written = value < 0 ? 0xffffffff : value;
      column.set(at, written, references[at]!);
      expected[at] = written;
    }
    for (let at = 0; at < size; at++)
      if (column.get(at, references[at]!) !== expected[at]) t.fail(`${distinct}: row ${at}`);
    t.pass();
  }
});
