/** The first step of every analysis: inputs read as the CLI reads them, into the sections found in them. */
import { existsSync } from 'node:fs';
import { findSections } from '../input/sections';
import { NfwalkError } from './errors';
import { type Inputs, atLeastOneDump } from './read-text';

export { type Inputs, readText } from './read-text';

const STDIN = ['-', '/dev/stdin'];

/**
 * Reads files, directories and bundles (`.tar.gz`, `.zip`, …; `-` is standard input). Rejects with an
 * NfwalkError: INPUT_NOT_FOUND for a path that does not exist, NO_DUMP when nothing in them is a dump.
 */
export async function readInputs(paths: readonly string[]): Promise<Inputs> {
  const missing = paths.find((p) => !STDIN.includes(p) && !existsSync(p));
  if (missing) throw new NfwalkError('INPUT_NOT_FOUND', `cannot read ${missing}: no such file or directory`);
  return atLeastOneDump(await findSections(paths), paths.map((p) => (STDIN.includes(p) ? '<stdin>' : p)).join(', '));
}
