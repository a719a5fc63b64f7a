/**
 * Hand readers for the one-option sections kube-proxy writes for every service and endpoint: `-m comment
 * --comment TEXT`, `-m tcp|udp --dport PORT` and `-j DNAT --to-destination A.B.C.D:PORT`. Each builds the record
 * the extension engine (extension.ts) builds from the same words, with its keys in the same order, and declines
 * (undefined) every spelling it is not sure of, which the engine then reads. A kube-proxy dump of 10,000
 * services has about 40,000 such sections that differ, each read once per table.
 * test/grammar/iptables-save/fast-rule.test.ts holds them to the grammar.
 */
import type { CommentMatch, TcpMatch, UdpMatch } from '../../src/model/match';
import type { DnatTarget } from '../../src/model/target';
import type { Family, PortRange } from '../../src/model/values';

/** A match section of one option word and its one value word as the engine gets them (quotes excluded, not `!`). */
export function handMatch(
  module: string,
  option: string,
  value: string,
): CommentMatch | TcpMatch | UdpMatch | undefined {
  switch (module) {
    case 'comment':
      return option === '--comment' ? { module: 'comment', comment: value } : undefined;
    case 'tcp':
    case 'udp': {
      const port = option === '--dport' ? portOf(value, 0, value.length) : -1;
      return port < 0 ? undefined : { module, dport: { negated: false, value: onePort(port) } };
    }
    default:
      return undefined;
  }
}

/** A target section of one option word and its one value word, as handMatch. */
export function handTarget(kind: string, option: string, value: string, family: Family): DnatTarget | undefined {
  return kind === 'DNAT' && option === '--to-destination' && family === 'ipv4' ? dnatTo(value) : undefined;
}

/** `A.B.C.D:PORT`, the address canonical (what ipaddr.js prints back unchanged). */
function dnatTo(text: string): DnatTarget | undefined {
  const colon = text.indexOf(':');
  if (colon < 0 || !isDottedQuad(text, colon)) return undefined;
  const port = portOf(text, colon + 1, text.length);
  if (port < 0) return undefined;
  const address = text.slice(0, colon);
  return {
    kind: 'DNAT',
    toDestination: [{ family: 'ipv4', addresses: { from: address, to: address }, ports: onePort(port) }],
  };
}

/**
 * The range of one port, one object per port for every dump (the model is immutable): 20,000 DNAT targets to a
 * few ports need not keep 20,000 equal ranges for each young collection to copy.
 */
const portRanges = new Map<number, PortRange>();

function onePort(port: number): PortRange {
  let range = portRanges.get(port);
  if (!range) portRanges.set(port, (range = { from: port, to: port }));
  return range;
}

const ZERO = 48;
const DOT = 46;

/** A port number of decimal digits (leading zeros allowed, as the engine's `/^\d+$/`) up to 65535; -1 otherwise. */
function portOf(text: string, from: number, end: number): number {
  if (end === from || end - from > 5) return -1;
  let v = 0;
  for (let i = from; i < end; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v > 65535 ? -1 : v;
}

/** `text[0..end)` is four decimal bytes without leading zeros, joined by dots. */
function isDottedQuad(text: string, end: number): boolean {
  let parts = 0;
  let i = 0;
  while (i <= end) {
    const start = i;
    let v = 0;
    while (i < end) {
      const d = text.charCodeAt(i) - ZERO;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || v > 255 || (digits > 1 && text.charCodeAt(start) === ZERO)) return false;
    parts++;
    if (i === end) return parts === 4;
    if (text.charCodeAt(i) !== DOT || parts === 4) return false;
    i++;
  }
  return false;
}
