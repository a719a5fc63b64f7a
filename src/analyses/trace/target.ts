/**
 * What a matched rule's target does to the walk (iptables-extensions(8) TARGETS): continue with a changed
 * packet, end this table's traversal with a verdict, jump, goto, or return. NAT targets rewrite the header
 * and end the nat table with ACCEPT, as nf_nat does.
 */
import type { Target } from '../../model/target';
import { type NatRange, type PortRange, isUnknownAddress } from '../../model/values';
import { ADDRESS_BITS, type Ip, formatIp, parseIp, parsePrefix, prefixMask, unknownIp } from '../../model/address';
import { DESTINATION_NAT_HOOKS, setNatDone } from './hooks';
import type { NodeNetwork } from './network';
import { type Packet, draftOf, withMarks, withoutConnection } from './packet';

/**
 * NOTRACK and CT --notrack leave a packet that already carries a conntrack entry as it is (notrack_tg,
 * xt_ct_target: "previously seen (loopback)? Ignore."): one the node sent to itself comes back in through lo
 * with the entry OUTPUT gave it. Before conntrack a packet's state reads INVALID.
 */
function notrack(p: Packet): Packet {
  if (p.ctstate !== 'INVALID') return p;
  const q = draftOf(p);
  q.untracked = true;
  q.trackedState = 'UNTRACKED';
  return q;
}

/** The IP hooks, and INGRESS: netdev (and inet) `ingress` chains, which see a packet before PREROUTING. */
export type Hook = 'INGRESS' | 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

export type TargetEffect =
  | {
      readonly kind: 'continue';
      readonly packet: Packet;
      readonly rewrote?: boolean;
      readonly masquerade?: boolean;
      readonly assumption?: string;
    }
  | {
      readonly kind: 'verdict';
      readonly verdict: string;
      readonly packet: Packet;
      readonly rewrote?: boolean;
      readonly masquerade?: boolean;
      readonly assumption?: string;
    }
  | { readonly kind: 'jump'; readonly chain: string; readonly goto: boolean }
  | { readonly kind: 'return' };

const xmark = (old: number, value: number, mask: number) => ((old & ~mask) ^ value) >>> 0;

/** A range's first address, parsed once per range: every walk through a DNAT rule asks for it. */
const firstAddresses = new WeakMap<NatRange, Ip | undefined>();

function firstAddress(range: NatRange): Ip | undefined {
  const a = range.addresses;
  if (!firstAddresses.has(range))
    firstAddresses.set(range, a && (isUnknownAddress(a) ? unknownIp(a) : parseIp(a.from)));
  return firstAddresses.get(range);
}

/** The port a range gives: the current one when it lies in the range, else the range's first. */
function portIn(ports: PortRange | undefined, port: number | undefined): number | undefined {
  return ports && (port === undefined || port < ports.from || port > ports.to) ? ports.from : port;
}

/**
 * What the kernel picks from a range that the dumps cannot say: undefined when the range leaves it no choice.
 * `portMoved`: the packet's port was outside the range's ports, so portIn gave their first.
 */
function pickNote(range: NatRange, portMoved: boolean): string | undefined {
  const a = range.addresses;
  const address =
    a && !isUnknownAddress(a) && a.from !== a.to ? `the kernel picks ${a.from} from ${a.from}-${a.to}` : undefined;
  const r = range.ports;
  const ports =
    r && portMoved && r.from !== r.to ? `the kernel picks port ${r.from} from ${r.from}-${r.to}` : undefined;
  return address && ports ? `${address}; ${ports}` : (address ?? ports);
}

/**
 * An address or port the range does not give (undefined) stays as it was. The binding is marked done here, as
 * nf_nat_setup_info does, so the walk need not copy the packet again to mark it after the chain.
 */
function natDst(p: Packet, hook: Hook, ip: Ip | undefined, port: number | undefined): Packet {
  const q = draftOf(p);
  setNatDone(q, hook);
  if (ip) q.dst = ip;
  if (p.dport !== undefined && port !== undefined) q.dport = port;
  q.dnat = true;
  return q;
}

function natSrc(p: Packet, hook: Hook, ip: Ip | undefined, port: number | undefined, random?: PortRange): Packet {
  const q = draftOf(p);
  setNatDone(q, hook);
  if (ip) q.src = ip;
  if (p.sport !== undefined) {
    if (port !== undefined) q.sport = port;
    if (random) q.sportRandom = random;
  }
  q.snat = true;
  return q;
}

/**
 * --random and --random-fully make nf_nat_l4proto_unique_tuple draw the port even when the old one is
 * free: from the given range, else from 1024-65535 (ports below 1024 stay below it). Without them a source port
 * outside a given range is drawn from the range too.
 */
function randomPorts(
  p: Packet,
  t: { readonly random?: true; readonly randomFully?: true },
  range?: PortRange,
): PortRange | undefined {
  // A source port outside the range is drawn from it (nf_nat_l4proto_unique_tuple: a random offset for SNAT).
  const outside =
    range !== undefined &&
    p.sport !== undefined &&
    range.from !== range.to &&
    (p.sport < range.from || p.sport > range.to);
  if (!t.random && !t.randomFully) return outside ? range : undefined;
  if (range) return range;
  const sport = p.sport ?? 0;
  return sport >= 1024 ? { from: 1024, to: 65535 } : sport >= 512 ? { from: 600, to: 1023 } : { from: 1, to: 511 };
}

/** A NAT target's effect, its parts given one by one: a DNAT rule fires on nearly every path a service probe takes. */
const natAccept = (packet: Packet, masquerade: boolean, assumption: string | undefined): TargetEffect => ({
  kind: 'verdict',
  verdict: 'ACCEPT',
  packet,
  rewrote: true,
  masquerade,
  assumption,
});

/** RETURN's effect, the same every time. */
const RETURN: TargetEffect = { kind: 'return' };

export function applyTarget(t: Target, p: Packet, hook: Hook, network: NodeNetwork): TargetEffect {
  switch (t.kind) {
    case 'jump':
      // The target is its own effect: a jump is taken on almost every path.
      return t;
    case 'RETURN':
      return RETURN;
    case 'ACCEPT':
    case 'DROP':
    case 'QUEUE':
    case 'REJECT':
      return { kind: 'verdict', verdict: t.kind, packet: p };
    case 'NOTRACK':
      return { kind: 'continue', packet: notrack(p) };
    case 'CT':
      return { kind: 'continue', packet: t.notrack ? notrack(p) : p };
    case 'MARK':
      return { kind: 'continue', packet: withMarks(p, xmark(p.mark, t.xmark.value, t.xmark.mask), p.ctmark) };
    case 'CONNMARK': {
      // Without a connection there is no mark to set or copy (xt_CONNMARK returns early).
      if (withoutConnection(p)) return { kind: 'continue', packet: p };
      let { mark, ctmark } = p;
      if (t.xmark) ctmark = xmark(ctmark, t.xmark.value, t.xmark.mask);
      const nfmask = t.nfmask ?? 0xffffffff;
      const ctmask = t.ctmask ?? 0xffffffff;
      if (t.copy === 'save-mark') ctmark = ((ctmark & ~ctmask) ^ (mark & nfmask)) >>> 0;
      if (t.copy === 'restore-mark') mark = ((mark & ~nfmask) ^ (ctmark & ctmask)) >>> 0;
      return { kind: 'continue', packet: withMarks(p, mark, ctmark) };
    }
    case 'DNAT': {
      const range = t.toDestination[0];
      if (!range) return natAccept(p, false, undefined);
      const ip = range.addresses && firstAddress(range);
      const port = portIn(range.ports, p.dport);
      return natAccept(natDst(p, hook, ip, port), false, pickNote(range, port !== p.dport));
    }
    case 'SNAT': {
      const range = t.toSource[0];
      if (!range) return natAccept(p, false, undefined);
      const ip = range.addresses && firstAddress(range);
      const port = portIn(range.ports, p.sport);
      const packet = natSrc(p, hook, ip, port, randomPorts(p, t, range.ports));
      return natAccept(packet, true, pickNote(range, port !== p.sport));
    }
    case 'MASQUERADE': {
      const ip = network.masqueradeSource(p.out || undefined, p.dst);
      const port = t.toPorts ? portIn(t.toPorts, p.sport) : undefined;
      const assumption = ip
        ? undefined
        : 'the out interface has no address in the dumps: the masquerade source is unknown';
      return natAccept(natSrc(p, hook, ip, port, randomPorts(p, t, t.toPorts)), true, assumption);
    }
    case 'REDIRECT': {
      // nf_nat_redirect: locally generated packets go to loopback, others to the first address of the in interface.
      const ip =
        hook === 'OUTPUT'
          ? parseIp(p.family === 'ipv4' ? '127.0.0.1' : '::1')
          : p.in
            ? network.firstAddress(p.in)
            : undefined;
      if (!ip)
        return {
          kind: 'verdict',
          verdict: 'DROP',
          packet: p,
          assumption: 'REDIRECT drops: the in interface has no address in the dumps',
        };
      const port = t.toPorts ? portIn(t.toPorts, p.dport) : undefined;
      return natAccept(natDst(p, hook, ip, port), false, undefined);
    }
    case 'NETMAP': {
      // Host bits stay, network bits come from --to: the destination before routing, the source after.
      const to = parsePrefix(t.to);
      if (!to) return natAccept(p, false, undefined);
      const hostBits = prefixMask(p.family, ADDRESS_BITS[p.family]) ^ to.mask;
      const map = (ip: Ip): Ip => ({ family: ip.family, value: (ip.value & hostBits) | to.network });
      return DESTINATION_NAT_HOOKS.has(hook)
        ? natAccept(natDst(p, hook, map(p.dst), undefined), false, undefined)
        : natAccept(natSrc(p, hook, map(p.src), undefined), true, undefined);
    }
    case 'TPROXY': {
      const mark = t.tproxyMark ? xmark(p.mark, t.tproxyMark.value, t.tproxyMark.mask) : p.mark;
      const port = t.onPort ?? p.dport;
      const on = t.onIp ?? formatIp(p.dst);
      return {
        kind: 'verdict',
        verdict: 'ACCEPT',
        packet: withMarks(p, mark, p.ctmark),
        assumption: `TPROXY finds a socket listening on ${on}:${port}`,
      };
    }
    case 'NFQUEUE':
      return {
        kind: 'verdict',
        verdict: 'NFQUEUE',
        packet: p,
        assumption: 'a program listens on the queue and its verdict is not known',
      };
    case 'opaque':
      return {
        kind: 'verdict',
        verdict: t.name,
        packet: p,
        assumption: `target ${t.name} is unknown to nfwalk: the walk stops at it`,
      };
    // Targets that only log, count, classify or set fields no later match or route reads here.
    case 'TRACE':
    case 'LOG':
    case 'NFLOG':
    case 'ULOG':
    case 'TCPMSS':
    case 'CHECKSUM':
    case 'DSCP':
    case 'TOS':
    case 'TTL':
    case 'HL':
    case 'CLASSIFY':
    case 'SET':
    case 'AUDIT':
    case 'SECMARK':
    case 'CONNSECMARK':
    case 'IDLETIMER':
    case 'LED':
    case 'HMARK':
    case 'RATEEST':
    case 'ECN':
    case 'TEE':
      return { kind: 'continue', packet: p };
    case 'SYNPROXY':
    case 'CLUSTERIP':
    case 'MIRROR':
    case 'SAME':
      return {
        kind: 'verdict',
        verdict: t.kind,
        packet: p,
        assumption: `nfwalk does not follow what ${t.kind} does: the walk stops at it`,
      };
    default:
      return t satisfies never;
  }
}
