import { setFlagsFromString } from 'node:v8';

/**
 * How many times V8 grows the young generation's semi-spaces when they fill with survivors; V8 reads it at each
 * growth, so setting it at run time takes effect. Its own factor of 2 takes the new space from the 2 MB a start
 * leaves to its 16 MB over four growths, inside the read of a large dump; V8 tenures an allocation site (allocates
 * its objects in the old generation, where no scavenge copies them again) only at a scavenge of a new space at full
 * size. At 16, the first growth reaches full size and the model's sites are tenured sooner (docs/performance.md).
 */
const SEMI_SPACE_GROWTH_FACTOR = 16;

/**
 * For commands that read a model that lives to the end: the young generation at full size at its first growth. Not
 * in the build's code cache training runs (src/cli/start.ts): V8 writes the hash of its flags into a code cache and
 * rejects a cache whose hash is not its own, and every run starts without this flag.
 */
export function youngGenerationGrownAtOnce(): void {
  if (process.env['NFWALK_CODE_CACHE_TRAINING']) return;
  setFlagsFromString(`--semi-space-growth-factor=${SEMI_SPACE_GROWTH_FACTOR}`);
}
