/** Canonical address text: /proc prints IPv6 fully expanded, `conntrack -L` compressed; the model keeps the latter. */
import ipaddr from 'ipaddr.js';

const V4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const NEEDS_COMPRESSION = /(^|:)0[0-9a-fA-F]|[A-F]/;

export function canonicalAddress(text: string): string | undefined {
  if (V4.test(text)) return text.split('.').every((o) => Number(o) < 256) ? text : undefined;
  if (!text.includes(':') || !ipaddr.IPv6.isValid(text)) return undefined;
  return NEEDS_COMPRESSION.test(text) ? ipaddr.IPv6.parse(text).toRFC5952String() : text;
}
