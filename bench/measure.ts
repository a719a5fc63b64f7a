/** Timing helpers for benchmarks: wall time of whole commands, median of several runs. */
import { spawnSync } from 'node:child_process';

export interface Timing {
  readonly medianMs: number;
  readonly runsMs: readonly number[];
}

export function timeCommand(cmd: string, args: readonly string[], runs = 5, stdinFile?: string): Timing {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, {
      stdio: [stdinFile ? 'pipe' : 'ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      ...(stdinFile ? { input: stdinFile } : {}),
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    times.push(ms);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)]!, runsMs: times };
}

export function canRun(cmd: string, args: readonly string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

export const fmtMs = (ms: number) => `${ms.toFixed(0).padStart(7)} ms`;
