/**
 * Stale entries grouped as the report gives them: per node, cause and destination (a finding), then per
 * target the entries record (one cleanup command). Conntrack rows are keyed by numbers (address index, port,
 * cause code): a million stale entries make no key string each.
 */
import { endpointNumber } from '../address-key';
import { endpointText } from '../finding-text';
import { groupCleanup } from './cleanup';
import { ConntrackStaleEntry } from './conntrack-stale-entry';
import type { StaleEntry, StaleGroup, StaleKind, StaleTarget } from './model';
import { splitTarget } from './new-connection-destinations';
import { TableMemo } from './table-memo';

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
const targetOf = (e: StaleEntry): string => e.natTarget ?? endpointText(e.dst, e.dport ?? undefined);

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

const PROTOCOLS = 64;

/** The targets are found when read, one group at a time: after a mass redeploy most entries record a target of their own. */
class Group implements StaleGroup {
  readonly entries: StaleEntry[] = [];
  constructor(
    private readonly validGroups: ReadonlySet<string>,
    private readonly addressId: (addresses: readonly string[], i: number) => number,
  ) {}

  get targets(): StaleTarget[] {
    const byTarget = new Map<number | string, StaleEntry[]>();
    for (const s of this.entries) {
      const key = s instanceof ConntrackStaleEntry ? s.targetKey(this.addressId) : targetOf(s);
      const list = byTarget.get(key);
      if (list) list.push(s);
      else byTarget.set(key, [s]);
    }
    return [...byTarget.values()]
      .map((entries) => new Target(entries, this.validGroups))
      .sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  }
}

class Target implements StaleTarget {
  readonly target: string;
  constructor(
    readonly entries: readonly StaleEntry[],
    private readonly validGroups: ReadonlySet<string>,
  ) {
    this.target = targetOf(entries[0]!);
  }

  get cleanup(): string | null {
    const first = this.entries[0]!;
    if (first.table === 'ipvs') return first.cleanup;
    // A command for the whole group would also delete live entries (their source gets another DNAT).
    if (this.validGroups.has(groupKey(first.family, first.proto, first.dst, first.dport, this.target))) return null;
    const reply = first.natTarget === null ? { ip: first.dst, port: first.dport } : splitTarget(this.target);
    return groupCleanup({
      family: first.family,
      proto: first.proto,
      dst: first.dst,
      dport: first.dport,
      replySrc: reply.ip,
      replySport: reply.port,
    });
  }
}

export function groupStale(stale: readonly StaleEntry[], validGroups: ReadonlySet<string>): StaleGroup[] {
  const addresses = new Interned();
  const protocols = new Interned();
  const ofTable = new TableMemo((a) => addresses.id(a));
  const addressId = (table: readonly string[], i: number) => ofTable.of(table, i);
  const byNode = new Map<string, Map<number | string, Group>>();
  const groups: Group[] = [];
  for (const s of stale) {
    let keys = byNode.get(s.node);
    if (!keys) byNode.set(s.node, (keys = new Map()));
    const proto = protocols.id(s.proto);
    const key =
      s instanceof ConntrackStaleEntry && proto < PROTOCOLS
        ? (endpointNumber(s.destinationKey(addressId), s.dport ?? undefined) * 8 + KIND_CODES[s.kind]) * 2 * PROTOCOLS +
          (s.family === 'ipv6' ? PROTOCOLS : 0) +
          proto
        : `${s.table}|${s.kind}|${s.family}|${s.proto}|${s.dst}|${s.dport ?? ''}`;
    let group = keys.get(key);
    if (!group) {
      group = new Group(validGroups, addressId);
      keys.set(key, group);
      groups.push(group);
    }
    group.entries.push(s);
  }
  return groups;
}
