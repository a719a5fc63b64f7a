/** Timing helpers for benchmarks: wall and CPU time of whole commands, median of several runs. */
import { spawnSync } from 'node:child_process';

export interface Timing {
  readonly medianMs: number;
  readonly runsMs: readonly number[];
  /**
   * CPU time (user + system, every thread of the command, as `time` reports it), median of the runs; undefined
   * where bash is missing. On a loaded machine wall time mostly measures the wait for a core, CPU time the work.
   */
  readonly cpuMedianMs: number | undefined;
}

// bash's `times` prints the CPU time of the shell's children last: `0m1.234s 0m0.056s`.
const TIMES = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/;
const hasBash = spawnSync('bash', ['-c', 'true'], { stdio: 'ignore' }).status === 0;

export function timeCommand(cmd: string, args: readonly string[], runs = 5, stdinFile?: string): Timing {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(
      hasBash ? 'bash' : cmd,
      hasBash ? ['-c', '"$@"; s=$?; times >&2; exit $s', 'bench', cmd, ...args] : args,
      {
        stdio: [stdinFile ? 'pipe' : 'ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        ...(stdinFile ? { input: stdinFile } : {}),
      },
    );
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    times.push(ms);
    const m = hasBash ? TIMES.exec(r.stderr) : null;
    if (m) cpu.push((Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000);
  }
  return { medianMs: median(times), runsMs: times, cpuMedianMs: cpu.length === runs ? median(cpu) : undefined };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function canRun(cmd: string, args: readonly string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

export const fmtMs = (ms: number) => `${ms.toFixed(0).padStart(7)} ms`;
