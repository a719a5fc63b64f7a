/**
 * What a member line of `ipset list` may hold, by the set's type (`hash:ip,port,net` → an address, a
 * `proto:port`, a prefix, comma-separated) and the per-member extensions ipset prints after it. A line that is
 * no member of its set (a closing Markdown fence, a sentence after the listing) ends the listing instead of
 * joining the set; the segmenter then classifies it.
 */
import { canonicalAddress } from '../shared/address';
import type { WordToken } from '../shared/word-lines';

const DIGITS = /^\d+$/;
// ipset prints ports as numbers (`tcp:80`, bitmap:port `30080`), icmp as `icmp:8/0` or a type name.
const PORT = /^(?:[a-z][a-z0-9-]*:)?\d+$|^(?:icmp|icmpv6|ipv6-icmp):[\w/-]+$/;
const MARK = /^(?:0x[0-9a-fA-F]+|\d+)$/;
const MAC = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/;
const IFACE = /^(?:physdev:)?[\w.@:+-]{1,15}$/;
// A set name may be any word; one that starts with a digit is taken for a stray number, not a set.
const SET_NAME = /^[A-Za-z_][\w.:+-]{0,30}$/;

function isAddress(text: string, prefix: boolean): boolean {
  const slash = text.indexOf('/');
  if (slash < 0) return canonicalAddress(text) !== undefined;
  return prefix && DIGITS.test(text.slice(slash + 1)) && canonicalAddress(text.slice(0, slash)) !== undefined;
}

type Dimension = (part: string) => boolean;

const DIMENSIONS: Readonly<Record<string, Dimension>> = {
  ip: (p) => isAddress(p, false),
  net: (p) => isAddress(p, true),
  port: (p) => PORT.test(p),
  mark: (p) => MARK.test(p),
  mac: (p) => MAC.test(p),
  iface: (p) => IFACE.test(p),
  set: (p) => SET_NAME.test(p),
};

/** Whether `value` is a member of a set of `type`; with the type unknown (a paste cut it off), of any type. */
export function fitsType(type: string, value: string): boolean {
  const dims = type.slice(type.indexOf(':') + 1).split(',');
  const parts = value.split(',');
  const known = dims.map((d) => DIMENSIONS[d]);
  if (known.every((d) => d !== undefined)) return parts.length === known.length && parts.every((p, i) => known[i]!(p));
  // The type line was cut off: an address, prefix, port, mark or MAC, not a bare word (that may be prose).
  return parts.every((p) => UNTYPED.some((d) => d(p)));
}

const UNTYPED: readonly Dimension[] = [DIMENSIONS.net!, DIMENSIONS.port!, DIMENSIONS.mark!, DIMENSIONS.mac!];

/** Extensions ipset prints after a member: the key, and whether a value follows it. */
const MEMBER_OPTIONS: Readonly<Record<string, boolean>> = {
  timeout: true,
  packets: true,
  bytes: true,
  comment: true,
  skbmark: true,
  skbprio: true,
  skbqueue: true,
  nomatch: false,
};

/** Whether the words after a member are extensions ipset prints (`timeout 0 packets 12 bytes 3400`, `comment "…"`). */
export function fitsOptions(words: readonly WordToken[]): boolean {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const takesValue = Object.hasOwn(MEMBER_OPTIONS, w.text) ? MEMBER_OPTIONS[w.text] : undefined;
    if (takesValue === undefined) return false;
    if (!takesValue) continue;
    const v = words[++i];
    if (!v || (w.text === 'comment' ? !v.quoted : v.quoted)) return false;
  }
  return true;
}
