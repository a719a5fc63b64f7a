/**
 * Match extensions (`-m NAME ...`) as typed records, one interface per module of iptables-extensions(8).
 * A field holding `Opt<T>` may be negated in the dump (`! --dport 22`); other fields cannot.
 * A module nfwalk does not know is kept whole as an OpaqueMatch, never dropped.
 */
import type { AddressMask, AddressRange, MarkMask, PortRange } from './values';

export interface Opt<T> {
  readonly negated: boolean;
  readonly value: T;
}

export interface TcpFlags {
  readonly mask: readonly string[];
  readonly compare: readonly string[];
}

/** `--icmp-type 8`, `3/4`, `any` (code range when a name stood for one). */
export interface IcmpType {
  readonly type: number | 'any';
  readonly codeFrom?: number;
  readonly codeTo?: number;
}

export interface TcpMatch {
  readonly module: 'tcp';
  readonly sport?: Opt<PortRange>;
  readonly dport?: Opt<PortRange>;
  readonly tcpOption?: Opt<number>;
  readonly tcpFlags?: Opt<TcpFlags>;
}
export interface UdpMatch {
  readonly module: 'udp';
  readonly sport?: Opt<PortRange>;
  readonly dport?: Opt<PortRange>;
}
export interface SctpMatch {
  readonly module: 'sctp';
  readonly sport?: Opt<PortRange>;
  readonly dport?: Opt<PortRange>;
  readonly chunkTypes?: Opt<readonly string[]>;
}
export interface IcmpMatch {
  readonly module: 'icmp';
  readonly icmpType?: Opt<IcmpType>;
}
export interface Icmp6Match {
  readonly module: 'icmp6';
  readonly icmpv6Type?: Opt<IcmpType>;
}
export interface AddrtypeMatch {
  readonly module: 'addrtype';
  readonly srcType?: Opt<readonly string[]>;
  readonly dstType?: Opt<readonly string[]>;
  readonly limitIfaceIn?: true;
  readonly limitIfaceOut?: true;
}
export interface StatisticMatch {
  readonly module: 'statistic';
  readonly mode: 'random' | 'nth';
  readonly probability?: Opt<number>;
  readonly every?: Opt<number>;
  readonly packet?: number;
}
export interface MarkMatch {
  readonly module: 'mark';
  readonly mark?: Opt<MarkMask>;
}
export interface ConnmarkMatch {
  readonly module: 'connmark';
  readonly mark?: Opt<MarkMask>;
}
export interface ConntrackMatch {
  readonly module: 'conntrack';
  readonly ctstate?: Opt<readonly string[]>;
  readonly ctproto?: Opt<string>;
  readonly ctorigsrc?: Opt<AddressMask>;
  readonly ctorigdst?: Opt<AddressMask>;
  readonly ctreplsrc?: Opt<AddressMask>;
  readonly ctrepldst?: Opt<AddressMask>;
  readonly ctorigsrcport?: Opt<PortRange>;
  readonly ctorigdstport?: Opt<PortRange>;
  readonly ctreplsrcport?: Opt<PortRange>;
  readonly ctrepldstport?: Opt<PortRange>;
  readonly ctstatus?: Opt<readonly string[]>;
  readonly ctexpire?: Opt<PortRange>;
  readonly ctdir?: 'ORIGINAL' | 'REPLY';
}
export interface StateMatch {
  readonly module: 'state';
  readonly state?: Opt<readonly string[]>;
}
export interface CommentMatch {
  readonly module: 'comment';
  readonly comment: string;
}
export interface MultiportMatch {
  readonly module: 'multiport';
  readonly sports?: Opt<readonly PortRange[]>;
  readonly dports?: Opt<readonly PortRange[]>;
  readonly ports?: Opt<readonly PortRange[]>;
}
export interface SetRef {
  readonly name: string;
  readonly directions: readonly ('src' | 'dst')[];
}
export interface SetMatch {
  readonly module: 'set';
  readonly matchSet?: Opt<SetRef>;
  readonly returnNomatch?: true;
  readonly updateCounters?: Opt<true>;
  readonly updateSubcounters?: Opt<true>;
  readonly packetsEq?: Opt<number>;
  readonly packetsLt?: number;
  readonly packetsGt?: number;
  readonly bytesEq?: Opt<number>;
  readonly bytesLt?: number;
  readonly bytesGt?: number;
}
export interface RecentMatch {
  readonly module: 'recent';
  readonly mode?: Opt<'set' | 'rcheck' | 'update' | 'remove'>;
  readonly seconds?: number;
  readonly reap?: true;
  readonly hitcount?: number;
  readonly rttl?: true;
  readonly name?: string;
  readonly mask?: string;
  readonly side?: 'rsource' | 'rdest';
}
export interface PhysdevMatch {
  readonly module: 'physdev';
  readonly physdevIsIn?: Opt<true>;
  readonly physdevIn?: Opt<string>;
  readonly physdevIsOut?: Opt<true>;
  readonly physdevOut?: Opt<string>;
  readonly physdevIsBridged?: Opt<true>;
}
export interface SocketMatch {
  readonly module: 'socket';
  readonly transparent?: true;
  readonly nowildcard?: true;
  readonly restoreSkmark?: true;
}
export interface IdRange {
  readonly from: number;
  readonly to: number;
}
export interface OwnerMatch {
  readonly module: 'owner';
  readonly socketExists?: Opt<true>;
  readonly uidOwner?: Opt<IdRange>;
  readonly gidOwner?: Opt<IdRange>;
  readonly supplGroups?: true;
}
export interface IprangeMatch {
  readonly module: 'iprange';
  readonly srcRange?: Opt<AddressRange>;
  readonly dstRange?: Opt<AddressRange>;
}
export interface LimitMatch {
  readonly module: 'limit';
  readonly limit?: string;
  readonly limitBurst?: number;
}
export interface HashlimitMatch {
  readonly module: 'hashlimit';
  readonly rate?: { readonly mode: 'upto' | 'above' | 'legacy'; readonly rate: string };
  readonly burst?: number;
  readonly mode?: string;
  readonly name?: string;
  readonly htableSize?: number;
  readonly htableMax?: number;
  readonly htableGcinterval?: number;
  readonly htableExpire?: number;
  readonly srcmask?: number;
  readonly dstmask?: number;
  readonly rateInterval?: number;
  readonly rateMatch?: true;
}
export interface MacMatch {
  readonly module: 'mac';
  readonly macSource?: Opt<string>;
}
export interface LengthMatch {
  readonly module: 'length';
  readonly length?: Opt<PortRange>;
}
export interface StringMatch {
  readonly module: 'string';
  readonly pattern?: Opt<{ readonly hex: boolean; readonly text: string }>;
  readonly algo?: 'bm' | 'kmp';
  readonly from?: number;
  readonly to?: number;
  readonly icase?: true;
}
export interface PkttypeMatch {
  readonly module: 'pkttype';
  readonly pktType?: Opt<string>;
}
export interface TtlMatch {
  readonly module: 'ttl' | 'hl';
  readonly test?: Opt<{ readonly op: 'eq' | 'lt' | 'gt'; readonly value: number }>;
}
export interface ConnlimitMatch {
  readonly module: 'connlimit';
  readonly limit?: { readonly op: 'upto' | 'above'; readonly count: number };
  readonly connlimitMask?: number;
  readonly side?: 'saddr' | 'daddr';
}
export interface RpfilterMatch {
  readonly module: 'rpfilter';
  readonly loose?: true;
  readonly validmark?: true;
  readonly acceptLocal?: true;
  readonly invert?: true;
}

/** Modules whose options nfwalk reads as typed text: payload, policy and per-host predicates the walk treats as undecidable. */
export interface TextOptionsMatch {
  readonly module: TextOptionsModule;
  readonly options: readonly TextOption[];
}
/** An option of a typed-text extension; `quoted` keeps the input's quoting so it prints back unchanged. */
export interface TextOption {
  readonly name: string;
  readonly negated: boolean;
  readonly args: readonly { readonly text: string; readonly quoted: boolean }[];
}
/** A word of an extension nfwalk does not model, kept as written. */
export interface VerbatimWord {
  readonly text: string;
  readonly bang: boolean;
  readonly quoted: boolean;
}
export type TextOptionsModule =
  | 'u32'
  | 'bpf'
  | 'policy'
  | 'ipvs'
  | 'dscp'
  | 'tos'
  | 'helper'
  | 'nfacct'
  | 'cgroup'
  | 'devgroup'
  | 'cpu'
  | 'quota'
  | 'time'
  | 'realm'
  | 'tcpmss'
  | 'dccp'
  | 'esp'
  | 'ah'
  | 'ecn'
  | 'frag'
  | 'rt'
  | 'ipv6header'
  | 'mh'
  | 'hbh'
  | 'dst'
  | 'osf'
  | 'cluster'
  | 'connbytes'
  | 'connlabel'
  | 'ipcomp'
  | 'l2tp'
  | 'condition'
  | 'geoip';

/** A module nfwalk does not know: its words, verbatim. */
export interface OpaqueMatch {
  readonly module: 'opaque';
  readonly name: string;
  readonly words: readonly VerbatimWord[];
}

export type Match =
  | TcpMatch
  | UdpMatch
  | SctpMatch
  | IcmpMatch
  | Icmp6Match
  | AddrtypeMatch
  | StatisticMatch
  | MarkMatch
  | ConnmarkMatch
  | ConntrackMatch
  | StateMatch
  | CommentMatch
  | MultiportMatch
  | SetMatch
  | RecentMatch
  | PhysdevMatch
  | SocketMatch
  | OwnerMatch
  | IprangeMatch
  | LimitMatch
  | HashlimitMatch
  | MacMatch
  | LengthMatch
  | StringMatch
  | PkttypeMatch
  | TtlMatch
  | ConnlimitMatch
  | RpfilterMatch
  | TextOptionsMatch
  | OpaqueMatch;

export type MatchModule = Match['module'];
/** The record of a module (the typed-text modules share TextOptionsMatch, ttl and hl share TtlMatch). */
export type MatchOf<K extends MatchModule> = Match extends infer M
  ? M extends { readonly module: infer X }
    ? K extends X
      ? M
      : never
    : never
  : never;
