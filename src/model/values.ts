/** Typed values that iptables options carry. Each mirrors one option syntax of iptables-extensions(8). */

export type Family = 'ipv4' | 'ipv6';

/** `-s 10.0.0.0/8`, `-d fd00::1/128`; `mask` only for non-contiguous dotted masks (`10.0.0.0/255.0.255.0`). */
export interface AddressMask {
  readonly family: Family;
  readonly address: string;
  readonly prefix: number;
  readonly mask?: string;
}

/**
 * An address a person masked before pasting (`x.x.x.x`, `10.x.x.x/16`, `<node-ip>`): the rule is kept and
 * the address is unknown beyond what the paste still shows. The packet walk splits on every test of it.
 */
export interface UnknownAddress {
  readonly family: Family;
  /** The text as pasted, prefix length included: printed back unchanged. */
  readonly unknown: string;
  /** The prefix length written after it, else a host's. */
  readonly prefix: number;
  /** The leading part the paste still shows (`10.0.0.0/8` of `10.x.x.x`); prefix 0 when it shows none. */
  readonly visible: { readonly address: string; readonly prefix: number };
}

/** `-s`/`-d` of a rule: an address with its mask, or one masked in the paste. */
export type RuleAddress = AddressMask | UnknownAddress;

export const isUnknownAddress = (a: RuleAddress | NatRange['addresses']): a is UnknownAddress =>
  a !== undefined && 'unknown' in a;

/** Inclusive port range; a single port has `from === to`. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** `V[/M]`: (x & mask) == value. `mask` is 0xffffffff when omitted. */
export interface MarkMask {
  readonly value: number;
  readonly mask: number;
}

/** `A-B` inclusive address range (iprange). */
export interface AddressRange {
  readonly family: Family;
  readonly from: string;
  readonly to: string;
}

/** DNAT/SNAT `--to-destination [A[-B]][:P[-Q]]`. */
export interface NatRange {
  readonly family: Family;
  readonly addresses?: { readonly from: string; readonly to: string } | UnknownAddress;
  readonly ports?: PortRange;
}

/** `[packets:bytes]`; 64-bit counters, so bigint. */
export interface Counters {
  readonly packets: bigint;
  readonly bytes: bigint;
}
