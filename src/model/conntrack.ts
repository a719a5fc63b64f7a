/** conntrack entries as `conntrack -L` (any -o mode), `conntrack -E` and /proc/net/nf_conntrack print them (formats.md §3). */

/** One direction of a connection. Addresses are canonical (IPv6 compressed, as `conntrack -L` prints it). */
export interface ConntrackTuple {
  readonly src: string;
  readonly dst: string;
  readonly sport?: number;
  readonly dport?: number;
  /** icmp / icmpv6 */
  readonly type?: number;
  readonly code?: number;
  readonly id?: number;
  /** gre keys, as printed (`0x0`) */
  readonly srckey?: string;
  readonly dstkey?: string;
}

export interface ConntrackCounters {
  readonly packets: number;
  readonly bytes: number;
}

/** At most one of these is printed, in this priority (libnetfilter_conntrack). */
export type ConntrackStatusFlag = 'HW_OFFLOAD' | 'OFFLOAD' | 'ASSURED';

export type ConntrackEvent = 'NEW' | 'UPDATE' | 'DESTROY';

export interface ConntrackEntry {
  readonly line: number;
  /**
   * An address of the entry was hidden before the paste (`x.x.x.x`, `10.x.x.x`, `<node-ip>`): it keeps the
   * placeholder as written, which is no address, and analyses leave the entry undecided.
   */
  readonly anonymised?: true;
  readonly family: 'ipv4' | 'ipv6';
  /** Protocol name as printed (`tcp`, `udp`, `icmpv6`, `unknown`, ...) and its number. */
  readonly proto: string;
  readonly protoNum: number;
  /** Seconds left; absent in [DESTROY] events. */
  readonly timeout?: number;
  /** tcp / sctp / dccp state name. */
  readonly state?: string;
  readonly orig: ConntrackTuple;
  readonly reply: ConntrackTuple;
  readonly origCounters?: ConntrackCounters;
  readonly replyCounters?: ConntrackCounters;
  /** No reply seen yet (SEEN_REPLY unset). */
  readonly unreplied: boolean;
  readonly status?: ConntrackStatusFlag;
  readonly mark?: number;
  readonly secmark?: number;
  readonly secctx?: string;
  readonly zone?: number;
  readonly zoneOrig?: number;
  readonly zoneReply?: number;
  readonly deltaTime?: number;
  /** `[start=...]` / `[stop=...]` as printed (ctime). */
  readonly start?: string;
  readonly stop?: string;
  readonly helper?: string;
  readonly use?: number;
  readonly id?: number;
  readonly labels?: readonly string[];
  /** `conntrack -E` lines: the event type and, with `-o timestamp`, its time in seconds. */
  readonly event?: ConntrackEvent;
  readonly eventTime?: number;
  /** gre in /proc: `timeout=30, stream_timeout=180`. */
  readonly greTimeouts?: { readonly timeout: number; readonly streamTimeout: number };
}

/** `conntrack -S` (one row per CPU) or /proc/net/stat/nf_conntrack (hex, one row per CPU). */
export interface ConntrackCpuStats {
  readonly line: number;
  readonly cpu: number;
  readonly counters: Readonly<Record<string, number>>;
}
