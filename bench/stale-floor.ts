/**
 * The floor under issue #6's goal (docs/performance.md). `nfwalk stale` has work to do before it can judge a
 * single conntrack entry, whatever it does per entry: start, read the rules, build the node's contexts, and
 * walk each flow key the table holds once (the answers every entry is then judged by). This times those
 * steps in one process, as a CLI run does them, and adds a read of the table that does almost nothing (it
 * finds each line's four addresses as numbers, byte by byte, and keeps none), against 2 × the awk scan of
 * the same file in the same run.
 * The walks are timed by the clock around each walk the judging of the whole table asks for.
 * Usage: node --import=tsx bench/stale-floor.ts [--services N --entries N --runs N]
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { columnsOf } from '../src/model/conntrack-columns';
import { EntryRow } from '../src/analyses/stale/entry-row';
import { parseArgs } from 'node:util';
import { AnswerCache } from '../src/analyses/stale/answer-cache';
import { VALID, judgeEntry } from '../src/analyses/stale/conntrack-stale';
import { flowKeyOf } from '../src/analyses/stale/flow-key';
import type { Probe, Tracer } from '../src/analyses/trace/index';
import { type FamilyContext, familyContext } from '../src/analyses/stale/family-context';
import { Numbered } from '../src/analyses/stale/stale-list';
import { type NodeContext, nodeContexts } from '../src/analyses/node/node-context';
import { loadSections } from '../src/cli/load';
import { nodesOfInputs } from '../src/model/node';
import type { NodeDumps } from '../src/model/node';
import type { Family } from '../src/model/values';
import { AWK_SCAN, BENCH_NODE_IP, staleBenchFiles } from './conntrack-input';
import { fmtMs, timeCommand } from './measure';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    entries: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
  },
});
const runs = Number(values.runs);
const { rules, table } = await staleBenchFiles(Number(values.services), Number(values.entries));

const SPACE = 32;
const NEWLINE = 10;
const EQUALS = 61;

/** The dotted quad at `p` as a number; stops at the first byte that is neither a digit nor a dot. */
function quad(bytes: Uint8Array, p: number): number {
  let value = 0;
  let part = 0;
  for (; ; p++) {
    const c = bytes[p]!;
    if (c >= 48 && c <= 57) part = part * 10 + c - 48;
    else if (c === 46) {
      value = value * 256 + part;
      part = 0;
    } else return value * 256 + part;
  }
}

/** The almost-nothing read: every `src=`/`dst=` word of every line read as a number, nothing kept. */
function scanAddresses(path: string): number {
  const fd = openSync(path, 'r');
  const bytes = Buffer.alloc(1 << 20);
  let carry = 0;
  let sum = 0;
  for (;;) {
    const read = readSync(fd, bytes, carry, bytes.length - carry, null);
    const length = carry + read;
    let start = 0;
    for (
      let newline = bytes.indexOf(NEWLINE, start);
      newline >= 0 && newline < length;
      newline = bytes.indexOf(NEWLINE, start)
    ) {
      for (let p = start; p < newline; p++) {
        if (bytes[p + 3] === EQUALS && (bytes[p] === 115 || bytes[p] === 100)) sum += quad(bytes, p + 4);
        while (p < newline && bytes[p] !== SPACE) p++;
      }
      start = newline + 1;
    }
    carry = length - start;
    bytes.copy(bytes, 0, start, length);
    if (read === 0) break;
  }
  closeSync(fd);
  return sum;
}

/** The context with its walks timed: the same answers from a fresh cache, each walk's time added to `walked.ms`. */
function timedWalks(node: NodeContext, ctx: FamilyContext, walked: { ms: number }): FamilyContext {
  const tracer = node.tracer;
  if (!tracer || !ctx.answers) return ctx;
  const timed: Tracer = Object.create(tracer, {
    trace: {
      value: (probe: Probe) => {
        const start = performance.now();
        const result = tracer.trace(probe);
        walked.ms += performance.now() - start;
        return result;
      },
    },
  });
  return { ...ctx, answers: new AnswerCache(timed, flowKeyOf(tracer.rulesets, tracer.network), ctx.addressIds) };
}

function judgeAll(node: NodeDumps, contexts: ReadonlyMap<Family, FamilyContext>): number {
  let valid = 0;
  const row = new EntryRow();
  for (const section of node.conntrack) {
    const columns = columnsOf(section.entries);
    for (let i = 0; i < columns.length; i++) {
      const e = row.load(columns, i);
      if (judgeEntry(contexts.get(e.family)!, e) === VALID) valid++;
    }
  }
  return valid;
}

const lap =
  <T>(run: () => T | Promise<T>) =>
  async (): Promise<{ ms: number; value: T }> => {
    const start = performance.now();
    const value = await run();
    return { ms: performance.now() - start, value };
  };

const awk = timeCommand('awk', [AWK_SCAN, table], runs);
const start = timeCommand(process.execPath, ['-e', ''], runs);
const ruleLoad = await lap(() => loadSections([rules.file]))();
const tableSections = await loadSections([table]);
const node = nodesOfInputs([...ruleLoad.value.sections, ...tableSections.sections])[0]!;
const contexts = await lap(() =>
  nodeContexts(node, [BENCH_NODE_IP]).map((c) => ({ node: c, family: familyContext(c, new Numbered()) })),
)();
const walked = { ms: 0 };
const judged = await lap(() =>
  judgeAll(node, new Map(contexts.value.map((c) => [c.node.family, timedWalks(c.node, c.family, walked)]))),
)();
const scan = await lap(() => scanAddresses(table))();

const walks = walked.ms;
const floor = start.medianMs + ruleLoad.ms + contexts.ms + walks;
console.log(
  `stale floor: ${values.services} services (${rules.rules} rules), ${tableSections.sections[0]?.records ?? 0} conntrack entries`,
);
console.log(`  node -e '' (start of any CLI run)`.padEnd(50) + fmtMs(start.medianMs));
console.log(`  reading the rules`.padEnd(50) + fmtMs(ruleLoad.ms));
console.log(`  node contexts (tracer, services, flow key)`.padEnd(50) + fmtMs(contexts.ms));
console.log(
  `  walks of the table's flow keys`.padEnd(50) +
    fmtMs(walks) +
    `   (of judging the table: ${judged.ms.toFixed(0)} ms, ${judged.value} entries valid)`,
);
console.log(`  almost-nothing read of the table`.padEnd(50) + fmtMs(scan.ms));
console.log(`  awk scan of the table (median of ${runs})`.padEnd(50) + fmtMs(awk.medianMs));
console.log(
  `\nstart + rules + contexts + walks = ${(floor / awk.medianMs).toFixed(2)} × awk; with the almost-nothing read ${((floor + scan.ms) / awk.medianMs).toFixed(2)} × awk (issue #6's goal for all of nfwalk stale: 2)`,
);
