/**
 * The packet as the walk carries it: header, interfaces of the current hook, marks and the conntrack
 * facts matches can see. Immutable; a rule that changes it returns a new one.
 */
import type { Family } from '../../model/values';
import type { Ip } from '../../model/address';

/** `xt_conntrack` states; INVALID also stands for "no conntrack entry yet" (raw, before the conntrack hook). */
export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';

export interface Tuple {
  readonly src: Ip;
  readonly dst: Ip;
  readonly sport?: number;
  readonly dport?: number;
}

export interface Packet extends Tuple {
  readonly family: Family;
  /** Protocol name as iptables-save prints it (`tcp`, `udp`, `icmp`, `ipv6-icmp`, `sctp`). */
  readonly proto: string;
  readonly protoNumber: number;
  /** NAT with --random/--random-fully gave the packet a source port drawn uniformly from this range. */
  readonly sportRandom?: { readonly from: number; readonly to: number };
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /** TCP flags set on the packet (SYN for a new connection, ACK once established). */
  readonly tcpFlags: readonly string[];
  /** Interface of this hook: '' where the hook has none (`-i` in OUTPUT), undefined where the dumps do not say. */
  readonly in: string | undefined;
  readonly out: string | undefined;
  readonly mark: number;
  readonly ctmark: number;
  readonly ctstate: CtState;
  /** The state conntrack gives the packet once it reaches the conntrack hook. */
  readonly trackedState: CtState;
  readonly untracked: boolean;
  /** Conntrack's original tuple: the header before any NAT. */
  readonly orig: Tuple;
  readonly dnat: boolean;
  readonly snat: boolean;
  /** nf_nat has bound the destination (PREROUTING/OUTPUT ran) or source (INPUT/POSTROUTING ran) for this connection. */
  readonly dstNatDone: boolean;
  readonly srcNatDone: boolean;
  /** The packet came from a socket on this node (OUTPUT path), so owner/socket matches have a socket to look at. */
  readonly local: boolean;
  /** `recent` lists are known to hold nothing about this packet's addresses (Probe.newClient). */
  readonly newClient: boolean;
}

/** A packet being made from another: its fields are set before the walk sees it, and never after. */
export type PacketDraft = { -readonly [K in keyof Packet]: Packet[K] };

/**
 * A copy of `p` whose fields the caller changes, then hands on as a `Packet`. Every key written in one literal, not
 * spread (a spread of many shapes went through V8's slow path), and no change object: walks make a packet for every
 * NAT, mark and hook's interfaces.
 */
export function draftOf(p: Packet): PacketDraft {
  return {
    family: p.family,
    proto: p.proto,
    protoNumber: p.protoNumber,
    src: p.src,
    dst: p.dst,
    sport: p.sport,
    dport: p.dport,
    sportRandom: p.sportRandom,
    icmpType: p.icmpType,
    icmpCode: p.icmpCode,
    tcpFlags: p.tcpFlags,
    in: p.in,
    out: p.out,
    mark: p.mark,
    ctmark: p.ctmark,
    ctstate: p.ctstate,
    trackedState: p.trackedState,
    untracked: p.untracked,
    orig: p.orig,
    dnat: p.dnat,
    snat: p.snat,
    dstNatDone: p.dstNatDone,
    srcNatDone: p.srcNatDone,
    local: p.local,
    newClient: p.newClient,
  };
}

/** The packet with its mark and its connection's mark set (MARK, CONNMARK, TPROXY, nft's meta and ct mark). */
export function withMarks(p: Packet, mark: number, ctmark: number): Packet {
  const q = draftOf(p);
  q.mark = mark;
  q.ctmark = ctmark;
  return q;
}

/** No conntrack entry to read or write: untracked, or still before the conntrack hook. */
export function withoutConnection(p: Packet): boolean {
  return p.untracked || p.ctstate === 'INVALID' || p.ctstate === 'UNTRACKED';
}
