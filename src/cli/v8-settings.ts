import { setFlagsFromString } from 'node:v8';

/** The commands that read one large input, answer and exit, and have V8 settings of their own for that. */
export type OneRunCommand = 'parse' | 'services';

/**
 * The most bytecode TurboFan inlines into one function, against V8's 920. TurboFan compiles on V8's helper threads,
 * which share the machine's cores with the main thread: on 2 CPUs, about 0.5 s of compiling in a 1 s `services`
 * run (`--trace-opt` with one helper thread). Inlining less takes about 30 % off that, and each hot function's code
 * is ready sooner; in a run that ends within seconds that gains more than faster code loses. On 10,000 services:
 * services 7-10 % less wall time, parse 5 %, nft services 7 % (docs/performance.md, "V8's helper threads").
 */
const INLINED_BYTECODE_BUDGET = 300;

/**
 * How many times V8 grows the young generation's semi-spaces when they fill with survivors; V8 reads it at each
 * growth, so setting it at run time takes effect. At 1 they keep the 2 MB a start leaves them: a parse's objects
 * all survive, and a semi-space grown to 16 MB would be 28 MB more memory touched for the first time (a page fault
 * each 4 KB) with as much to copy. services keeps V8's factor of 2: its walks make mostly short-lived garbage, which
 * at 2 MB takes 173 scavenges on 10,000 services, each a parallel job whose helper threads preempt the main thread
 * on a 2-CPU machine; grown, 28 (docs/performance.md).
 */
const PARSE_SEMI_SPACE_GROWTH_FACTOR = 1;

/**
 * Set at run time, after the start has taken its code cache (src/cli/start.ts): V8 writes the hash of its flags into
 * a code cache and rejects a cache whose hash is not its own, and every run starts without these flags. Not in the
 * build's training runs, for the same reason.
 */
export function settleV8For(command: OneRunCommand): void {
  if (process.env['NFWALK_CODE_CACHE_TRAINING']) return;
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${INLINED_BYTECODE_BUDGET}`);
  switch (command) {
    case 'parse':
      setFlagsFromString(`--semi-space-growth-factor=${PARSE_SEMI_SPACE_GROWTH_FACTOR}`);
      return;
    case 'services':
      return;
  }
}
