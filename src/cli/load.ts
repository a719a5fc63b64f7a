/** Shared first step of every command: read the inputs and find the dumps in them, or fail with exit 2. */
import { existsSync } from 'node:fs';
import { type FoundSections, findSections } from '../input/sections';
import { UsageError } from './exit';

export async function loadSections(paths: readonly string[]): Promise<FoundSections> {
  const missing = paths.find((p) => p !== '-' && p !== '/dev/stdin' && !existsSync(p));
  if (missing) throw new UsageError(`cannot read ${missing}: no such file or directory`);
  const found = await findSections(paths);
  if (found.sections.length === 0) {
    const failure = found.failures[0];
    throw new UsageError(failure ? `cannot read ${failure.path}: ${failure.reason}` : `no usable dump in ${paths.map((p) => (p === '-' || p === '/dev/stdin' ? '<stdin>' : p)).join(', ')}`);
  }
  for (const f of found.failures) process.stderr.write(`nfwalk: warning: cannot read ${f.path}: ${f.reason}\n`);
  return found;
}
