/**
 * The CLI's bundle gives yargs node:assert through scripts/lazy-assert.mjs, which loads node:assert only when a
 * check fails: held here to node:assert's answers, errors included.
 */
import assert from 'node:assert';
import test from 'ava';
import { notStrictEqual, strictEqual } from '../../scripts/lazy-assert.mjs';

const same = {};
const PAIRS: readonly [unknown, unknown][] = [
  [1, 1],
  [1, 2],
  ['a', 'a'],
  ['1', 1],
  [Number.NaN, Number.NaN],
  [0, -0],
  [undefined, null],
  [undefined, undefined],
  [same, same],
  [{}, {}],
];

/** What a call threw, as node:assert's error shows it, or undefined. */
function outcome(call: () => void): unknown {
  try {
    call();
    return undefined;
  } catch (e) {
    const { name, code, message, actual, expected, operator } = e as assert.AssertionError;
    return { name, code, message, actual, expected, operator };
  }
}

test('strictEqual and notStrictEqual pass and fail as node:assert does, with its error', (t) => {
  for (const [a, b] of PAIRS) {
    for (const message of [undefined, 'a message']) {
      t.deepEqual(
        outcome(() => strictEqual(a, b, message)),
        outcome(() => assert.strictEqual(a, b, message)),
      );
      t.deepEqual(
        outcome(() => notStrictEqual(a, b, message)),
        outcome(() => assert.notStrictEqual(a, b, message)),
      );
    }
  }
});
