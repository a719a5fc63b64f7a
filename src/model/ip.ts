/** Interfaces, addresses and routes as `ip addr` / `ip route` print them. */

export interface IpAddress {
  readonly line: number;
  readonly family: 'inet' | 'inet6';
  readonly address: string;
  readonly prefixLength: number;
  readonly peer?: string;
  readonly broadcast?: string;
  readonly scope?: string;
  readonly label?: string;
  /** secondary, dynamic, noprefixroute, deprecated, tentative, ... */
  readonly flags: readonly string[];
  /** The paste hid the address (`<node-ip>`, `x.x.x.x`): `address` is the text as pasted. */
  readonly masked?: true;
}

export interface IpInterface {
  readonly line: number;
  readonly index: number;
  readonly name: string;
  /** The `@peer` part of `veth1@if3`. */
  readonly link?: string;
  readonly flags: readonly string[];
  readonly mtu?: number;
  readonly state?: string;
  readonly linkType?: string;
  readonly mac?: string;
  readonly addresses: readonly IpAddress[];
  /** Detail lines nfwalk does not model (`ip -d`, `ip -s`), kept as written. */
  readonly details: readonly string[];
}

export interface RouteNexthop {
  readonly via?: string;
  readonly dev?: string;
  readonly weight?: number;
}

export interface Route {
  readonly line: number;
  readonly family: 'inet' | 'inet6';
  /** unicast (the default), local, broadcast, multicast, anycast, unreachable, blackhole, prohibit, throw, nat. */
  readonly type: string;
  /** `default` or a prefix with its length (`10.0.0.0/24`, `10.0.0.1/32`). */
  readonly dst: string;
  /** Routing table: main unless the line says otherwise. */
  readonly table: string;
  readonly via?: string;
  readonly dev?: string;
  readonly src?: string;
  readonly proto?: string;
  readonly scope?: string;
  readonly metric?: number;
  readonly nexthops?: readonly RouteNexthop[];
  /** Everything else on the line, key → value (or true for bare flags such as `onlink`, `linkdown`). */
  readonly attributes: Readonly<Record<string, string | true>>;
}
