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

/** A command to time: what to run, and the text it reads on standard input, if any. */
export interface Command {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly stdinFile?: string;
}

export function timeCommand(cmd: string, args: readonly string[], runs = 5, stdinFile?: string): Timing {
  return timeInTurn([{ cmd, args, ...(stdinFile === undefined ? {} : { stdinFile }) }], runs)[0]!;
}

/**
 * Several commands timed in turn, one run of each per round, so that a machine whose speed drifts within the
 * minute (as these VMs' does by ±20 %) slows each alike, and a ratio of their medians does not take the drift in.
 */
export function timeInTurn(commands: readonly Command[], runs = 5): Timing[] {
  const times = commands.map((): number[] => []);
  const cpu = commands.map((): number[] => []);
  for (let i = 0; i < runs; i++)
    commands.forEach((c, k) => {
      const run = timeOnce(c);
      times[k]!.push(run.ms);
      if (run.cpuMs !== undefined) cpu[k]!.push(run.cpuMs);
    });
  return commands.map((_, k) => ({
    medianMs: median(times[k]!),
    runsMs: times[k]!,
    cpuMedianMs: cpu[k]!.length === runs ? median(cpu[k]!) : undefined,
  }));
}

function timeOnce({ cmd, args, stdinFile }: Command): { readonly ms: number; readonly cpuMs: number | undefined } {
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
  const m = hasBash ? TIMES.exec(r.stderr) : null;
  return { ms, cpuMs: m ? (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000 : undefined };
}

/** The middle of the values (the upper one of an even count). */
export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function canRun(cmd: string, args: readonly string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

export const fmtMs = (ms: number) => `${ms.toFixed(0).padStart(7)} ms`;
