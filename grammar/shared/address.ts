/**
 * Canonical address text: /proc prints IPv6 fully expanded, `conntrack -L` compressed; the model keeps the
 * latter. IPv4 is checked by a loop (it runs for every address of a table); IPv6 validation is costly and
 * big tables repeat the same pod and service addresses, so IPv6 results are memoised.
 */
import ipaddr from 'ipaddr.js';
import type { Family } from '../../src/model/values';

const NEEDS_COMPRESSION = /(^|:)0[0-9a-fA-F]|[A-F]/;
const MEMO_LIMIT = 1 << 18;
const memo = new Map<string, string | null>();

export function canonicalAddress(text: string): string | undefined {
  if (isIpv4(text, 0, text.length)) return text;
  const known = memo.get(text);
  if (known !== undefined) return known ?? undefined;
  const result = canonicalIpv6(text);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(text, result ?? null);
  return result;
}

/**
 * Whether [from, to) of `text` is IPv6 that canonicalAddress keeps as it is, checked without a copy: lowercase
 * hex groups without leading zeros, eight of them or at most six around one `::`. Anything else (embedded
 * IPv4, zones, other spellings) is for canonicalAddress to decide.
 */
export function isPlainIpv6(text: string, from: number, to: number): boolean {
  let groups = 0;
  let digits = 0;
  let firstZero = false;
  let compressed = false;
  let endsCompressed = false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    endsCompressed = false;
    if (c === 58) {
      if (digits > 0) groups++;
      if (i + 1 < to && text.charCodeAt(i + 1) === 58) {
        if (compressed) return false;
        compressed = true;
        endsCompressed = true;
        i++;
      } else if (digits === 0 || i + 1 === to) return false;
      digits = 0;
      continue;
    }
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) || digits === 4 || (digits === 1 && firstZero)) return false;
    if (digits === 0) firstZero = c === 48;
    digits++;
  }
  if (digits > 0) groups++;
  else if (!endsCompressed) return false;
  return compressed ? groups <= 6 : groups === 8;
}

/**
 * The value of the dotted quad on [from, to) of `text` (each part 0-255 without a sign), as an unsigned 32-bit
 * number, or -1 when it is none. Written out because this runs for every address of a table: ipaddr.js
 * takes about a microsecond per address.
 */
export function ipv4Value(text: string, from: number, to: number): number {
  return dottedQuadValue(text, from, to, false);
}

/**
 * ipv4Value for the dotted quad written the one way a number is printed (no part with a leading zero), or -1:
 * exactly the texts a number gives back, so that such an address can be kept as its number. `010.0.0.1` is an
 * address too, but another text, which the model keeps as written.
 */
export function canonicalIpv4Value(text: string, from: number, to: number): number {
  return dottedQuadValue(text, from, to, true);
}

function dottedQuadValue(text: string, from: number, to: number, canonical: boolean): number {
  let parts = 0;
  let value = 0;
  let part = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++parts > 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3 && !(canonical && digits === 1 && part === 0)) {
      part = part * 10 + c - 48;
      digits++;
      if (part > 255) return -1;
    } else return -1;
  }
  return parts === 3 && digits > 0 ? value * 256 + part : -1;
}

const codes: number[] = [];

/**
 * The dotted quad of a 32-bit number, the text canonicalIpv4Value reads back, as one flat string of its own: joined
 * with `+` or a template it would be a tree of seven strings, several times its size, for as long as it is kept.
 */
export function ipv4Text(value: number): string {
  codes.length = 0;
  for (let shift = 24; shift >= 0; shift -= 8) {
    const octet = (value >>> shift) & 255;
    if (octet >= 100) codes.push(48 + Math.floor(octet / 100));
    if (octet >= 10) codes.push(48 + (Math.floor(octet / 10) % 10));
    codes.push(48 + (octet % 10));
    if (shift > 0) codes.push(46);
  }
  return String.fromCharCode(...codes);
}

/** Whether [from, to) of `text` is a dotted quad. */
export function isIpv4(text: string, from: number, to: number): boolean {
  return ipv4Value(text, from, to) >= 0;
}

function canonicalIpv6(text: string): string | undefined {
  if (!text.includes(':') || !ipaddr.IPv6.isValid(text)) return undefined;
  return NEEDS_COMPRESSION.test(text) ? ipaddr.IPv6.parse(text).toRFC5952String() : text;
}

/** An address as ipaddr.js holds it, for the rule options that compute with addresses (masks, ranges). */
export type IpAddr = ipaddr.IPv4 | ipaddr.IPv6;

/** An address as a rule writes it (`[::1]` too); undefined when the text is none. */
export function readIpAddr(text: string): IpAddr | undefined {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) return ipaddr.IPv4.parse(t);
  if (ipaddr.IPv6.isValid(t)) return ipaddr.IPv6.parse(t);
  return undefined;
}

export function familyOfIpAddr(a: IpAddr): Family {
  return a.kind() === 'ipv4' ? 'ipv4' : 'ipv6';
}

export function compareIpAddr(a: IpAddr, b: IpAddr): number {
  const x = a.toByteArray();
  const y = b.toByteArray();
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** Canonical text of an address: dotted quad, or RFC 5952 compressed lower-case IPv6. */
export const ipAddrText = (a: IpAddr): string => a.toString();
