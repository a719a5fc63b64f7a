/** The first step of every analysis: inputs read as the CLI reads them, into the sections found in them. */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { FoundSections } from '../model/section';
import { findSections, findSectionsInText } from '../input/sections';
import { NfwalkError } from './errors';
import { noDumpReason } from './no-dump';

/**
 * What was read: every dump found (a section each, with its node), the lines that belong to no dump (with
 * the reason) and the inputs that could not be read. Pass it to parse, analyze, services, stale and trace.
 */
export type Inputs = FoundSections;

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

/**
 * Reads a paste. Named `<stdin>` unless `name` is given, so the result is what the CLI gives for the same
 * text on standard input; a name is the paste's path in the results and its node's name (its base name),
 * as for a file of that name. Rejects with an NfwalkError NO_DUMP when the text holds no dump.
 */
export async function readText(text: string, name?: string): Promise<Inputs> {
  const path = name ?? '<stdin>';
  return atLeastOneDump(findSectionsInText(text, path, name === undefined ? 'stdin' : basename(name)), path);
}

function atLeastOneDump(found: FoundSections, inputs: string): FoundSections {
  if (found.sections.length === 0) throw new NfwalkError('NO_DUMP', noDumpReason(found, inputs));
  return found;
}
