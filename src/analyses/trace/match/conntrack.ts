/**
 * conntrack and state: what the connection entry says about the packet (xt_conntrack). The probe's entry
 * is the one this walk creates: original tuple = the header on arrival, reply tuple = the NAT so far.
 */
import type { ConntrackMatch, StateMatch } from '../../../model/match';
import type { AddressMask, PortRange } from '../../../model/values';
import { type Ip, inPrefix, prefixOfMask } from '../../../model/address';
import type { Packet } from '../packet';
import { type Matcher, negate, unknown } from './decision';
import { inPortRange } from './ports';

/**
 * Whether the packet is in one of `want`'s states, the virtual SNAT/DNAT states of `--ctstate` included. Asked of
 * every path through kube-proxy's filter chains: no list of the packet's states is made.
 */
function inStates(p: Packet, want: readonly string[]): boolean {
  return want.includes(p.ctstate) || (p.dnat && want.includes('DNAT')) || (p.snat && want.includes('SNAT'));
}

/** A new connection has no status bits yet; an established one has seen a reply and is confirmed. */
function statusBits(p: Packet): readonly string[] {
  return p.ctstate === 'NEW' ? [] : ['SEEN_REPLY', 'CONFIRMED'];
}

function reply(p: Packet): { src: Ip; dst: Ip; sport?: number; dport?: number } {
  // The reply tuple is the inverted header after NAT: its source is where the packet now goes.
  return {
    src: p.dst,
    dst: p.src,
    ...(p.dport !== undefined ? { sport: p.dport } : {}),
    ...(p.sport !== undefined ? { dport: p.sport } : {}),
  };
}

/** One matcher per option, so the walk can branch on each undecidable one separately. */
export function conntrackMatchers(m: ConntrackMatch): Matcher[] {
  const tests: Matcher[] = [];
  const hasEntry = (p: Packet) => p.ctstate !== 'INVALID' && p.ctstate !== 'UNTRACKED';
  if (m.ctstate) {
    const want = m.ctstate.value;
    tests.push((p) => inStates(p, want) !== m.ctstate!.negated);
  }
  if (m.ctproto) {
    const v = m.ctproto.value;
    tests.push((p) => hasEntry(p) && (p.proto === v || String(p.protoNumber) === v) !== m.ctproto!.negated);
  }
  // Each tuple option picks one field of the original or reply tuple and tests it against its value.
  const address = (pick: (p: Packet) => Ip) => (v: AddressMask & PortRange) => {
    const prefix = prefixOfMask(v);
    return (p: Packet) => inPrefix(pick(p), prefix);
  };
  const port = (pick: (p: Packet) => number | undefined) => (v: AddressMask & PortRange) => (p: Packet) =>
    inPortRange(pick(p), v);
  const tupleTests: [keyof ConntrackMatch, (v: AddressMask & PortRange) => (p: Packet) => boolean][] = [
    ['ctorigsrc', address((p) => p.orig.src)],
    ['ctorigdst', address((p) => p.orig.dst)],
    ['ctreplsrc', address((p) => reply(p).src)],
    ['ctrepldst', address((p) => reply(p).dst)],
    ['ctorigsrcport', port((p) => p.orig.sport)],
    ['ctorigdstport', port((p) => p.orig.dport)],
    ['ctreplsrcport', port((p) => reply(p).sport)],
    ['ctrepldstport', port((p) => reply(p).dport)],
  ];
  for (const [key, compile] of tupleTests) {
    const opt = m[key] as { negated: boolean; value: AddressMask & PortRange } | undefined;
    if (!opt) continue;
    const test = compile(opt.value);
    tests.push((p) => hasEntry(p) && test(p) !== opt.negated);
  }
  if (m.ctstatus) {
    const want = m.ctstatus.value;
    tests.push((p) => {
      const bits = statusBits(p);
      if (want.includes('ASSURED') && p.ctstate === 'ESTABLISHED')
        return negate(unknown('the connection is assured'), m.ctstatus!.negated);
      const hit = want.some((w) => (w === 'NONE' ? bits.length === 0 : bits.includes(w)));
      return hasEntry(p) && hit !== m.ctstatus!.negated;
    });
  }
  if (m.ctexpire) {
    const { value, negated } = m.ctexpire;
    tests.push((p) => hasEntry(p) && negate(unknown(`the connection expires in ${value.from}:${value.to} s`), negated));
  }
  // The walk follows packets of the original direction.
  if (m.ctdir) tests.push(() => m.ctdir === 'ORIGINAL');
  return tests;
}

export function stateMatcher(m: StateMatch): Matcher {
  return (p) => (m.state ? m.state.value.includes(p.ctstate) !== m.state.negated : true);
}
