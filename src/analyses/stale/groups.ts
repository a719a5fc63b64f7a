/**
 * Stale entries grouped as the report gives them: per node, cause and destination (a finding), then per
 * target the entries record (one cleanup command). Conntrack rows are keyed by numbers (address index, port,
 * cause code): a million stale entries make no key string each.
 */
import { endpointNumber, endpointParts } from '../address-key';
import type { TableAddresses } from '../../model/address-interner';
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
export const targetOf = (e: StaleEntry): string => e.natTarget ?? endpointText(e.dst, e.dport ?? undefined);

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

/** A group's first entry, made without the others. */
export const firstEntry = (group: StaleGroup): StaleEntry =>
  group instanceof Group ? group.first() : group.entries[0]!;

const PROTOCOLS = 64;

/** The most digits of a port; a port's text is ranked as that many places of base 11, a missing digit lowest. */
const PORT_DIGITS = 5;

let portRanks: Int32Array | undefined;

/** The rank of a port's decimal text among the others': `"8" < "80" < "9"`, as strings compare. */
function portTextRank(port: number): number {
  if (!portRanks) {
    portRanks = new Int32Array(1 << 16);
    for (let p = 0; p < portRanks.length; p++) {
      const text = String(p);
      let rank = 0;
      for (let d = 0; d < PORT_DIGITS; d++) rank = rank * 11 + (d < text.length ? text.charCodeAt(d) - 47 : 0);
      portRanks[p] = rank;
    }
  }
  return portRanks[port]!;
}

/** 11^PORT_DIGITS: ranks of port texts are below it. */
const PORT_RANKS = 161051;

/**
 * Targets' texts (`ip:port`, `[ip]:port`) in order as numbers: a target's text is its address's part up to the
 * port (`ip:` or `[ip]:`), then the port's digits. No such part is the start of another (an IPv4 address has no
 * colon, an IPv6 one no bracket), so two targets' texts compare as their addresses' parts do, then as their
 * ports' texts: one rank per address (its part sorted among the others once), one per port (portTextRank).
 * Ranking a million targets this way makes no text for any.
 */
class TargetOrder {
  private ranks = new Float64Array(0);

  constructor(private readonly texts: readonly string[]) {}

  /** The keys' ranks, in the order of their texts; undefined when a key has no port or no address (-1). */
  rank(keys: Float64Array): Float64Array | undefined {
    const ranked = new Float64Array(keys.length);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      if (key < 0) return undefined;
      const { address, port } = endpointParts(key);
      if (port === undefined) return undefined;
      if (address >= this.ranks.length) this.sortAddresses();
      ranked[k] = this.ranks[address]! * PORT_RANKS + portTextRank(port);
    }
    return ranked;
  }

  private sortAddresses(): void {
    const parts = this.texts.map((ip) => (ip.includes(':') ? `[${ip}]:` : `${ip}:`));
    const ids = Array.from(parts, (_, i) => i).sort((a, b) => (parts[a]! < parts[b]! ? -1 : 1));
    this.ranks = new Float64Array(parts.length);
    ids.forEach((id, rank) => (this.ranks[id] = rank));
  }
}

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
    /** Each member's targetKey, NaN for a member that is not a conntrack row. */
    private readonly keys: Float64Array,
    private readonly validGroups: ReadonlySet<string>,
    private readonly addressId: (addresses: TableAddresses, i: number) => number,
    private readonly addressText: (id: number) => string,
    private readonly order: TargetOrder,
  ) {}

  get entries(): StaleEntry[] {
    // Reports read a group's entries a few times in a row: the last group's are kept, not every group's.
    if (last.group !== this) {
      last.entries = Array.from(this.members, (i) => this.list.entry(i));
      last.group = this;
    }
    return last.entries;
  }

  first(): StaleEntry {
    return this.list.entry(this.members[0]!);
  }

  head(entries: number, targets: number): GroupHead {
    const members = this.members;
    const first = Array.from(members.subarray(0, entries), (i) => this.list.entry(i));
    const keys = this.keys;
    if (keys.some(Number.isNaN)) {
      const all = this.targets;
      return { size: members.length, entries: first, targets: all.slice(0, targets), targetCount: all.length };
    }
    const ranked = this.order.rank(keys);
    const listed = ranked ? this.firstByRank(ranked, targets) : this.firstByText(keys, targets, first[0]!);
    const chosen = listed.keys.map(() => [] as number[]);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      for (let at = 0; at < listed.keys.length; at++) {
        if (listed.keys[at] !== key) continue;
        chosen[at]!.push(members[k]!);
        break;
      }
    }
    // The targets' texts and cleanups from their keys and the group's destination, read once: no row loaded.
    const f = first[0]!;
    const destination: Destination = { family: f.family, proto: f.proto, dst: f.dst, dport: f.dport };
    const toDestination = endpointText(destination.dst, destination.dport ?? undefined);
    return {
      size: members.length,
      entries: first,
      targets: chosen.map((m, at) => {
        const key = listed.keys[at]!;
        if (key < 0) return new Target(this.list, m, this.validGroups, { destination, target: toDestination });
        const { address, port } = endpointParts(key);
        const reply = { ip: this.addressText(address), port: port ?? null };
        const target = endpointText(reply.ip, port);
        return new Target(this.list, m, this.validGroups, { destination, target, reply });
      }),
      targetCount: listed.count,
    };
  }

  /** The first `targets` distinct keys by their ranks (TargetOrder), and how many distinct keys there are. */
  private firstByRank(ranked: Float64Array, targets: number): { keys: number[]; count: number } {
    const sorted = ranked.slice().sort();
    const firstRanks: number[] = [];
    let count = 0;
    for (let k = 0; k < sorted.length; k++) {
      if (k > 0 && sorted[k] === sorted[k - 1]) continue;
      count++;
      if (firstRanks.length < targets) firstRanks.push(sorted[k]!);
    }
    const keys = firstRanks.map(() => 0);
    for (let k = 0; k < ranked.length; k++) {
      const at = firstRanks.indexOf(ranked[k]!);
      if (at >= 0) keys[at] = this.keys[k]!;
    }
    return { keys, count };
  }

  /**
   * The first `targets` distinct keys by their texts, each named only to be ranked: the first by text are those
   * the sort of `targets` puts first (texts of distinct targets of a group differ, so ties cannot occur).
   */
  private firstByText(keys: Float64Array, targets: number, first: StaleEntry): { keys: number[]; count: number } {
    const sorted = keys.slice().sort();
    const listed: { key: number; text: string }[] = [];
    let count = 0;
    for (let k = 0; k < sorted.length; k++) {
      const key = sorted[k]!;
      if (k > 0 && key === sorted[k - 1]) continue;
      count++;
      const text = this.targetText(key, first);
      if (listed.length === targets && !(text < listed[targets - 1]!.text)) continue;
      let at = listed.length;
      while (at > 0 && text < listed[at - 1]!.text) at--;
      listed.splice(at, 0, { key, text });
      if (listed.length > targets) listed.pop();
    }
    return { keys: listed.map((l) => l.key), count };
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

/** What a conntrack target's cleanup reads of its group's destination: the same for every target of the group. */
interface Destination {
  readonly family: string;
  readonly proto: string;
  readonly dst: string;
  readonly dport: number | null;
}

/**
 * A conntrack target as a group's head knows it from its key: its text, where its replies come from (none when
 * the entries record no DNAT) and the group's destination. A finding reads ten targets of each of some 14,000
 * groups; loading each target's first row for these cost more than the rest of the finding.
 */
interface KnownTarget {
  readonly destination: Destination;
  readonly target: string;
  readonly reply?: { readonly ip: string; readonly port: number | null };
}

/** A target's entries are made as objects when read: the findings read only the first. */
class Target implements StaleTarget {
  readonly target: string;
  constructor(
    private readonly list: StaleList,
    private readonly members: readonly number[],
    private readonly validGroups: ReadonlySet<string>,
    private readonly known?: KnownTarget,
  ) {
    this.target = known ? known.target : targetOf(list.entry(members[0]!));
  }

  private made: StaleEntry[] | undefined;

  /** Made once per target (the targets are made anew each time a group's are read). */
  get entries(): StaleEntry[] {
    return (this.made ??= this.members.map((i) => this.list.entry(i)));
  }

  get cleanup(): string | null {
    const known = this.known;
    if (known) return this.groupCleanup(known.destination, known.reply);
    const first = this.list.entry(this.members[0]!);
    if (first.table === 'ipvs') return first.cleanup;
    return this.groupCleanup(first, first.natTarget === null ? undefined : splitTarget(this.target));
  }

  /** The group command to `d` whose replies come from `reply` (from `d` itself when undefined: no DNAT). */
  private groupCleanup(d: Destination, reply: { readonly ip: string; readonly port: number | null } | undefined) {
    // A command for the whole group would also delete live entries (their source gets another DNAT).
    if (this.validGroups.has(groupKey(d.family, d.proto, d.dst, d.dport, this.target))) return null;
    const from = reply ?? { ip: d.dst, port: d.dport };
    return groupCleanup({
      family: d.family,
      proto: d.proto,
      dst: d.dst,
      dport: d.dport,
      replySrc: from.ip,
      replySport: from.port,
    });
  }
}

/** The group key of a conntrack row: numbers only (destination, port, cause, family, protocol). */
function rowKey(
  list: StaleList,
  i: number,
  origin: TableOrigin,
  protocols: Interned,
  addressId: (addresses: TableAddresses, i: number) => number,
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
  const ofTable = new TableMemo((table, i) => addresses.id(table.textOf(i)));
  const addressId = (table: TableAddresses, i: number) => ofTable.of(table, i);
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
  // Each entry's target key beside its place in `order`: read here in the list's order, not group by group.
  const keys = new Float64Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const at = next[groupOf[i]!]!++;
    order[at] = i;
    const origin = list.originOf(i);
    keys[at] = origin ? targetKey(origin.columns, list.rowOf(i), addressId) : NaN;
  }
  const addressText = (id: number) => addresses.texts[id]!;
  const targetOrder = new TargetOrder(addresses.texts);
  return sizes.map((size, g) => {
    const from = starts[g]!;
    const to = from + size;
    return new Group(
      list,
      order.subarray(from, to),
      keys.subarray(from, to),
      validGroups,
      addressId,
      addressText,
      targetOrder,
    );
  });
}
