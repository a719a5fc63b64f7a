/**
 * Consistent pseudonyms for one anonymisation run: the same address, name or MAC always becomes the same
 * stand-in, derived from a key with HMAC-SHA256. Addresses are mapped prefix-preservingly (the scheme of
 * Crypto-PAn: each bit is flipped by a keyed function of the bits before it), so two addresses that share
 * an n-bit prefix share exactly an n-bit prefix afterwards and CIDR structure survives. The host byte of
 * IPv4 and the interface half of IPv6 are kept, so gateways (.1), networks (.0) and broadcasts (.255)
 * stay what they were; loopback, link-local, multicast, unspecified addresses and netmasks are kept whole.
 * An ordinary address (public, private or CGNAT; global or unique-local in IPv6) gets an ordinary stand-in:
 * when the mapped one would land in a special range (ipaddr.js's: multicast, reserved, loopback…), the
 * address keeps its first octet (first 16 bits in IPv6), or more, instead. Otherwise a node's 192.168.0.2
 * could become a multicast or reserved address on the copy, and the analyses would no longer find the same.
 * An address in a special range keeps that range's prefix (documentation and benchmark ranges identify no one).
 */
import { createHmac } from 'node:crypto';
import ipaddr from 'ipaddr.js';

/** IPv4 bits mapped (the rest kept) and IPv6 bits mapped. */
const V4_BITS = 24;
const V6_BITS = 64;

const numbersOf = (bits: readonly number[], width: number) =>
  Array.from({ length: bits.length / width }, (_, i) =>
    bits.slice(i * width, i * width + width).reduce((n, b) => n * 2 + b, 0),
  );
const v4Of = (bits: readonly number[]) => new ipaddr.IPv4(numbersOf(bits, 8));
const v6Of = (bits: readonly number[]) => new ipaddr.IPv6(numbersOf(bits, 16));

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Ranges the analyses treat alike, whose addresses may stand in for each other. */
const ORDINARY = new Set(['unicast', 'private', 'carrierGradeNat', 'uniqueLocal']);

const kindOf = (a: ipaddr.IPv4 | ipaddr.IPv6) => (ORDINARY.has(a.range()) ? 'ordinary' : a.range());

/**
 * 0 for an ordinary address, else the length of the longest special range that holds it. The ranges are the
 * table `range()` itself reads (ipaddr.js keeps it on the prototype; its typings do not declare it).
 */
function keptPrefix(a: ipaddr.IPv4 | ipaddr.IPv6): number {
  if (kindOf(a) === 'ordinary') return 0;
  const table = (Object.getPrototypeOf(a) as { SpecialRanges: Record<string, Range | Range[]> }).SpecialRanges;
  let longest = 0;
  for (const ranges of Object.values(table)) {
    for (const [network, bits] of (Array.isArray(ranges[0]) ? ranges : [ranges]) as Range[]) {
      if (network.kind() === a.kind() && (a as ipaddr.IPv4).match(network as ipaddr.IPv4, bits))
        longest = Math.max(longest, bits);
    }
  }
  return longest;
}

export class Pseudonyms {
  private readonly flips = new Map<string, number>();
  private readonly names = new Map<string, string>();

  constructor(private readonly key: string) {}

  private mac(text: string): Buffer {
    return createHmac('sha256', this.key).update(text).digest();
  }

  /** The bit that flips bit `prefix.length` after this prefix of bits. */
  private flip(family: string, prefix: string): number {
    const k = `${family}${prefix}`;
    let bit = this.flips.get(k);
    if (bit === undefined) this.flips.set(k, (bit = (this.mac(k)[0] as number) & 1));
    return bit;
  }

  /** The first `count` bits mapped, but for the first `keep`; the flips still depend on every bit before. */
  private mapBits(family: string, bits: readonly number[], count: number, keep: number): number[] {
    const out = [...bits];
    let prefix = '';
    for (let i = 0; i < count; i++) {
      if (i >= keep) out[i] = (bits[i] as number) ^ this.flip(family, prefix);
      prefix += String(bits[i]);
    }
    return out;
  }

  /**
   * The bits of `a` mapped keeping its kind of range: its special range's prefix kept (none for an ordinary
   * address), and more in steps of `step` until the stand-in (`addressOf` the mapped bits) is of `a`'s kind.
   */
  private inRange<A extends ipaddr.IPv4 | ipaddr.IPv6>(
    family: string,
    a: A,
    bits: readonly number[],
    count: number,
    step: number,
    addressOf: (bits: readonly number[]) => A,
  ): number[] {
    const kind = kindOf(a);
    for (let keep = keptPrefix(a); ; keep = (Math.floor(keep / step) + 1) * step) {
      const out = this.mapBits(family, bits, count, keep);
      if (keep >= count || kindOf(addressOf(out)) === kind) return out;
    }
  }

  /** An address (and, for `addr/len`, its network when the host bits were zero), or undefined when it is kept. */
  address(text: string, prefixLength?: number): string | undefined {
    if (ipaddr.IPv4.isValidFourPartDecimal(text)) return this.ipv4(ipaddr.IPv4.parse(text), prefixLength);
    if (text.includes(':') && ipaddr.IPv6.isValid(text)) return this.ipv6(ipaddr.IPv6.parse(text), prefixLength);
    return undefined;
  }

  private ipv4(a: ipaddr.IPv4, prefixLength?: number): string | undefined {
    const range = a.range();
    if (
      range === 'loopback' ||
      range === 'linkLocal' ||
      range === 'multicast' ||
      range === 'unspecified' ||
      range === 'broadcast' ||
      a.octets[0] === 0 ||
      a.octets[0] === 255
    )
      return undefined;
    const bits = a.octets.flatMap((o) => [7, 6, 5, 4, 3, 2, 1, 0].map((s) => (o >> s) & 1));
    const mapped = this.keepNetwork(bits, this.inRange('4', a, bits, V4_BITS, 8, v4Of), prefixLength);
    return v4Of(mapped).toString();
  }

  private ipv6(a: ipaddr.IPv6, prefixLength?: number): string | undefined {
    const range = a.range();
    if (
      range === 'loopback' ||
      range === 'linkLocal' ||
      range === 'multicast' ||
      range === 'unspecified' ||
      range === 'ipv4Mapped'
    )
      return undefined;
    const bits = a.parts.flatMap((p) => Array.from({ length: 16 }, (_, i) => (p >> (15 - i)) & 1));
    const mapped = this.keepNetwork(bits, this.inRange('6', a, bits, V6_BITS, 16, v6Of), prefixLength);
    return v6Of(mapped).toString();
  }

  /** A network written with zero host bits keeps them zero. */
  private keepNetwork(bits: readonly number[], mapped: number[], prefixLength?: number): number[] {
    if (prefixLength === undefined || bits.slice(prefixLength).some((b) => b !== 0)) return mapped;
    return mapped.map((b, i) => (i < prefixLength ? b : 0));
  }

  /** A stand-in for a name of some kind (`ns`, `svc`, `node`): `ns-3fa2c1`. */
  name(kind: string, text: string): string {
    const k = `${kind}\u0000${text}`;
    let n = this.names.get(k);
    if (!n) this.names.set(k, (n = `${kind}-${this.mac(k).toString('hex').slice(0, 6)}`));
    return n;
  }

  /** A locally administered unicast MAC in place of this one. */
  macAddress(text: string): string {
    const b = this.mac(`mac\u0000${text.toLowerCase()}`);
    return [((b[0] as number) & 0xfc) | 0x02, ...b.subarray(1, 6)]
      .map((x) => x.toString(16).padStart(2, '0'))
      .join(':');
  }
}
