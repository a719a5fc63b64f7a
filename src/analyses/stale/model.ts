/**
 * What the stale-entry analysis returns (contracts.md `nfwalk stale`): each tracked connection whose
 * recorded NAT the current rules could no longer produce for its original tuple, and per node how many
 * entries were checked and how many could not be decided, with why.
 */
import type { Family } from '../../model/values';
import type { Finding } from '../finding';

/**
 * - `endpoint-gone`: DNATed to an address:port the rules no longer send this tuple to.
 * - `no-endpoints`: DNATed, but the service now has no endpoints: the rules reject or drop it.
 * - `service-gone`: DNATed, but no rule rewrites this destination any more.
 * - `blackhole`: not NATed, yet every path now rewrites the destination (created while the service had
 *   no endpoints; it keeps the connection pinned to the service address).
 * - `ipvs-real-server-gone` / `ipvs-service-gone`: an IPVS connection whose real server or virtual
 *   service is no longer in the table.
 */
export type StaleKind =
  | 'endpoint-gone'
  | 'no-endpoints'
  | 'service-gone'
  | 'blackhole'
  | 'ipvs-real-server-gone'
  | 'ipvs-service-gone';

export interface StaleEntry {
  readonly proto: string;
  readonly src: string;
  readonly sport: number | null;
  readonly dst: string;
  readonly dport: number | null;
  /** Where the entry sends the connection (`ip:port`, `[ip]:port` for IPv6); null when it records no DNAT. */
  readonly natTarget: string | null;
  readonly reason: string;
  readonly service: string | null;
  readonly line: number;
  readonly kind: StaleKind;
  readonly node: string;
  readonly family: Family;
  readonly file: string;
  /** conntrack's state name (tcp, sctp) or IPVS's; absent for stateless protocols. */
  readonly state?: string;
  readonly table: 'conntrack' | 'ipvs';
  /** Where the current rules send this tuple instead (`ip:port`), empty when nowhere. */
  readonly now: readonly string[];
  /** The command that removes exactly this entry. */
  readonly cleanup: string;
}

export interface Undecided {
  readonly count: number;
  readonly why: string;
}

export interface NodeStaleSummary {
  readonly node: string;
  /** Entries compared with the rules (conntrack and IPVS connections). */
  readonly checked: number;
  readonly stale: number;
  readonly undecided: readonly Undecided[];
}

/** Stale entries that record one target: what one cleanup command deletes. */
export interface StaleTarget {
  /** `ip:port` the entries send their connections to (the destination itself when they record no DNAT). */
  readonly target: string;
  readonly entries: readonly StaleEntry[];
  /** The command that deletes exactly these entries, made when read; null when it would delete live ones too (use each entry's). */
  readonly cleanup: string | null;
}

/** Stale entries of one node to one destination for one cause (a finding); per target (sorted) when read. */
export interface StaleGroup {
  readonly entries: readonly StaleEntry[];
  readonly targets: readonly StaleTarget[];
}

export interface StaleAnalysis {
  readonly stale: readonly StaleEntry[];
  /** The stale entries grouped per node, cause and destination, in order of first appearance. */
  readonly groups: readonly StaleGroup[];
  readonly nodes: readonly NodeStaleSummary[];
  readonly findings: readonly Finding[];
}
