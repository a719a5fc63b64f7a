/** Typed values that iptables options carry. Each mirrors one option syntax of iptables-extensions(8). */

export type Family = 'ipv4' | 'ipv6';

/** `-s 10.0.0.0/8`, `-d fd00::1/128`; `mask` only for non-contiguous dotted masks (`10.0.0.0/255.0.255.0`). */
export interface AddressMask {
  readonly family: Family;
  readonly address: string;
  readonly prefix: number;
  readonly mask?: string;
}

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
  readonly addresses?: { readonly from: string; readonly to: string };
  readonly ports?: PortRange;
}

/** `[packets:bytes]`; 64-bit counters, so bigint. */
export interface Counters {
  readonly packets: bigint;
  readonly bytes: bigint;
}

/** A rate such as `5/min` (limit, hashlimit). */
export interface Rate {
  readonly count: number;
  readonly unit: 'sec' | 'min' | 'hour' | 'day';
}
