/** The I/O edge of nfwalk: reads paths (files, directories) and `-` (standard input) into text. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { InputFailure, TextInput } from './text-input';

export interface ReadResult {
  readonly inputs: readonly TextInput[];
  readonly failures: readonly InputFailure[];
}

export function readInputs(paths: readonly string[], stdin: () => string = () => readFileSync(0, 'utf8')): ReadResult {
  const inputs: TextInput[] = [];
  const failures: InputFailure[] = [];
  for (const path of paths) {
    if (path === '-' || path === '/dev/stdin') {
      inputs.push({ path: '<stdin>', text: stdin() });
      continue;
    }
    try {
      for (const file of filesUnder(path)) inputs.push({ path: file, text: readFileSync(file, 'utf8') });
    } catch (e) {
      failures.push({ path, reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message });
    }
  }
  return { inputs, failures };
}

/** A directory stands for the files below it, in a stable order. */
function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((d) => (d.isDirectory() ? filesUnder(join(path, d.name)) : d.isFile() ? [join(path, d.name)] : []));
}
