/**
 * Stale entries grouped as the report gives them: per node, cause and destination (a finding), then per
 * target the entries record (one cleanup command). Conntrack rows are keyed by numbers (address index, port,
 * cause code): a million stale entries make no key string each.
 */
import { endpointNumber, endpointParts } from '../address-key';
import { endpointText } from '../finding-text';
import { groupCleanup } from './cleanup';
import { type TableOrigin, destinationKey, destinationPort, targetKey } from './conntrack-stale-entry';
import type { StaleEntry, StaleGroup, StaleKind, StaleTarget } from './model';
import { splitTarget } from './new-connection-destinations';
import type { StaleList } from './stale-list';
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
  /** The string of each number. */
  readonly texts: string[] = [];
  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(s, id);
      this.texts.push(s);
    }
    return id;
  }
}

/** What a finding reads of a group: how many entries, the first ones, the first targets in order, how many targets. */
export interface GroupHead {
  readonly size: number;
  readonly entries: readonly StaleEntry[];
  readonly targets: readonly StaleTarget[];
  readonly targetCount: number;
}

/** The head of a group: its first `entries` entries and first `targets` targets, made without the rest. */
export function groupHead(group: StaleGroup, entries: number, targets: number): GroupHead {
  if (group instanceof Group) return group.head(entries, targets);
  const all = group.targets;
  return {
    size: group.entries.length,
    entries: group.entries.slice(0, entries),
    targets: all.slice(0, targets),
    targetCount: all.length,
  };
}

const PROTOCOLS = 64;

const last: { group: Group | undefined; entries: StaleEntry[] } = { group: undefined, entries: [] };

/**
 * A group's entries are a range of the analysis's stale entries ordered by group (indices into the list); its
 * entries are made as objects when read, and its targets found when read, one group at a time: after a mass
 * redeploy most entries record a target of their own.
 */
class Group implements StaleGroup {
  constructor(
    private readonly list: StaleList,
    private readonly members: Int32Array,
    private readonly validGroups: ReadonlySet<string>,
    private readonly addressId: (addresses: readonly string[], i: number) => number,
    private readonly addressText: (id: number) => string,
  ) {}

  get entries(): StaleEntry[] {
    // Reports read a group's entries a few times in a row: the last group's are kept, not every group's.
    if (last.group !== this) {
      last.entries = Array.from(this.members, (i) => this.list.entry(i));
      last.group = this;
    }
    return last.entries;
  }

  head(entries: number, targets: number): GroupHead {
    const members = this.members;
    const first = Array.from(members.subarray(0, entries), (i) => this.list.entry(i));
    const keys = this.targetKeys();
    if (!keys) {
      const all = this.targets;
      return { size: members.length, entries: first, targets: all.slice(0, targets), targetCount: all.length };
    }
    // The distinct targets by number, each named by its text only to be ranked: the first `targets` by text are
    // those the sort of `targets` puts first (texts of distinct targets of a group differ, so ties cannot occur).
    const sorted = keys.slice().sort();
    const listed: { key: number; text: string }[] = [];
    let count = 0;
    for (let k = 0; k < sorted.length; k++) {
      const key = sorted[k]!;
      if (k > 0 && key === sorted[k - 1]) continue;
      count++;
      const text = this.targetText(key, first[0]!);
      if (listed.length === targets && !(text < listed[targets - 1]!.text)) continue;
      let at = listed.length;
      while (at > 0 && text < listed[at - 1]!.text) at--;
      listed.splice(at, 0, { key, text });
      if (listed.length > targets) listed.pop();
    }
    const chosen = listed.map(() => [] as number[]);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      for (let at = 0; at < listed.length; at++) {
        if (listed[at]!.key !== key) continue;
        chosen[at]!.push(members[k]!);
        break;
      }
    }
    return {
      size: members.length,
      entries: first,
      targets: chosen.map((m) => new Target(this.list, m, this.validGroups)),
      targetCount: count,
    };
  }

  /** Each member's targetKey, in member order; undefined when a member is not a conntrack row. */
  private targetKeys(): Float64Array | undefined {
    const keys = new Float64Array(this.members.length);
    for (let k = 0; k < keys.length; k++) {
      const i = this.members[k]!;
      const origin = this.list.originOf(i);
      if (!origin) return undefined;
      keys[k] = targetKey(origin.columns, this.list.rowOf(i), this.addressId);
    }
    return keys;
  }

  /** The text of a targetKey (the target's `target`): -1 is the group's destination, the others their endpoint. */
  private targetText(key: number, first: StaleEntry): string {
    if (key < 0) return endpointText(first.dst, first.dport ?? undefined);
    const { address, port } = endpointParts(key);
    return endpointText(this.addressText(address), port);
  }

  get targets(): StaleTarget[] {
    const byTarget = new Map<number | string, number[]>();
    for (const i of this.members) {
      const origin = this.list.originOf(i);
      const key = origin ? targetKey(origin.columns, this.list.rowOf(i), this.addressId) : targetOf(this.list.entry(i));
      const list = byTarget.get(key);
      if (list) list.push(i);
      else byTarget.set(key, [i]);
    }
    return [...byTarget.values()]
      .map((members) => new Target(this.list, members, this.validGroups))
      .sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  }
}

/** A target's entries are made as objects when read: the findings read only the first. */
class Target implements StaleTarget {
  readonly target: string;
  private readonly first: StaleEntry;
  constructor(
    private readonly list: StaleList,
    private readonly members: readonly number[],
    private readonly validGroups: ReadonlySet<string>,
  ) {
    this.first = list.entry(members[0]!);
    this.target = targetOf(this.first);
  }

  private made: StaleEntry[] | undefined;

  /** Made once per target (the targets are made anew each time a group's are read). */
  get entries(): StaleEntry[] {
    return (this.made ??= this.members.map((i) => this.list.entry(i)));
  }

  get cleanup(): string | null {
    const first = this.first;
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

/** The group key of a conntrack row: numbers only (destination, port, cause, family, protocol). */
function rowKey(
  list: StaleList,
  i: number,
  origin: TableOrigin,
  protocols: Interned,
  addressId: (addresses: readonly string[], i: number) => number,
): number | undefined {
  const c = origin.columns;
  const row = list.rowOf(i);
  const proto = protocols.id(c.proto(row));
  if (proto >= PROTOCOLS) return undefined;
  return (
    (endpointNumber(destinationKey(c, row, addressId), destinationPort(c, row) ?? undefined) * 8 +
      KIND_CODES[list.verdictOf(i).kind]) *
      2 *
      PROTOCOLS +
    (c.family(row) === 'ipv6' ? PROTOCOLS : 0) +
    proto
  );
}

export function groupStale(list: StaleList, validGroups: ReadonlySet<string>): StaleGroup[] {
  const addresses = new Interned();
  const protocols = new Interned();
  const ofTable = new TableMemo((a) => addresses.id(a));
  const addressId = (table: readonly string[], i: number) => ofTable.of(table, i);
  const byNode = new Map<string, Map<number | string, number>>();
  // Each entry's group, and each group's size: the groups' ranges are laid out in one array after.
  const groupOf = new Int32Array(list.length);
  const sizes: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const origin = list.originOf(i);
    const s = origin ? undefined : list.entry(i);
    const node = origin ? origin.node : s!.node;
    let keys = byNode.get(node);
    if (!keys) byNode.set(node, (keys = new Map()));
    const numbered = origin ? rowKey(list, i, origin, protocols, addressId) : undefined;
    const e = s ?? (numbered === undefined ? list.entry(i) : undefined);
    const key = numbered ?? `${e!.table}|${e!.kind}|${e!.family}|${e!.proto}|${e!.dst}|${e!.dport ?? ''}`;
    let group = keys.get(key);
    if (group === undefined) {
      group = sizes.length;
      keys.set(key, group);
      sizes.push(0);
    }
    groupOf[i] = group;
    sizes[group]!++;
  }
  const order = new Int32Array(list.length);
  const next = new Int32Array(sizes.length);
  for (let g = 1; g < sizes.length; g++) next[g] = next[g - 1]! + sizes[g - 1]!;
  const starts = next.slice();
  for (let i = 0; i < list.length; i++) order[next[groupOf[i]!]!++] = i;
  const addressText = (id: number) => addresses.texts[id]!;
  return sizes.map(
    (size, g) => new Group(list, order.subarray(starts[g]!, starts[g]! + size), validGroups, addressId, addressText),
  );
}
