/** Turns input paths into sections of known formats: open the sources (sources.ts), then text-sections.ts. */
import type { FoundSections, InputFailure } from '../model/section';
import { findSectionsInSources } from './text-sections';
import { openSources } from './sources';

export { findSectionsInText } from './text-sections';

export async function findSections(paths: readonly string[]): Promise<FoundSections> {
  const failures: InputFailure[] = [];
  return findSectionsInSources(openSources(paths, failures), failures);
}
