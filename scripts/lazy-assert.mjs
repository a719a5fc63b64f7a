/**
 * node:assert as the CLI's bundle gives it to yargs (scripts/build.mjs): yargs's platform shim imports it for
 * `strictEqual` and `notStrictEqual`, checks of its own arguments that hold in every run. Loading node:assert (its
 * error class, call tracker and colour modules) cost each start through yargs about 18 M instructions; here it is
 * loaded only when a check fails, to throw the error node:assert throws.
 */
import { createRequire } from 'node:module';

const assert = () => createRequire(import.meta.url)('node:assert');

/** node:assert's strictEqual: equal as `Object.is` says, or its AssertionError. */
export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) assert().strictEqual(actual, expected, message);
}

/** node:assert's notStrictEqual: unequal as `Object.is` says, or its AssertionError. */
export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) assert().notStrictEqual(actual, expected, message);
}
