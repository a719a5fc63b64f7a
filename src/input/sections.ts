/** Turns input paths into sections of known formats: open the sources (sources.ts), then text-sections.ts. */
import { type FoundSections, findSectionsInSources } from './text-sections';
import { openSources } from './sources';
import type { InputFailure } from './text-input';

export { type FoundSections, findSectionsInText } from './text-sections';

export async function findSections(paths: readonly string[]): Promise<FoundSections> {
  const failures: InputFailure[] = [];
  return findSectionsInSources(openSources(paths, failures), failures);
}
