/** `parse`: every section found, with its typed model and diagnostics (= `nfwalk parse --json`). */
import type { Inputs } from './inputs';
import { type Json, plain } from './plain';

/** The document `nfwalk parse --json` prints, before it is JSON. */
export const parseDocument = (inputs: Inputs) => ({
  sections: inputs.sections,
  skipped: inputs.skipped,
  failures: inputs.failures,
});

export type ParseReport = Json<ReturnType<typeof parseDocument>>;

export function parse(inputs: Inputs): ParseReport {
  return plain(parseDocument(inputs));
}
