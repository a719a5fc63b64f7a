/**
 * Map keys for the addresses and endpoints of conntrack entries: an IPv4 address written canonically as its
 * number, anything else as its text. Each entry's addresses are strings of their own, so a lookup by text
 * (or by `ip:port` text made for it) hashes and compares characters nobody has touched yet; for a million
 * entries that was the largest cost of stale, observed shares and capacity after the walks, and reading the
 * number costs a fraction of it. Text and number keys never collide (different types), and `010.0.0.1` keeps
 * its text, so two addresses share a key only when they are the same text.
 */
import { ipv4Value } from '../../grammar/shared/address';

export type AddressKey = number | string;

const digits = (part: number) => (part >= 100 ? 3 : part >= 10 ? 2 : 1);

/** The length of the dotted quad of `v` without leading zeros. */
function canonicalLength(v: number): number {
  return (
    3 +
    digits(Math.floor(v / 0x1000000)) +
    digits(Math.floor(v / 0x10000) % 256) +
    digits(Math.floor(v / 0x100) % 256) +
    digits(v % 256)
  );
}

export function addressKey(text: string): AddressKey {
  const v = ipv4Value(text, 0, text.length);
  return v >= 0 && canonicalLength(v) === text.length ? v : text;
}

/** Ports run to 65535; an endpoint without one (icmp) takes the next number. */
const NO_PORT = 65536;

/** A number for an address's number (its value, or an id) and a port: equal exactly when both are. */
export const endpointNumber = (address: number, port: number | undefined): number =>
  address * (NO_PORT + 1) + (port ?? NO_PORT);

/** The address's number and the port an endpointNumber was made of (port undefined when it had none). */
export function endpointParts(n: number): { readonly address: number; readonly port: number | undefined } {
  const port = n % (NO_PORT + 1);
  return { address: (n - port) / (NO_PORT + 1), port: port === NO_PORT ? undefined : port };
}

/** A key for an address and port: equal exactly when both are. */
export function endpointKey(ip: string, port: number | undefined): AddressKey {
  const address = addressKey(ip);
  return typeof address === 'number' ? endpointNumber(address, port) : `${address} ${port ?? ''}`;
}
