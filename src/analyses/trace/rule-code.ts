/**
 * The rules of an iptables ruleset's compiled chains as numbers: per rule, its protocol, fully shown IPv4
 * `-s`/`-d` prefixes and a tcp/udp/sctp match of the destination port alone in one typed array, and the matchers of everything else in one array shared by every chain
 * of the ruleset. 30,000 host matchers of a 10,000-service dump were a closure, a context and two bigints each,
 * and an array per chain held them: all of it copied by the young collections of the first analysis.
 */
import { canonicalIpv4Value } from '../../../grammar/shared/address';
import { protocolNumber } from '../../model/protocols';
import type { Match, SctpMatch, TcpMatch, UdpMatch } from '../../model/match';
import type { Rule } from '../../model/ruleset';
import { type Family, type RuleAddress, isUnknownAddress } from '../../model/values';
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
/** In `add`'s answer only: the numbers hold every test of the rule, which has no other matcher. */
export const WHOLE = 256;

/**
 * Per rule: flags with the protocol number in bits 16–23 and the port match's in bits 24–31, source network and mask,
 * destination network and mask, end in `rest`, the port range (from in the low 16 bits, to in the high). Seven words,
 * not ten: the array is written once per compiled rule, and its fresh pages are faulted in as the walks compile.
 */
const STRIDE = 7;

/** What a numeric test says: passes (or the rule has none at that position), fails, or the matcher must say. */
export const PASS = 1;
export const FAIL = 0;
export const ASK = -1;

/**
 * Writes the network and mask of a fully shown IPv4 address written canonically, as signed 32-bit numbers, at `at` of
 * `w`; false, writing nothing, for any other address.
 */
function ipv4Prefix(a: RuleAddress, w: Int32Array, at: number): boolean {
  if (a.family !== 'ipv4' || isUnknownAddress(a)) return false;
  const address = canonicalIpv4Value(a.address, 0, a.address.length);
  if (address < 0) return false;
  let mask: number;
  if (a.mask !== undefined) {
    mask = canonicalIpv4Value(a.mask, 0, a.mask.length);
    if (mask < 0) return false;
  } else if (a.prefix >= 0 && a.prefix <= 32) mask = a.prefix === 0 ? 0 : (-1 << (32 - a.prefix)) >>> 0;
  else return false;
  w[at] = address & mask;
  w[at + 1] = mask;
  return true;
}

const PORT_PROTOCOLS = { tcp: 6, udp: 17, sctp: 132 } as const;

/** Whether `m` is a tcp, udp or sctp match that tests the destination port at most. */
function portOnly(m: Match): m is TcpMatch | UdpMatch | SctpMatch {
  if (m.module !== 'tcp' && m.module !== 'udp' && m.module !== 'sctp') return false;
  return !(m.sport || (m.module === 'tcp' && (m.tcpFlags || m.tcpOption)) || (m.module === 'sctp' && m.chunkTypes));
}

/**
 * The rule's first match, comments apart, when it is a tcp, udp or sctp match that tests the destination port at
 * most: what `tcpUdpMatcher` decides with numbers alone. ruleMatchers leaves it out of `rest`.
 */
export function portMatch(rule: Rule): TcpMatch | UdpMatch | SctpMatch | undefined {
  const m = rule.matches[uncommented(rule.matches, 0)];
  return m && portOnly(m) ? m : undefined;
}

/** The index of the first match from `k` on that is not a comment; `matches.length` when there is none. */
function uncommented(matches: readonly Match[], k: number): number {
  while (k < matches.length && matches[k]!.module === 'comment') k++;
  return k;
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
   * Takes the next slot for `rule` and returns the base tests it holds as numbers (`PROTOCOL | SOURCE | …`, with
   * `WHOLE` when they are all its tests); the caller adds the rule's other matchers to `rest` and then calls `end`.
   * Each of the rule's fields is read once: a kube-proxy dump's rules come in more shapes than a load site keeps apart.
   */
  add(rule: Rule, family: Family): number {
    const at = this.used++ * STRIDE;
    const w = this.words;
    let flags = 0;
    // The protocol numbers beside the flags in the first word.
    let numbers = 0;
    const protocol = rule.protocol;
    if (protocol) {
      if (protocol !== this.protocol) {
        this.protocol = protocol;
        this.protocolNumber = protocolNumber(protocol.value);
      }
      const number = this.protocolNumber;
      // Only a leading run of tests can be numbers: the matchers after it keep the kernel's order of questions.
      if (number === undefined || number > 255) return 0;
      flags = PROTOCOL | (protocol.negated ? PROTOCOL_NOT : 0);
      numbers = number << 16;
    }
    const source = rule.source;
    if (source) {
      if (family !== 'ipv4' || !ipv4Prefix(source.value, w, at + 1)) return this.flagsAt(at, flags, numbers);
      flags |= SOURCE | (source.negated ? SOURCE_NOT : 0);
    }
    const destination = rule.destination;
    if (destination) {
      if (family !== 'ipv4' || !ipv4Prefix(destination.value, w, at + 3)) return this.flagsAt(at, flags, numbers);
      flags |= DESTINATION | (destination.negated ? DESTINATION_NOT : 0);
    }
    if (rule.inInterface || rule.outInterface || rule.fragment) return this.flagsAt(at, flags, numbers);
    // The first match, comments apart, may be the port's; the rule is whole when no other but comments follow.
    const matches = rule.matches;
    const k = uncommented(matches, 0);
    if (k < matches.length) {
      const port = matches[k]!;
      if (!portOnly(port)) return this.flagsAt(at, flags, numbers);
      const dport = port.dport;
      if (dport && (dport.value.from | dport.value.to) > 0xffff) return this.flagsAt(at, flags, numbers);
      flags |= PORT | (dport?.negated ? PORT_NOT : 0);
      numbers |= PORT_PROTOCOLS[port.module] << 24;
      w[at + 6] = dport ? dport.value.from | (dport.value.to << 16) : 0xffff << 16;
      if (uncommented(matches, k + 1) < matches.length) return this.flagsAt(at, flags, numbers);
    }
    return this.flagsAt(at, flags, numbers) | WHOLE;
  }

  private flagsAt(at: number, flags: number, numbers: number): number {
    this.words[at] = flags | numbers;
    return flags;
  }

  /** Closes the slot `add` took last: its matchers in `rest` end here. */
  end(): void {
    this.words[(this.used - 1) * STRIDE + 5] = this.rest.length;
  }

  /** The next slot `add` takes: a chain's first rule. */
  get next(): number {
    return this.used;
  }

  restFrom(slot: number): number {
    return slot === 0 ? 0 : this.words[(slot - 1) * STRIDE + 5]!;
  }

  restEnd(slot: number): number {
    return this.words[slot * STRIDE + 5]!;
  }

  /**
   * The one IPv4 host the rule in `slot` tests its destination for, held as a number (unsigned, as `Number` of the
   * address value): a `-d` of a full-length prefix, not negated. Undefined when the numbers do not hold one.
   */
  destinationHost(slot: number): number | undefined {
    const w = this.words;
    const at = slot * STRIDE;
    return (w[at]! & (DESTINATION | DESTINATION_NOT)) === DESTINATION && w[at + 4] === -1
      ? w[at + 3]! >>> 0
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
        return (p.protoNumber === ((flags >>> 16) & 255)) !== ((flags & PROTOCOL_NOT) !== 0) ? PASS : FAIL;
      case 1:
        if ((flags & SOURCE) === 0) return PASS;
        return addressTest(p.src, w[at + 1]!, w[at + 2]!, (flags & SOURCE_NOT) !== 0);
      case 2:
        if ((flags & DESTINATION) === 0) return PASS;
        return addressTest(p.dst, w[at + 3]!, w[at + 4]!, (flags & DESTINATION_NOT) !== 0);
      default: {
        if ((flags & PORT) === 0) return PASS;
        if (p.protoNumber !== flags >>> 24) return FAIL;
        // tcpUdpMatcher's test of `--dport`: a packet without a port is in no range.
        const dport = p.dport;
        const range = w[at + 6]!;
        const inRange = dport !== undefined && dport >= (range & 0xffff) && dport <= range >>> 16;
        return inRange !== ((flags & PORT_NOT) !== 0) ? PASS : FAIL;
      }
    }
  }
}
