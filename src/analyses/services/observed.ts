/**
 * Observed against configured: the connections a conntrack (or `ipvsadm -Lnc`) table holds for an entry
 * point, counted per endpoint, and Pearson's chi-square test of those counts against the shares the rules
 * give. Live connections are what is left of past traffic (long-lived ones stay, short ones expire), so a
 * small p-value says "the split is not what the rules would make now", not why.
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { type AddressKey, endpointKey } from '../address-key';
import type { EntryOutcome, ObservedShares } from './model';

/** One tracked connection: where the client sent it and where it went. */
export interface Connection {
  readonly proto: string;
  readonly dst: string;
  readonly dport: number;
  readonly to: string;
  readonly toPort: number;
}

/** Connections by protocol, then by destination address and port (address-key.ts), so each entry point looks up its own. */
export type ConnectionIndex = ReadonlyMap<string, ReadonlyMap<AddressKey, readonly Connection[]>>;

export function indexConnections(connections: Iterable<Connection>): ConnectionIndex {
  const index = new Map<string, Map<AddressKey, Connection[]>>();
  for (const c of connections) {
    let byDestination = index.get(c.proto);
    if (!byDestination) index.set(c.proto, (byDestination = new Map()));
    const key = endpointKey(c.dst, c.dport);
    const list = byDestination.get(key);
    if (list) list.push(c);
    else byDestination.set(key, [c]);
  }
  return index;
}

/** Pearson's test needs every expected count at 5 or more to be trusted. */
const MIN_EXPECTED = 5;

export function observedShares(outcome: EntryOutcome, protocol: string, index: ConnectionIndex, nodeAddresses: readonly string[], source: ObservedShares['source']): ObservedShares | undefined {
  const addresses = outcome.entry.ip === null ? nodeAddresses : [outcome.entry.ip];
  const byDestination = index.get(protocol);
  const connections = addresses.flatMap((ip) => byDestination?.get(endpointKey(ip, outcome.entry.port)) ?? []);
  if (connections.length === 0) return undefined;
  const live = outcome.endpoints.filter((e) => e.probability > 0);
  const counts = new Map(live.map((e) => [endpointKey(e.ip, e.port), 0]));
  let elsewhere = 0;
  for (const c of connections) {
    const key = endpointKey(c.to, c.toPort);
    const n = counts.get(key);
    if (n === undefined) elsewhere++;
    else counts.set(key, n + 1);
  }
  const total = connections.length - elsewhere;
  const forward = live.reduce((a, e) => a + e.probability, 0);
  const rows = live.map((e) => ({ ip: e.ip, port: e.port, connections: counts.get(endpointKey(e.ip, e.port))!, expected: forward > 0 ? (total * e.probability) / forward : 0 }));
  const testable = rows.length >= 2 && rows.every((r) => r.expected >= MIN_EXPECTED);
  const statistic = rows.reduce((a, r) => a + (r.connections - r.expected) ** 2 / r.expected, 0);
  return {
    entry: outcome.entry,
    source,
    counts: rows,
    elsewhere,
    chiSquare: testable ? { statistic, degreesOfFreedom: rows.length - 1, pValue: 1 - chisquareCdf(statistic, rows.length - 1) } : null,
  };
}
