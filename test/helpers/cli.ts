/** Runs the built CLI (dist/cli.js) as a user would. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './shared';

export const cliPath = join(repoRoot, 'dist', 'cli.js');

export function buildCli(): void {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
}

/** `cwd`: where relative input paths are read from (and so how the CLI names them). */
export function nfwalk(args: readonly string[], input?: string, cwd?: string) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { input, cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
