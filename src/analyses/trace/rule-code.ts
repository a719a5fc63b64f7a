/**
 * The rules of an iptables ruleset's compiled chains as numbers: per rule, its protocol, fully shown IPv4
 * `-s`/`-d` prefixes and a tcp/udp/sctp match of the destination port alone in one typed array, and the matchers of everything else in one array shared by every chain
 * of the ruleset. 30,000 host matchers of a 10,000-service dump were a closure, a context and two bigints each,
 * and an array per chain held them: all of it copied by the young collections of the first analysis.
 */
import { canonicalIpv4Value } from '../../../grammar/shared/address';
import { protocolNumber } from '../../model/protocols';
import type { SctpMatch, TcpMatch, UdpMatch } from '../../model/match';
import type { Rule } from '../../model/ruleset';
import { type AddressMask, type Family, isUnknownAddress } from '../../model/values';
import type { Ip } from '../../model/address';
import type { Matcher } from './match/index';
import type { Packet } from './packet';

/**
 * Positions of a rule's tests: the protocol, source, destination and destination port, then its other matchers in
 * `rest`, in the kernel's order: the port's match is the rule's first module when nothing comes between.
 */
export const BASE_TESTS = 4;

/** Which leading base tests a rule holds as numbers, and whether each is negated. */
export const PROTOCOL = 1;
export const SOURCE = 2;
export const DESTINATION = 4;
/** The rule's first match (comments apart) is a tcp/udp/sctp match of the destination port at most: held here. */
export const PORT = 8;
const PROTOCOL_NOT = 16;
const SOURCE_NOT = 32;
const DESTINATION_NOT = 64;
const PORT_NOT = 128;

/**
 * Per rule: flags, protocol number, source network and mask, destination network and mask, end in `rest`, the port
 * match's protocol number and its port range.
 */
const STRIDE = 10;

/** What a numeric test says: passes (or the rule has none at that position), fails, or the matcher must say. */
export const PASS = 1;
export const FAIL = 0;
export const ASK = -1;

/** The network and mask of a fully shown IPv4 address written canonically, as signed 32-bit numbers. */
function ipv4Prefix(a: AddressMask): [number, number] | undefined {
  if (a.family !== 'ipv4') return undefined;
  const address = canonicalIpv4Value(a.address, 0, a.address.length);
  if (address < 0) return undefined;
  let mask: number;
  if (a.mask !== undefined) {
    mask = canonicalIpv4Value(a.mask, 0, a.mask.length);
    if (mask < 0) return undefined;
  } else if (a.prefix >= 0 && a.prefix <= 32) mask = a.prefix === 0 ? 0 : (-1 << (32 - a.prefix)) >>> 0;
  else return undefined;
  return [(address & mask) | 0, mask | 0];
}

const PORT_PROTOCOLS = { tcp: 6, udp: 17, sctp: 132 } as const;

/**
 * The rule's first match, comments apart, when it is a tcp, udp or sctp match that tests the destination port at
 * most: what `tcpUdpMatcher` decides with numbers alone. ruleMatchers leaves it out of `rest`.
 */
export function portMatch(rule: Rule): TcpMatch | UdpMatch | SctpMatch | undefined {
  for (const m of rule.matches) {
    if (m.module === 'comment') continue;
    if (m.module !== 'tcp' && m.module !== 'udp' && m.module !== 'sctp') return undefined;
    if (m.sport || (m.module === 'tcp' && (m.tcpFlags || m.tcpOption)) || (m.module === 'sctp' && m.chunkTypes))
      return undefined;
    return m;
  }
  return undefined;
}

function addressTest(ip: Ip, net: number, mask: number, negated: boolean): number {
  if (ip.unknown !== undefined || ip.family !== 'ipv4') return ASK;
  return ((Number(ip.value) & mask) === net) !== negated ? PASS : FAIL;
}

export class RuleCode {
  private readonly words: Int32Array;
  /** Every compiled rule's matchers beyond its numeric tests, rule after rule. */
  readonly rest: Matcher[] = [];
  private used = 0;
  /** The last `-p` option read and its number: a table has a few option objects, each shared by many rules. */
  private protocol: object | undefined;
  private protocolNumber: number | undefined;

  /** `rules`: how many rules the ruleset has, each compiled chain taking its rules' slots in turn. */
  constructor(rules: number) {
    this.words = new Int32Array(rules * STRIDE);
  }

  /**
   * Takes the next slot for `rule` and returns the base tests it holds as numbers (`PROTOCOL | SOURCE | …`); the
   * caller adds the rule's other matchers to `rest` and then calls `end`.
   */
  add(rule: Rule, family: Family): number {
    const at = this.used++ * STRIDE;
    const w = this.words;
    let flags = 0;
    const protocol = rule.protocol;
    if (protocol && protocol !== this.protocol) {
      this.protocol = protocol;
      this.protocolNumber = protocolNumber(protocol.value);
    }
    const number = this.protocolNumber;
    // Only a leading run of tests can be numbers: the matchers after it keep the kernel's order of questions.
    if (protocol && number === undefined) return 0;
    if (protocol) {
      flags |= PROTOCOL | (protocol.negated ? PROTOCOL_NOT : 0);
      w[at + 1] = number!;
    }
    const source = rule.source;
    const src = family === 'ipv4' && source && !isUnknownAddress(source.value) ? ipv4Prefix(source.value) : undefined;
    if (source && !src) return (w[at] = flags);
    if (source) {
      flags |= SOURCE | (source.negated ? SOURCE_NOT : 0);
      w[at + 2] = src![0];
      w[at + 3] = src![1];
    }
    const destination = rule.destination;
    const dst =
      family === 'ipv4' && destination && !isUnknownAddress(destination.value)
        ? ipv4Prefix(destination.value)
        : undefined;
    if (destination && !dst) return (w[at] = flags);
    if (destination) {
      flags |= DESTINATION | (destination.negated ? DESTINATION_NOT : 0);
      w[at + 4] = dst![0];
      w[at + 5] = dst![1];
    }
    const port = rule.inInterface || rule.outInterface || rule.fragment ? undefined : portMatch(rule);
    if (port) {
      flags |= PORT | (port.dport?.negated ? PORT_NOT : 0);
      w[at + 7] = PORT_PROTOCOLS[port.module];
      w[at + 8] = port.dport ? port.dport.value.from : 0;
      w[at + 9] = port.dport ? port.dport.value.to : 65535;
    }
    return (w[at] = flags);
  }

  /** Closes the slot `add` took last: its matchers in `rest` end here. */
  end(): void {
    this.words[(this.used - 1) * STRIDE + 6] = this.rest.length;
  }

  /** The next slot `add` takes: a chain's first rule. */
  get next(): number {
    return this.used;
  }

  restFrom(slot: number): number {
    return slot === 0 ? 0 : this.words[(slot - 1) * STRIDE + 6]!;
  }

  restEnd(slot: number): number {
    return this.words[slot * STRIDE + 6]!;
  }

  /**
   * The one IPv4 host the rule in `slot` tests its destination for, held as a number (unsigned, as `Number` of the
   * address value): a `-d` of a full-length prefix, not negated. Undefined when the numbers do not hold one.
   */
  destinationHost(slot: number): number | undefined {
    const w = this.words;
    const at = slot * STRIDE;
    return (w[at]! & (DESTINATION | DESTINATION_NOT)) === DESTINATION && w[at + 5] === -1
      ? w[at + 4]! >>> 0
      : undefined;
  }

  /** The numeric test at `position` (below BASE_TESTS) of the rule in `slot`: PASS, FAIL or ASK. */
  test(slot: number, position: number, p: Packet): number {
    const w = this.words;
    const at = slot * STRIDE;
    const flags = w[at]!;
    switch (position) {
      case 0:
        if ((flags & PROTOCOL) === 0) return PASS;
        return (p.protoNumber === w[at + 1]) !== ((flags & PROTOCOL_NOT) !== 0) ? PASS : FAIL;
      case 1:
        if ((flags & SOURCE) === 0) return PASS;
        return addressTest(p.src, w[at + 2]!, w[at + 3]!, (flags & SOURCE_NOT) !== 0);
      case 2:
        if ((flags & DESTINATION) === 0) return PASS;
        return addressTest(p.dst, w[at + 4]!, w[at + 5]!, (flags & DESTINATION_NOT) !== 0);
      default: {
        if ((flags & PORT) === 0) return PASS;
        if (p.protoNumber !== w[at + 7]) return FAIL;
        // tcpUdpMatcher's test of `--dport`: a packet without a port is in no range.
        const dport = p.dport;
        const inRange = dport !== undefined && dport >= w[at + 8]! && dport <= w[at + 9]!;
        return inRange !== ((flags & PORT_NOT) !== 0) ? PASS : FAIL;
      }
    }
  }
}
