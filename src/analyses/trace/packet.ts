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

/**
 * A packet with some fields changed: those `change` gives a value; `in` and `out` also when it gives
 * undefined (the dumps do not say). Written out rather than spread: a spread of two objects of many
 * shapes went through V8's slow path, and walks make a packet for every NAT and mark.
 */
export function withPacket(p: Packet, change: Partial<Packet>): Packet {
  return {
    family: p.family,
    proto: p.proto,
    protoNumber: p.protoNumber,
    src: change.src ?? p.src,
    dst: change.dst ?? p.dst,
    sport: change.sport ?? p.sport,
    dport: change.dport ?? p.dport,
    sportRandom: change.sportRandom ?? p.sportRandom,
    icmpType: p.icmpType,
    icmpCode: p.icmpCode,
    tcpFlags: p.tcpFlags,
    in: 'in' in change ? change.in : p.in,
    out: 'out' in change ? change.out : p.out,
    mark: change.mark ?? p.mark,
    ctmark: change.ctmark ?? p.ctmark,
    ctstate: change.ctstate ?? p.ctstate,
    trackedState: change.trackedState ?? p.trackedState,
    untracked: change.untracked ?? p.untracked,
    orig: p.orig,
    dnat: change.dnat ?? p.dnat,
    snat: change.snat ?? p.snat,
    dstNatDone: change.dstNatDone ?? p.dstNatDone,
    srcNatDone: change.srcNatDone ?? p.srcNatDone,
    local: p.local,
    newClient: p.newClient,
  };
}

/** No conntrack entry to read or write: untracked, or still before the conntrack hook. */
export function withoutConnection(p: Packet): boolean {
  return p.untracked || p.ctstate === 'INVALID' || p.ctstate === 'UNTRACKED';
}
