/** Runs the built CLI (dist/cli.js) as a user would. */
import { spawn, spawnSync } from 'node:child_process';
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

/** The same in a process of its own that does not block this one (several at once, or a server in this one). */
export function nfwalkAsync(args: readonly string[], env: Record<string, string> = {}) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
