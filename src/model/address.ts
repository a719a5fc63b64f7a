/**
 * Addresses as numbers for the walk: an address is a bigint of its bytes, a prefix a (network, mask)
 * pair, so every address test is one AND and one compare. Parsing and printing go through ipaddr.js.
 */
import ipaddr from 'ipaddr.js';
import type { AddressMask, Family, UnknownAddress } from './values';

export interface Ip {
  readonly family: Family;
  /** For a masked address, the network of its visible part: only `unknown` says what is known. */
  readonly value: bigint;
  /** Set for an address masked in the dump (a DNAT to `10.x.x.x`): its text and the part the paste shows. */
  readonly unknown?: { readonly text: string; readonly visible: Prefix };
}

export interface Prefix {
  readonly family: Family;
  readonly network: bigint;
  readonly mask: bigint;
  readonly length: number;
}

export const ADDRESS_BITS: Readonly<Record<Family, number>> = { ipv4: 32, ipv6: 128 };

function fromBytes(bytes: readonly number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/**
 * The value of a plain dotted quad (four decimals of 0 to 255, no leading zeros), or undefined where ipaddr.js must
 * decide. Read by hand rather than by a regular expression, whose match arrays were most of what parsing a probe
 * allocated; the walk parses one per probe and rule.
 */
function plainIpv4(t: string): bigint | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || part > 255 || ++dots > 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3 && !(digits > 0 && part === 0)) {
      part = part * 10 + (c - 48);
      digits++;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0 || part > 255) return undefined;
  return BigInt(value * 256 + part);
}

export function parseIp(text: string): Ip | undefined {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const plain = plainIpv4(t);
  if (plain !== undefined) return { family: 'ipv4', value: plain };
  // ipaddr.js's IPv4 check throws and catches inside on IPv6 text: a colon says which family to ask.
  if (!t.includes(':'))
    return ipaddr.IPv4.isValidFourPartDecimal(t)
      ? { family: 'ipv4', value: fromBytes(ipaddr.IPv4.parse(t).toByteArray()) }
      : undefined;
  // parse throws where isValid is false: one parse instead of isValid's and parse's.
  try {
    return { family: 'ipv6', value: fromBytes(ipaddr.IPv6.parse(t).toByteArray()) };
  } catch {
    return undefined;
  }
}

/** The texts of 0 to 255 with a dot after them: an IPv4 quad is then three joins of constants and one number's text. */
const DOTTED = Array.from({ length: 256 }, (_, n) => `${n}.`);

/** Text of IPv6 addresses already printed: a walk prints the same DNAT target and probe addresses on every path. */
const printed = new WeakMap<Ip, string>();

export function formatIp(ip: Ip): string {
  if (ip.unknown) return ip.unknown.text;
  // An IPv4 quad from its number costs less than a lookup: a cache missed once per probe made a BigInt per byte.
  if (ip.family === 'ipv4') {
    const v = Number(ip.value);
    return DOTTED[v >>> 24]! + DOTTED[(v >>> 16) & 255]! + DOTTED[(v >>> 8) & 255]! + String(v & 255);
  }
  let text = printed.get(ip);
  if (text === undefined) {
    const bytes: number[] = [];
    for (let i = 15; i >= 0; i--) bytes.push(Number((ip.value >> BigInt(i * 8)) & 0xffn));
    text = (ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String();
    printed.set(ip, text);
  }
  return text;
}

/** A masked address as the walk carries it (model/values.ts `UnknownAddress`). */
export function unknownIp(a: UnknownAddress): Ip {
  const visible = visiblePrefix(a, a.visible.prefix);
  return { family: a.family, value: visible.network, unknown: { text: a.unknown, visible } };
}

/** What a masked address shows, up to `length` bits. */
export function visiblePrefix(a: UnknownAddress, length: number): Prefix {
  return makePrefix(parseIp(a.visible.address)!, Math.min(length, a.visible.prefix));
}

export function prefixMask(family: Family, length: number): bigint {
  const w = ADDRESS_BITS[family];
  return length === 0 ? 0n : ((1n << BigInt(length)) - 1n) << BigInt(w - length);
}

export function makePrefix(ip: Ip, length: number): Prefix {
  const mask = prefixMask(ip.family, length);
  return { family: ip.family, network: ip.value & mask, mask, length };
}

export function hostPrefix(ip: Ip): Prefix {
  return makePrefix(ip, ADDRESS_BITS[ip.family]);
}

/** A prefix from `10.0.0.0/8`, `fd00::/64` or a bare address (a host prefix). */
export function parsePrefix(text: string): Prefix | undefined {
  if (text === 'default') return undefined;
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const length = slash < 0 ? ADDRESS_BITS[ip.family] : Number(text.slice(slash + 1));
  return Number.isInteger(length) && length >= 0 && length <= ADDRESS_BITS[ip.family]
    ? makePrefix(ip, length)
    : undefined;
}

/**
 * Prefixes already made, per model value: lint compares each rule's addresses with those of earlier rules of
 * its chain, and the walk, its index and stale's flow key read the same values again. The model's values are
 * immutable, and repeated ones are one object.
 */
const prefixes = new WeakMap<AddressMask, Prefix>();

/** The model's `-s`/`-d` value, including non-contiguous dotted masks. */
export function prefixOfMask(a: AddressMask): Prefix {
  let prefix = prefixes.get(a);
  if (prefix === undefined) {
    const ip = parseIp(a.address);
    if (!ip) throw new Error(`address ${a.address} in the model does not parse`);
    const mask = a.mask ? parseIp(a.mask) : undefined;
    if (a.mask && !mask) throw new Error(`mask ${a.mask} in the model does not parse`);
    prefix = mask
      ? { family: ip.family, network: ip.value & mask.value, mask: mask.value, length: a.prefix }
      : makePrefix(ip, a.prefix);
    prefixes.set(a, prefix);
  }
  return prefix;
}

export function inPrefix(ip: Ip, p: Prefix): boolean {
  return ip.family === p.family && (ip.value & p.mask) === p.network;
}

export function isHostPrefix(p: Prefix): boolean {
  return p.length === ADDRESS_BITS[p.family] && p.mask === prefixMask(p.family, p.length);
}

/** Inclusive range test for iprange and NAT ranges. */
export function inRange(ip: Ip, from: Ip, to: Ip): boolean {
  return ip.family === from.family && ip.value >= from.value && ip.value <= to.value;
}
