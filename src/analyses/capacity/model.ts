/** What the conntrack capacity analysis returns: per node the table's fill, its state mix and who fills it. */
import type { Tally } from '../../model/counter';
import type { Finding } from '../finding';

export type { Tally };

export interface NodeCapacity {
  readonly node: string;
  /**
   * Tracked connections now: from sysctl nf_conntrack_count, else `conntrack -C`, else the listing's entries, or
   * the count conntrack said it showed (`conntrack -L shown`, a floor) when the listing was filtered or cut; null
   * when a listing shows part and says no count.
   */
  readonly count: number | null;
  readonly countFrom: 'sysctl' | 'conntrack -C' | 'conntrack -L' | 'conntrack -L shown' | null;
  readonly max: number | null;
  readonly buckets: number | null;
  /** Entries of the listing per tcp state (`UDP`, `ICMP`, ... for stateless protocols), and how many are unreplied. */
  readonly states: readonly Tally[];
  readonly unreplied: number;
  /** Sources and destinations (after DNAT) with the most entries. */
  readonly topSources: readonly Tally[];
  readonly topDestinations: readonly Tally[];
  /** Summed per-CPU counters of `conntrack -S`. */
  readonly stats: Readonly<Record<string, number>> | null;
}

export interface CapacityAnalysis {
  readonly nodes: readonly NodeCapacity[];
  readonly findings: readonly Finding[];
}
