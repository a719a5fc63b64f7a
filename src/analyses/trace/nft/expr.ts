/**
 * nft selectors as the kernel evaluates them on one packet (nft_payload, nft_meta, nft_ct, nft_fib,
 * nft_numgen, nft_hash, nft_bitwise). A selector yields a value, fails (the rule stops: NFT_BREAK, as when
 * `tcp dport` meets a udp packet or `ct mark` a packet without a connection), is open (the dumps do not
 * say: an interface not given, a masked address, a socket's owner), or is a draw (numgen, jhash): each
 * value with its share.
 */
import { expr as printExpr } from '../../../../grammar/nft/print';
import type { NftExpr } from '../../../model/nft';
import type { Ip } from '../../../model/address';
import { MASKED_IN_DUMP } from '../match/address-test';
import type { NodeNetwork } from '../network';
import type { Packet } from '../packet';
import { type Datatype, type Scalar, datatypeOf, parseScalar } from './datatype';

/** The selector cannot be read from this packet: the rule does not match, whatever it compares with. */
export const BREAK: unique symbol = Symbol('break');

/** A fact the dumps do not give; `about` names it. */
export interface Open {
  readonly open: string;
}

/** A value drawn at random or spread by a hash: each outcome with its share. */
export interface Draw {
  readonly draw: readonly bigint[];
  /** What the assumption says about the branch that took `value`: absent for numgen random. */
  readonly note?: (value: bigint) => string;
}

export type Value = Scalar | readonly Value[] | typeof BREAK | Open | Draw;

export type Evaluator = (p: Packet) => Value;

export const isOpen = (v: Value): v is Open => typeof v === 'object' && v !== null && 'open' in v;
export const isDraw = (v: Value): v is Draw => typeof v === 'object' && v !== null && 'draw' in v;

const CT_STATE_BITS: Readonly<Record<Packet['ctstate'], bigint>> = {
  INVALID: 1n,
  ESTABLISHED: 2n,
  RELATED: 4n,
  NEW: 8n,
  UNTRACKED: 64n,
};

const FIB_TYPES: Readonly<Record<string, bigint>> = {
  UNSPEC: 0n,
  UNICAST: 1n,
  LOCAL: 2n,
  BROADCAST: 3n,
  ANYCAST: 4n,
  MULTICAST: 5n,
  BLACKHOLE: 6n,
  UNREACHABLE: 7n,
  PROHIBIT: 8n,
};

/** What the walk knows of a connection: nothing before the conntrack hook or when untracked. */
const hasEntry = (p: Packet) => !p.untracked && p.ctstate !== 'INVALID' && p.ctstate !== 'UNTRACKED';

function address(ip: Ip, family: 'ipv4' | 'ipv6', whose: string): Value {
  if (ip.family !== family) return BREAK;
  return ip.unknown ? { open: `the packet's ${whose} ${ip.unknown.text} ${MASKED_IN_DUMP}` } : ip.value;
}

const L4_WITH_PORTS = new Set(['tcp', 'udp', 'sctp', 'udplite', 'dccp']);

function payload(protocol: string, field: string): Evaluator | undefined {
  if (protocol === 'ip' || protocol === 'ip6') {
    const family = protocol === 'ip' ? 'ipv4' : 'ipv6';
    if (field === 'saddr') return (p) => address(p.src, family, 'source');
    if (field === 'daddr') return (p) => address(p.dst, family, 'destination');
    if (field === 'protocol' || field === 'nexthdr')
      return (p) => (p.family === family ? BigInt(p.protoNumber) : BREAK);
    return undefined;
  }
  if (field === 'sport' || field === 'dport') {
    // `tcp dport` carries an implicit `meta l4proto tcp`; `th dport` reads any transport header's ports.
    const only = protocol === 'th' ? undefined : protocol;
    if (only !== undefined && !L4_WITH_PORTS.has(only)) return undefined;
    return (p) => {
      if (only !== undefined && p.proto !== only) return BREAK;
      const v = field === 'sport' ? p.sport : p.dport;
      return v === undefined ? BREAK : BigInt(v);
    };
  }
  if ((protocol === 'icmp' || protocol === 'icmpv6') && (field === 'type' || field === 'code')) {
    const proto = protocol === 'icmp' ? 'icmp' : 'ipv6-icmp';
    return (p) => {
      const v = field === 'type' ? p.icmpType : p.icmpCode;
      return p.proto !== proto || v === undefined ? BREAK : BigInt(v);
    };
  }
  return undefined;
}

function iface(side: 'in' | 'out', byName: boolean): Evaluator {
  const open: Open = {
    open: side === 'in' ? 'the interface the packet arrives on' : 'the interface the packet leaves by',
  };
  // No device at this hook: the name reads empty, the index fails (nft_meta_get_eval).
  return (p) => {
    const name = p[side];
    if (name === undefined) return open;
    if (name === '') return byName ? '' : BREAK;
    return name;
  };
}

function meta(key: string, network: NodeNetwork): Evaluator | undefined {
  switch (key) {
    case 'l4proto':
      return (p) => BigInt(p.protoNumber);
    case 'nfproto':
      return (p) => (p.family === 'ipv4' ? 2n : 10n);
    case 'protocol':
      return (p) => (p.family === 'ipv4' ? 0x0800n : 0x86ddn);
    case 'mark':
      return (p) => BigInt(p.mark);
    case 'iifname':
    case 'iif':
      return iface('in', key === 'iifname');
    case 'oifname':
    case 'oif':
      return iface('out', key === 'oifname');
    case 'skuid':
    case 'skgid': {
      const open: Open = { open: `the sending socket's ${key === 'skuid' ? 'owner' : 'group'}` };
      return (p) => (p.local ? open : BREAK);
    }
    case 'pkttype':
      return (p) => {
        const t = p.dst.unknown ? 'UNICAST' : network.addrType(p.dst);
        return t === 'BROADCAST' ? 1n : t === 'MULTICAST' ? 2n : 0n;
      };
    default:
      return undefined;
  }
}

function reply(p: Packet) {
  return { src: p.dst, dst: p.src, sport: p.dport, dport: p.sport };
}

function ct(e: Extract<NftExpr, { kind: 'ct' }>): Evaluator | undefined {
  switch (e.key) {
    case 'state':
      return (p) => (p.untracked ? 64n : CT_STATE_BITS[p.ctstate]);
    case 'status':
      // A new connection has no status bits but the NAT it was given and the NAT hooks it passed (the
      // *_NAT_DONE bits, set even by a null binding); an established one is confirmed and has seen a reply.
      return (p) => {
        if (!hasEntry(p)) return BREAK;
        let bits = p.ctstate === 'NEW' ? 0n : 2n | 8n;
        if (p.snat) bits |= 16n;
        if (p.dnat) bits |= 32n;
        if (p.srcNatDone) bits |= 0x80n;
        if (p.dstNatDone) bits |= 0x100n;
        return bits;
      };
    case 'mark':
      return (p) => (hasEntry(p) ? BigInt(p.ctmark) : BREAK);
    case 'direction':
      return (p) => (hasEntry(p) ? 0n : BREAK);
    case 'zone':
      return (p) => (hasEntry(p) ? 0n : BREAK);
    case 'protocol':
      return (p) => (hasEntry(p) ? BigInt(p.protoNumber) : BREAK);
    case 'l3proto':
      return (p) => (hasEntry(p) ? (p.family === 'ipv4' ? 2n : 10n) : BREAK);
    case 'saddr':
    case 'daddr': {
      const family = e.protocol === 'ip6' ? 'ipv6' : 'ipv4';
      const src = e.key === 'saddr';
      return (p) => {
        if (!hasEntry(p)) return BREAK;
        const t = e.direction === 'reply' ? reply(p) : p.orig;
        return address(src ? t.src : t.dst, family, `${e.direction ?? 'original'} ${src ? 'source' : 'destination'}`);
      };
    }
    case 'proto-src':
    case 'proto-dst': {
      const src = e.key === 'proto-src';
      return (p) => {
        if (!hasEntry(p)) return BREAK;
        const t = e.direction === 'reply' ? reply(p) : p.orig;
        const v = src ? t.sport : t.dport;
        return v === undefined ? BREAK : BigInt(v);
      };
    }
    default:
      return undefined;
  }
}

function fib(e: Extract<NftExpr, { kind: 'fib' }>, network: NodeNetwork): Evaluator | undefined {
  const src = e.flags.includes('saddr');
  const onIif = e.flags.includes('iif');
  const which = src ? 'source' : 'destination';
  if (e.result === 'type')
    return (p) => {
      const ip = src ? p.src : p.dst;
      if (ip.unknown) return { open: `the routing type of the packet's ${which} ${ip.unknown.text} ${MASKED_IN_DUMP}` };
      const dev = onIif ? p.in : undefined;
      if (onIif && dev === undefined) return { open: 'the interface the packet arrives on' };
      return FIB_TYPES[network.addrType(ip, dev || undefined)] ?? 0n;
    };
  if (e.result === 'oif' || e.result === 'oifname')
    return (p) => {
      const ip = src ? p.src : p.dst;
      if (ip.unknown) return { open: `the route of the packet's ${which} ${ip.unknown.text} ${MASKED_IN_DUMP}` };
      if (onIif) {
        if (p.in === undefined) return { open: 'the interface the packet arrives on' };
        return network.isLocal(ip, p.in) || network.route(ip)?.dev === p.in ? p.in : '';
      }
      if (network.isLocal(ip)) return { open: `the interface that holds the node's address ${which}` };
      return network.route(ip)?.dev ?? { open: `the interface of the route to the packet's ${which}` };
    };
  return undefined;
}

function range(mod: string, offset: string | undefined): bigint[] {
  const n = Number(mod);
  const base = BigInt(offset ?? 0);
  return Array.from({ length: n }, (_, i) => base + BigInt(i));
}

function bitwise(op: '&' | '|' | '^' | '<<' | '>>', a: bigint, b: bigint): bigint {
  switch (op) {
    case '&':
      return a & b;
    case '|':
      return a | b;
    case '^':
      return a ^ b;
    case '<<':
      return (a << b) & 0xffffffffn;
    case '>>':
      return a >> b;
  }
}

/** A literal in the datatype of what it is combined with; undefined when it is not one. */
function literalValue(e: NftExpr, type: Datatype | undefined): Scalar | undefined {
  if (e.kind !== 'literal') return undefined;
  return parseScalar(e.text, type ?? 'integer');
}

/** The evaluator of a selector; undefined for one the walk cannot read (it is then an open fact). */
export function compileExpr(e: NftExpr, network: NodeNetwork): Evaluator | undefined {
  switch (e.kind) {
    case 'payload':
      return payload(e.protocol, e.field);
    case 'meta':
      return meta(e.key, network);
    case 'ct':
      return ct(e);
    case 'fib':
      return fib(e, network);
    case 'numgen': {
      const values = range(e.mod, e.offset);
      const draw: Draw =
        e.mode === 'inc'
          ? {
              draw: values,
              note: (v) =>
                `\`${printExpr(e)}\` gives ${v}: a counter, so 1 in ${values.length} new connections in turn (round-robin)`,
            }
          : { draw: values };
      return () => draw;
    }
    case 'hash': {
      const text = printExpr(e);
      const inner = e.expr && compileExpr(e.expr, network);
      const draw: Draw = {
        draw: range(e.mod, e.offset),
        note: (v) =>
          `\`${text}\` of this packet is ${v} (the hash spreads flows evenly; which value this flow gets is not computed)`,
      };
      return (p) => (inner && inner(p) === BREAK ? BREAK : draw);
    }
    case 'binop': {
      const left = compileExpr(e.left, network);
      const right = literalValue(e.right, 'integer');
      if (!left || typeof right !== 'bigint') return undefined;
      return (p) => {
        const v = left(p);
        if (typeof v === 'bigint') return bitwise(e.op, v, right);
        return v === BREAK ? BREAK : { open: `\`${printExpr(e)}\`` };
      };
    }
    case 'concat': {
      const parts = e.parts.map((x) => compileExpr(x, network));
      if (parts.some((x) => x === undefined)) return undefined;
      const evs = parts as Evaluator[];
      return (p) => {
        const out: Value[] = [];
        for (const ev of evs) {
          const v = ev(p);
          if (v === BREAK || isOpen(v)) return v;
          if (isDraw(v)) return { open: `\`${printExpr(e)}\`` };
          out.push(v);
        }
        return out;
      };
    }
    case 'literal': {
      const v = parseScalar(e.text, datatypeOf(e) ?? 'integer');
      return v === undefined ? undefined : () => v;
    }
    case 'map':
    case 'set':
    case 'opaque':
    case 'verdict':
    case 'ref':
      return undefined;
  }
}
