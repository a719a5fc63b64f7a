/**
 * A line that lost its protocol name (`6 46 TIME_WAIT src=…` for `tcp      6 46 TIME_WAIT src=…`, `17 29 src=…`):
 * a paste or a terminal cut the first column. Two numbers where the name and its number stand are the
 * protocol's number and the timeout, and the number names the protocol (conntrack prints `unknown` for any it
 * has no name for). The repair stands only when the tuples are that protocol's: ports, icmp types or gre keys.
 */
import type { ConntrackTuple } from '../../src/model/conntrack';
import { L4_NAMES } from './protocols';

const PORTED = new Set(['tcp', 'udp', 'sctp', 'dccp', 'udplite']);
const STATEFUL = new Set(['tcp', 'sctp', 'dccp']);

/** The protocol a lost name stood for, from its number. */
export function lostProtocolName(protoNum: number): string {
  return L4_NAMES[protoNum] ?? 'unknown';
}

/** Whether an entry read with a repaired name has the tuple and state that protocol prints. */
export function fitsProtocol(proto: string, orig: Partial<ConntrackTuple>, state: string | undefined): boolean {
  if (state !== undefined && !STATEFUL.has(proto)) return false;
  const ports = orig.sport !== undefined && orig.dport !== undefined;
  const icmp = orig.type !== undefined;
  const keys = orig.srckey !== undefined;
  if (PORTED.has(proto)) return ports;
  if (proto === 'icmp' || proto === 'icmpv6') return icmp;
  if (proto === 'gre') return keys;
  return !ports && !icmp && !keys;
}
