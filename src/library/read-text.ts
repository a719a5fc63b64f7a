/** A paste read as the CLI reads standard input; free of Node's modules, so the paste page runs it too. */
import type { FoundSections } from '../model/section';
import { findSectionsInText } from '../input/text-sections';
import { NfwalkError } from './errors';
import { noDumpReason } from './no-dump';

/**
 * What was read: every dump found (a section each, with its node), the lines that belong to no dump (with
 * the reason) and the inputs that could not be read. Pass it to parse, analyze, services, stale and trace.
 */
export type Inputs = FoundSections;

/**
 * Reads a paste. Named `<stdin>` unless `name` is given, so the result is what the CLI gives for the same
 * text on standard input; a name is the paste's path in the results and its node's name (its base name),
 * as for a file of that name. Rejects with an NfwalkError NO_DUMP when the text holds no dump.
 */
export async function readText(text: string, name?: string): Promise<Inputs> {
  const path = name ?? '<stdin>';
  return atLeastOneDump(findSectionsInText(text, path, name === undefined ? 'stdin' : baseName(name)), path);
}

/** The found sections, or an NfwalkError NO_DUMP naming `inputs` when there are none. */
export function atLeastOneDump(found: FoundSections, inputs: string): FoundSections {
  if (found.sections.length === 0) throw new NfwalkError('NO_DUMP', noDumpReason(found, inputs));
  return found;
}

/** node:path's POSIX basename: the last segment, trailing slashes aside. */
const baseName = (path: string): string => /([^/]*)\/*$/.exec(path)![1]!;
