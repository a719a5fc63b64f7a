/**
 * What a literal in an nft rule means depends on what it is compared with: `tcp` is protocol 6 after
 * `meta l4proto`, `new` is ct state bit 8, `local` is fib address type 2, `0x00004000` a mark. Each
 * selector has a datatype (nftables src/datatype.c, src/ct.c, src/fib.c, src/meta.c); a literal is read
 * in the datatype of the selector it meets, into a number (bigint) or, for interface names, a string.
 */
import type { NftExpr } from '../../../model/nft';
import { parseIp } from '../../../model/address';

export type Datatype =
  | 'ipv4_addr'
  | 'ipv6_addr'
  | 'inet_proto'
  | 'inet_service'
  | 'ct_state'
  | 'ct_status'
  | 'ct_dir'
  | 'fib_addrtype'
  | 'nf_proto'
  | 'ether_type'
  | 'pkt_type'
  | 'icmp_type'
  | 'icmpv6_type'
  | 'ifname'
  | 'uid'
  | 'integer';

/** A value a selector yields or a literal stands for. */
export type Scalar = bigint | string;

/** One component of a set element or a comparison's right side: a value, an inclusive range, or a name prefix (`veth*`). */
export type Atom =
  | { readonly kind: 'eq'; readonly value: Scalar }
  | { readonly kind: 'range'; readonly lo: bigint; readonly hi: bigint }
  | { readonly kind: 'wildcard'; readonly prefix: string };

const SYMBOLS: Partial<Record<Datatype, Readonly<Record<string, number>>>> = {
  inet_proto: {
    icmp: 1,
    igmp: 2,
    tcp: 6,
    udp: 17,
    dccp: 33,
    gre: 47,
    esp: 50,
    ah: 51,
    icmpv6: 58,
    'ipv6-icmp': 58,
    sctp: 132,
    udplite: 136,
  },
  inet_service: { ssh: 22, domain: 53, http: 80, https: 443, ntp: 123, bgp: 179 },
  ct_state: { invalid: 1, established: 2, related: 4, new: 8, untracked: 64 },
  ct_status: { expected: 1, 'seen-reply': 2, assured: 4, confirmed: 8, snat: 16, dnat: 32, dying: 512 },
  ct_dir: { original: 0, reply: 1 },
  fib_addrtype: {
    unspec: 0,
    unicast: 1,
    local: 2,
    broadcast: 3,
    anycast: 4,
    multicast: 5,
    blackhole: 6,
    unreachable: 7,
    prohibit: 8,
  },
  nf_proto: { inet: 1, ipv4: 2, arp: 3, netdev: 5, bridge: 7, ipv6: 10 },
  ether_type: { ip: 0x0800, arp: 0x0806, ip6: 0x86dd, vlan: 0x8100 },
  pkt_type: { host: 0, unicast: 0, broadcast: 1, multicast: 2, other: 3 },
  icmp_type: {
    'echo-reply': 0,
    'destination-unreachable': 3,
    'source-quench': 4,
    redirect: 5,
    'echo-request': 8,
    'router-advertisement': 9,
    'router-solicitation': 10,
    'time-exceeded': 11,
    'parameter-problem': 12,
  },
  icmpv6_type: {
    'destination-unreachable': 1,
    'packet-too-big': 2,
    'time-exceeded': 3,
    'parameter-problem': 4,
    'echo-request': 128,
    'echo-reply': 129,
    'mld-listener-query': 130,
    'nd-router-solicit': 133,
    'nd-router-advert': 134,
    'nd-neighbor-solicit': 135,
    'nd-neighbor-advert': 136,
  },
  uid: { root: 0 },
};

/** Types whose values are bit sets: `ct state established,related` tests any of the bits. */
export const FLAG_TYPES: ReadonlySet<Datatype> = new Set(['ct_state', 'ct_status']);

/** The datatype nft gives a selector; undefined for selectors the walk does not read. */
export function datatypeOf(e: NftExpr): Datatype | undefined {
  switch (e.kind) {
    case 'payload':
      if (e.field === 'saddr' || e.field === 'daddr')
        return e.protocol === 'ip' ? 'ipv4_addr' : e.protocol === 'ip6' ? 'ipv6_addr' : undefined;
      if (e.field === 'sport' || e.field === 'dport') return 'inet_service';
      if ((e.protocol === 'ip' && e.field === 'protocol') || (e.protocol === 'ip6' && e.field === 'nexthdr'))
        return 'inet_proto';
      if (e.field === 'type')
        return e.protocol === 'icmp' ? 'icmp_type' : e.protocol === 'icmpv6' ? 'icmpv6_type' : 'integer';
      return 'integer';
    case 'meta':
      switch (e.key) {
        case 'l4proto':
          return 'inet_proto';
        case 'nfproto':
          return 'nf_proto';
        case 'protocol':
          return 'ether_type';
        case 'iifname':
        case 'oifname':
        case 'iif':
        case 'oif':
          return 'ifname';
        case 'skuid':
        case 'skgid':
          return 'uid';
        case 'pkttype':
          return 'pkt_type';
        default:
          return 'integer';
      }
    case 'ct':
      switch (e.key) {
        case 'state':
          return 'ct_state';
        case 'status':
          return 'ct_status';
        case 'direction':
          return 'ct_dir';
        case 'saddr':
        case 'daddr':
          return e.protocol === 'ip6' ? 'ipv6_addr' : 'ipv4_addr';
        case 'proto-src':
        case 'proto-dst':
          return 'inet_service';
        case 'protocol':
          return 'inet_proto';
        case 'l3proto':
          return 'nf_proto';
        default:
          return 'integer';
      }
    case 'fib':
      return e.result === 'type' ? 'fib_addrtype' : 'ifname';
    case 'numgen':
    case 'hash':
      return 'integer';
    case 'binop':
      return datatypeOf(e.left);
    case 'concat':
    case 'map':
    case 'set':
    case 'opaque':
    case 'verdict':
    case 'literal':
    case 'ref':
      return undefined;
  }
}

/** The datatypes of a `type ipv4_addr . inet_proto . inet_service` declaration's parts. */
export function declaredType(name: string): Datatype {
  switch (name) {
    case 'ipv4_addr':
    case 'ipv6_addr':
    case 'inet_proto':
    case 'inet_service':
    case 'ct_state':
    case 'ct_status':
    case 'ct_dir':
    case 'fib_addrtype':
    case 'nf_proto':
    case 'ether_type':
    case 'pkt_type':
    case 'icmp_type':
    case 'icmpv6_type':
      return name;
    case 'ifname':
    case 'iface_index':
      return 'ifname';
    case 'mark':
    case 'integer':
    default:
      return 'integer';
  }
}

const ADDRESS_WIDTH: Partial<Record<Datatype, bigint>> = { ipv4_addr: 32n, ipv6_addr: 128n };

/** One value of a datatype: a number, a symbol, an address; undefined when the text is none of them. */
export function parseScalar(text: string, type: Datatype): Scalar | undefined {
  if (type === 'ifname') return text;
  if (type === 'ipv4_addr' || type === 'ipv6_addr') {
    const ip = parseIp(text);
    return ip && (ip.family === 'ipv4') === (type === 'ipv4_addr') ? ip.value : undefined;
  }
  if (FLAG_TYPES.has(type) && text.includes(',')) {
    let bits = 0n;
    for (const part of text.split(',')) {
      const v = parseScalar(part.trim(), type);
      if (typeof v !== 'bigint') return undefined;
      bits |= v;
    }
    return bits;
  }
  if (/^0x[0-9a-f]+$/i.test(text) || /^\d+$/.test(text)) return BigInt(text);
  const symbol = SYMBOLS[type]?.[text];
  return symbol === undefined ? undefined : BigInt(symbol);
}

/** A literal as a set element component or a comparison's right side: `10.0.0.0/8`, `80-90`, `"veth*"`, `tcp`. */
function parseAtom(text: string, type: Datatype): Atom | undefined {
  if (type === 'ifname')
    return text.endsWith('*') ? { kind: 'wildcard', prefix: text.slice(0, -1) } : { kind: 'eq', value: text };
  const width = ADDRESS_WIDTH[type];
  const slash = text.indexOf('/');
  if (width !== undefined && slash > 0) {
    const net = parseScalar(text.slice(0, slash), type);
    const length = BigInt(text.slice(slash + 1));
    if (typeof net !== 'bigint' || length < 0n || length > width) return undefined;
    const host = (1n << (width - length)) - 1n;
    return { kind: 'range', lo: net & ~host, hi: (net & ~host) | host };
  }
  const dash = rangeDash(text);
  if (dash > 0) {
    const lo = parseScalar(text.slice(0, dash), type);
    const hi = parseScalar(text.slice(dash + 1), type);
    if (typeof lo === 'bigint' && typeof hi === 'bigint') return { kind: 'range', lo, hi };
  }
  const value = parseScalar(text, type);
  return value === undefined ? undefined : { kind: 'eq', value };
}

/**
 * IPv6 atoms already read, by the literal they were read from: the flow tests, each tracer's sets and rules read
 * the same literals, and an IPv6 address takes ipaddr.js's parse. Other texts parse in less time than an entry
 * here takes to make, and a 10,000-service table has hundreds of thousands of them.
 */
const ipv6Read = new WeakMap<NftExpr, Atom | undefined>();

/** parseAtom of a literal's text; an IPv6 one read once per literal. */
export function atomOf(literal: Extract<NftExpr, { kind: 'literal' }>, type: Datatype): Atom | undefined {
  if (type !== 'ipv6_addr') return parseAtom(literal.text, type);
  if (ipv6Read.has(literal)) return ipv6Read.get(literal);
  const atom = parseAtom(literal.text, type);
  ipv6Read.set(literal, atom);
  return atom;
}

/** The `-` of a range `a-b`, not one inside a symbol (`echo-request`, `seen-reply`). */
function rangeDash(text: string): number {
  for (let i = text.indexOf('-', 1); i > 0; i = text.indexOf('-', i + 1)) {
    const left = text.slice(0, i);
    if (/^(\d+|0x[0-9a-f]+|[0-9a-f:.]*[:.][0-9a-f:.]*)$/i.test(left)) return i;
  }
  return -1;
}

export function atomHolds(a: Atom, v: Scalar): boolean {
  switch (a.kind) {
    case 'eq':
      return a.value === v;
    case 'range':
      return typeof v === 'bigint' && v >= a.lo && v <= a.hi;
    case 'wildcard':
      return typeof v === 'string' && v.startsWith(a.prefix);
  }
}
