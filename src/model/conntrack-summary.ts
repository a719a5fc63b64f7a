/** What conntrack-tools' own count line says about the table beside it. */
import type { ConntrackSummary } from './section';

/**
 * The one "N flow entries have been shown" line of a table when its count differs from the entries there:
 * the listing was filtered or cut. Several summaries (appended runs, deletes) say nothing about one table.
 */
export function shownMismatch(summaries: readonly ConntrackSummary[], entries: number): ConntrackSummary | undefined {
  const [only, ...more] = summaries;
  return only && more.length === 0 && only.what === 'shown' && only.count !== entries ? only : undefined;
}
