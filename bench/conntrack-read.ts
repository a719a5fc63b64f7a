/**
 * Reading a conntrack table, alone: the CPU time and the memory per row of `loadSections` (the input layer and
 * the conntrack reader into columns) on a busy table, against the awk scan of the same file in the same run
 * (issue #30: reading at or below awk's time). Memory is what a forced GC leaves of heap and typed arrays after
 * the read, less what it left before, per row.
 * Usage: node --expose-gc --import=tsx bench/conntrack-read.ts [--entries N --runs N --table FILE]
 */
import { parseArgs } from 'node:util';
import { loadSections } from '../src/cli/load';
import { AWK_SCAN } from './conntrack-input';
import { fmtMs, median, timeCommand } from './measure';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    table: { type: 'string' },
  },
});
const runs = Number(values.runs);
const table = values.table ?? `bench/out/conntrack-busy-10000-${values.entries}.txt`;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

// Typed arrays' memory is freed after the collection that finds them dead: wait for it.
const live = async () => {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

const readMs: number[] = [];
const bytesPerRow: number[] = [];
let rows = 0;
// One baseline before the first run: a later run's still held the last read (about 0 bytes a row from the second on).
const before = await live();
for (let i = 0; i < runs; i++) {
  const start = process.cpuUsage();
  const inputs = await loadSections([table], { reportsSkipped: true });
  readMs.push(cpuMs(process.cpuUsage(start)));
  rows = inputs.sections.reduce((n, s) => n + (s.kind === 'conntrack' ? s.entries.length : 0), 0);
  bytesPerRow.push(((await live()) - before) / rows);
}
const awk = timeCommand('awk', [AWK_SCAN, table], runs);
const awkMs = awk.cpuMedianMs ?? awk.medianMs;
console.log(`${table}: ${rows} rows`);
console.log(
  `  read (CPU, median of ${runs})`.padEnd(40) +
    fmtMs(median(readMs)) +
    `   runs ${readMs.map((m) => m.toFixed(0)).join(', ')}`,
);
console.log(`  awk scan (CPU)`.padEnd(40) + fmtMs(awkMs));
console.log(`  read / awk`.padEnd(40) + (median(readMs) / awkMs).toFixed(2));
console.log(
  `  live bytes per row after the read`.padEnd(40) +
    median(bytesPerRow).toFixed(1) +
    `   runs ${bytesPerRow.map((b) => b.toFixed(1)).join(', ')}`,
);
