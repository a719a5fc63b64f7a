import { setFlagsFromString } from 'node:v8';

/**
 * How many times V8 grows the young generation's semi-spaces when they fill with survivors; V8 reads it at each
 * growth, so setting it at run time takes effect. At 1 they keep the 2 MB a start leaves them. Grown (by V8's factor
 * of 2, or at once), they reach 16 MB inside the read of a large dump, and each of their pages is memory touched
 * for the first time: a page fault per 4 KB, about 10 µs each on the VMs nfwalk is measured on, for 28 MB more of
 * new space, while a 2 MB one stays in the processor's cache. services and parse of 10,000 services: a quarter to a
 * third fewer page faults, a peak 31-34 MB lower, and no more main-thread CPU (docs/performance.md).
 */
const SEMI_SPACE_GROWTH_FACTOR = 1;

/**
 * For commands that read a large model: the young generation kept at the size the start left it. Not in the build's
 * code cache training runs (src/cli/start.ts): V8 writes the hash of its flags into a code cache and rejects a cache
 * whose hash is not its own, and every run starts without this flag.
 */
export function youngGenerationKeptAtStartSize(): void {
  if (process.env['NFWALK_CODE_CACHE_TRAINING']) return;
  setFlagsFromString(`--semi-space-growth-factor=${SEMI_SPACE_GROWTH_FACTOR}`);
}
