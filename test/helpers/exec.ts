/** Runs a command to completion and returns its status and output; never throws. */
import { spawnSync } from 'node:child_process';

export function run(cmd: string, args: readonly string[], input?: string) {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}
