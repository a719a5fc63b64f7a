/** ipset sets as `ipset save` and `ipset list` print them. */

export interface IpSetMember {
  readonly line: number;
  /** The element as printed: `10.0.0.1`, `10.0.0.0/24`, `10.0.0.1,tcp:80`, `10.0.0.1,tcp:80,10.244.0.0/16`, a set name for list:set. */
  readonly value: string;
  /** Per-member extensions: timeout, packets, bytes, comment, skbmark, nomatch, ... */
  readonly options: Readonly<Record<string, string | true>>;
}

export interface IpSet {
  readonly line: number;
  readonly name: string;
  /** `hash:ip`, `hash:ip,port`, `hash:net`, `bitmap:port`, `list:set`, ... */
  readonly type: string;
  readonly family?: 'inet' | 'inet6';
  /** Creation options (`family inet hashsize 1024 maxelem 65536 comment`): key → value or true for flags. */
  readonly options: Readonly<Record<string, string | true>>;
  readonly revision?: number;
  readonly sizeInMemory?: number;
  readonly references?: number;
  /** `Number of entries:` of `ipset list` (may differ from members listed when the output was cut). */
  readonly declaredEntries?: number;
  readonly members: readonly IpSetMember[];
  /** The listing was filtered (`ipset list | grep`): a member it does not show may still be in the set. */
  readonly partial?: true;
}

/** Whether the dump shows only some members: filtered, or fewer than ipset's own count says. */
export const showsPart = (set: IpSet): boolean =>
  set.partial === true || (set.declaredEntries ?? 0) > set.members.length;
