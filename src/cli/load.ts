/** Shared first step of every command: read the inputs and find the dumps in them, or fail with exit 2. */
import { readInputs } from '../input/read';
import { type SectionsResult, findSections } from '../input/sections';
import { UsageError } from './exit';

export function loadSections(paths: readonly string[]): SectionsResult {
  const { inputs, failures } = readInputs(paths);
  const failure = failures[0];
  if (failure) throw new UsageError(`cannot read ${failure.path}: ${failure.reason}`);
  const result = findSections(inputs);
  if (result.sections.length === 0) {
    const names = result.unrecognised.map((u) => u.path).join(', ');
    throw new UsageError(`no usable dump in ${names || 'the input'}`);
  }
  return result;
}
