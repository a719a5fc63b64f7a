/**
 * Stale entries grouped as the report gives them: per node, cause and destination (a finding), then per
 * target the entries record (one cleanup command). Conntrack rows are keyed by numbers (address index, port,
 * cause code): a million stale entries make no key string each.
 */
import { endpointText } from '../finding-text';
import { groupCleanup } from './cleanup';
import { ConntrackStaleEntry } from './conntrack-stale-entry';
import type { StaleEntry, StaleGroup, StaleKind, StaleTarget } from './model';
import { splitTarget } from './new-connection-destinations';

const KIND_CODES: Readonly<Record<StaleKind, number>> = {
  'endpoint-gone': 0,
  'no-endpoints': 1,
  'service-gone': 2,
  blackhole: 3,
  'ipvs-real-server-gone': 4,
  'ipvs-service-gone': 5,
};

/** Entries to one destination whose reply comes from one place: what one group cleanup command deletes. */
export const groupKey = (family: string, proto: string, dst: string, dport: number | null, replyFrom: string) =>
  `${family}|${proto}|${dst}|${dport ?? ''}|${replyFrom}`;

/** Where an entry's connection goes: its DNAT target, or its destination when it records none. */
export const targetOf = (e: StaleEntry): string => e.natTarget ?? endpointText(e.dst, e.dport ?? undefined);

/** Small numbers for strings that repeat (addresses, protocol names), shared by all tables. */
class Interned {
  private readonly ids = new Map<string, number>();
  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(s, id);
    }
    return id;
  }
}

const PORTS = 65537;
const PROTOCOLS = 64;

interface Building {
  readonly entries: StaleEntry[];
  readonly byTarget: Map<number | string, StaleEntry[]>;
}

export function groupStale(stale: readonly StaleEntry[], validGroups: ReadonlySet<string>): StaleGroup[] {
  const addresses = new Interned();
  const protocols = new Interned();
  const byNode = new Map<string, Map<number | string, Building>>();
  const building: Building[] = [];
  const addressId = (a: string) => addresses.id(a);
  for (const s of stale) {
    let groups = byNode.get(s.node);
    if (!groups) byNode.set(s.node, (groups = new Map()));
    let key: number | string;
    let target: number | string;
    const proto = protocols.id(s.proto);
    if (s instanceof ConntrackStaleEntry && proto < PROTOCOLS) {
      const dport = s.dport ?? PORTS - 1;
      key =
        ((addresses.id(s.dst) * PORTS + dport) * 8 + KIND_CODES[s.kind]) * 2 * PROTOCOLS +
        (s.family === 'ipv6' ? PROTOCOLS : 0) +
        proto;
      target = s.targetKey(addressId);
    } else {
      key = `${s.table}|${s.kind}|${s.family}|${s.proto}|${s.dst}|${s.dport ?? ''}`;
      target = targetOf(s);
    }
    let group = groups.get(key);
    if (!group) {
      group = { entries: [], byTarget: new Map() };
      groups.set(key, group);
      building.push(group);
    }
    group.entries.push(s);
    const list = group.byTarget.get(target);
    if (list) list.push(s);
    else group.byTarget.set(target, [s]);
  }
  return building.map((g) => ({
    entries: g.entries,
    targets: [...g.byTarget.values()]
      .map((entries) => targetEntries(entries, validGroups))
      .sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0)),
  }));
}

function targetEntries(entries: readonly StaleEntry[], validGroups: ReadonlySet<string>): StaleTarget {
  const first = entries[0]!;
  const target = targetOf(first);
  if (first.table === 'ipvs') return { target, entries, cleanup: first.cleanup };
  // A command for the whole group would also delete live entries (their source gets another DNAT).
  if (validGroups.has(groupKey(first.family, first.proto, first.dst, first.dport, target)))
    return { target, entries, cleanup: null };
  const reply = first.natTarget === null ? { ip: first.dst, port: first.dport } : splitTarget(target);
  return {
    target,
    entries,
    cleanup: groupCleanup({
      family: first.family,
      proto: first.proto,
      dst: first.dst,
      dport: first.dport,
      replySrc: reply.ip,
      replySport: reply.port,
    }),
  };
}
