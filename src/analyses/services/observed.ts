/**
 * Observed against configured: the connections a conntrack (or `ipvsadm -Lnc`) table holds for an entry
 * point, counted per endpoint, and Pearson's chi-square test of those counts against the shares the rules
 * give. Live connections are what is left of past traffic (long-lived ones stay, short ones expire), so a
 * small p-value says "the split is not what the rules would make now", not why.
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { type AddressKey, endpointKey } from '../address-key';
import type { EntryOutcome, ObservedShares } from './model';

/** Tracked connections to one destination (address and port), counted by where they went. */
interface Destination {
  total: number;
  readonly byTarget: Map<AddressKey, number>;
}

/** Connections by protocol, then by destination address and port (address-key.ts), so each entry point looks up its own. */
export type ConnectionIndex = ReadonlyMap<string, ReadonlyMap<AddressKey, Destination>>;

/** Counts one connection: where the client sent it (`dst`:`dport`) and where it went (`to`:`toPort`). */
export type AddConnection = (proto: string, dst: string, dport: number, to: string, toPort: number) => void;

/**
 * Connections counted as `each` hands them over, not kept: a million conntrack entries made a million objects
 * before, and a scan of each entry point's list.
 */
export function indexConnections(each: (add: AddConnection) => void): ConnectionIndex {
  const index = new Map<string, Map<AddressKey, Destination>>();
  each((proto, dst, dport, to, toPort) => {
    let byDestination = index.get(proto);
    if (!byDestination) index.set(proto, (byDestination = new Map()));
    const key = endpointKey(dst, dport);
    let destination = byDestination.get(key);
    if (!destination) byDestination.set(key, (destination = { total: 0, byTarget: new Map() }));
    destination.total++;
    const target = endpointKey(to, toPort);
    destination.byTarget.set(target, (destination.byTarget.get(target) ?? 0) + 1);
  });
  return index;
}

/** Pearson's test needs every expected count at 5 or more to be trusted. */
const MIN_EXPECTED = 5;

export function observedShares(
  outcome: EntryOutcome,
  protocol: string,
  index: ConnectionIndex,
  nodeAddresses: readonly string[],
  source: ObservedShares['source'],
): ObservedShares | undefined {
  const byDestination = index.get(protocol);
  // Most nodes have no connections of the protocol (none without a conntrack table): nothing to look up.
  if (!byDestination) return undefined;
  const addresses = outcome.entry.ip === null ? nodeAddresses : [outcome.entry.ip];
  const destinations = addresses.flatMap((ip) => byDestination.get(endpointKey(ip, outcome.entry.port)) ?? []);
  if (destinations.length === 0) return undefined;
  const live = outcome.endpoints.filter((e) => e.probability > 0);
  const keys = live.map((e) => endpointKey(e.ip, e.port));
  const counts = new Map(keys.map((key) => [key, destinations.reduce((n, d) => n + (d.byTarget.get(key) ?? 0), 0)]));
  const all = destinations.reduce((n, d) => n + d.total, 0);
  const total = [...counts.values()].reduce((a, n) => a + n, 0);
  const elsewhere = all - total;
  const forward = live.reduce((a, e) => a + e.probability, 0);
  const rows = live.map((e, i) => ({
    ip: e.ip,
    port: e.port,
    connections: counts.get(keys[i]!)!,
    expected: forward > 0 ? (total * e.probability) / forward : 0,
  }));
  const testable = rows.length >= 2 && rows.every((r) => r.expected >= MIN_EXPECTED);
  const statistic = rows.reduce((a, r) => a + (r.connections - r.expected) ** 2 / r.expected, 0);
  return {
    entry: outcome.entry,
    source,
    counts: rows,
    elsewhere,
    chiSquare: testable
      ? { statistic, degreesOfFreedom: rows.length - 1, pValue: 1 - chisquareCdf(statistic, rows.length - 1) }
      : null,
  };
}
