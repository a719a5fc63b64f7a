/**
 * The node's addresses and routes, as the walk asks about them: is an address local, what type does
 * addrtype see, where does the routing decision send a destination, which source does MASQUERADE pick.
 * Built from `ip addr` / `ip route` dumps; what is missing is assumed and said once in `assumed`.
 */
import type { NodeDumps } from '../../model/node';
import type { Route } from '../../model/ip';
import type { Family } from '../../model/values';
import {
  type Ip,
  type Prefix,
  formatIp,
  hostPrefix,
  inPrefix,
  makePrefix,
  parseIp,
  parsePrefix,
} from '../../model/address';
import { ipv6Type } from './ipv6-type';
import { selectSource6 } from './source-select6';

interface NodeAddress {
  readonly dev: string;
  readonly ip: Ip;
  readonly prefix: Prefix;
  /** Kernel scope: 0 global (universe), 253 link, 254 host. */
  readonly scope: number;
  readonly secondary: boolean;
  readonly broadcast?: Ip;
  /** `ip addr` flags (tentative, deprecated, ...), which IPv6 source selection weighs. */
  readonly flags: readonly string[];
}

interface LocalRoute {
  readonly prefix: Prefix;
  readonly type: string;
  readonly dev?: string;
}

export interface RouteChoice {
  /** unicast, blackhole, unreachable, prohibit, throw, local. */
  readonly type: string;
  /** Out interface; undefined when no route dump says. */
  readonly dev?: string;
  readonly via?: Ip;
}

const SCOPES: Readonly<Record<string, number>> = {
  global: 0,
  universe: 0,
  site: 200,
  link: 253,
  host: 254,
  nowhere: 255,
};

export interface NodeNetwork {
  readonly family: Family;
  /** What was missing from the dumps and what stands in for it. */
  readonly assumed: readonly string[];
  isLocal(ip: Ip, dev?: string): boolean;
  /** The routing type of an address (RTN_*: LOCAL, UNICAST, BROADCAST, MULTICAST, UNSPEC, BLACKHOLE, ...). */
  addrType(ip: Ip, dev?: string): string;
  /**
   * Every type xt_addrtype sees in an address: IPv4 has one (inet_dev_addr_type); IPv6 has its kind by the
   * bits (UNICAST, MULTICAST, UNSPEC) plus what the route lookup says (LOCAL, ANYCAST, UNREACHABLE).
   */
  addrTypes(ip: Ip, dev?: string): ReadonlySet<string>;
  /** The routing decision for a destination that is not local; undefined when no route matches. */
  route(dst: Ip): RouteChoice | undefined;
  /** MASQUERADE's choice for a packet to `dst` leaving by `dev`: inet_select_addr for IPv4, ipv6_dev_get_saddr for IPv6. */
  masqueradeSource(dev: string | undefined, dst: Ip): Ip | undefined;
  /** REDIRECT's choice: the first address of the incoming interface. */
  firstAddress(dev: string): Ip | undefined;
  /** Whether the dumps name interfaces at all, so `-o`/`-i` can be decided for routed packets. */
  readonly knowsInterfaces: boolean;
  /**
   * Every prefix whose edges can change an answer above (local addresses and routes, and for IPv4 the ranges
   * addrtype singles out; IPv6 address kinds are ipv6-type.ts's): an address's answers are the same across
   * any stretch of addresses none of these edges cuts.
   */
  readonly prefixes: readonly Prefix[];
  sysctl(key: string): string | undefined;
}

export interface NetworkOptions {
  /** `--node-ip`: the node's addresses when no `ip addr` dump is given. */
  readonly nodeIps?: readonly string[];
  /** Where `nodeIps` came from, for the note that says so; `--node-ip` unless told. */
  readonly nodeIpsFrom?: string;
}

/** The node's addresses; one the paste masked takes the next of `standIns` (`--node-ip`), said in `assumed`. */
function addressesOf(node: NodeDumps, family: Family, standIns: Ip[], assumed: string[]): NodeAddress[] {
  const want = family === 'ipv4' ? 'inet' : 'inet6';
  const out: NodeAddress[] = [];
  for (const iface of node.interfaces) {
    for (const a of iface.addresses) {
      if (a.family !== want) continue;
      const ip = a.masked ? standIns.shift() : parseIp(a.address);
      if (a.masked)
        assumed.push(
          `${iface.name}'s address is masked in the paste (${a.address}): ${ip ? `${formatIp(ip)} stands in for it` : 'unknown, so packets to it are walked as passing through; give it with --node-ip'}`,
        );
      if (!ip) continue;
      const broadcast = a.broadcast ? parseIp(a.broadcast) : undefined;
      out.push({
        dev: iface.name,
        ip,
        prefix: makePrefix(ip, a.prefixLength),
        scope: SCOPES[a.scope ?? 'global'] ?? 0,
        secondary: a.flags.includes('secondary'),
        flags: a.flags,
        ...(broadcast ? { broadcast } : {}),
      });
    }
  }
  return out;
}

function routeFamily(r: Route): Family | undefined {
  const probe = r.dst === 'default' ? (r.via ?? r.nexthops?.[0]?.via) : r.dst;
  if (probe === undefined) return r.family === 'inet6' ? 'ipv6' : 'ipv4';
  return parsePrefix(probe)?.family;
}

/**
 * Candidates for a longest-prefix match, their IPv4 networks and masks as numbers (NaN for IPv6 ones) made once: made
 * from the bigints on every test, each was a heap number, and the walk asks once or more per path.
 */
interface Candidates<T extends { readonly prefix: Prefix }> {
  readonly items: readonly T[];
  readonly network4: readonly number[];
  readonly mask4: readonly number[];
}

function candidatesOf<T extends { readonly prefix: Prefix }>(items: readonly T[]): Candidates<T> {
  const v4 = (p: Prefix, x: bigint) => (p.family === 'ipv4' ? Number(x) : NaN);
  return {
    items,
    network4: items.map((c) => v4(c.prefix, c.prefix.network)),
    mask4: items.map((c) => v4(c.prefix, c.prefix.mask)),
  };
}

/**
 * The candidate with the longest prefix that holds `ip`; among those of that length the first, unless `better` says a
 * later one is. One pass without arrays.
 */
function longestMatch<T extends { readonly prefix: Prefix }>(
  candidates: Candidates<T>,
  ip: Ip,
  better?: (a: T, b: T) => boolean,
): T | undefined {
  const { items, network4, mask4 } = candidates;
  const ipv4 = ip.family === 'ipv4';
  const v4 = ipv4 ? Number(ip.value) : 0;
  let best: T | undefined;
  for (let i = 0; i < items.length; i++) {
    const c = items[i]!;
    if (ip.family !== c.prefix.family) continue;
    if (ipv4 ? (v4 & mask4[i]!) >>> 0 !== network4[i]! : !inPrefix(ip, c.prefix)) continue;
    const longer = best === undefined || c.prefix.length > best.prefix.length;
    if (longer || (c.prefix.length === best!.prefix.length && better?.(c, best!) === true)) best = c;
  }
  return best;
}

interface MainRoute {
  readonly prefix: Prefix;
  readonly type: string;
  readonly metric: number;
  readonly dev?: string;
  readonly via?: Ip;
}

export function nodeNetwork(node: NodeDumps, family: Family, options: NetworkOptions = {}): NodeNetwork {
  const assumed: string[] = [];
  const given = (options.nodeIps ?? []).map(parseIp).filter((ip): ip is Ip => ip?.family === family);
  let addresses = addressesOf(node, family, [...given], assumed);
  const knowsInterfaces = addresses.length > 0;
  if (!knowsInterfaces) {
    const loopback = parseIp(family === 'ipv4' ? '127.0.0.1' : '::1')!;
    addresses = [
      {
        dev: 'lo',
        ip: loopback,
        prefix: family === 'ipv4' ? makePrefix(loopback, 8) : hostPrefix(loopback),
        scope: 254,
        secondary: false,
        flags: [],
      },
      ...given.map((ip) => ({ dev: '', ip, prefix: hostPrefix(ip), scope: 0, secondary: false, flags: [] })),
    ];
    assumed.push(
      given.length > 0
        ? `no ip addr dump: the node's addresses are ${given.map(formatIp).join(', ')} (${options.nodeIpsFrom ?? '--node-ip'}), interfaces unknown`
        : "no ip addr dump and no --node-ip: only loopback addresses are local, so a packet to the node's own address (a NodePort) is walked as one passing through; give that address with --node-ip",
    );
  }

  const routes = node.routes.filter((r) => routeFamily(r) === family);
  const locals: LocalRoute[] = [];
  for (const a of addresses) {
    locals.push({ prefix: hostPrefix(a.ip), type: 'LOCAL', dev: a.dev });
    // The kernel makes a loopback interface's whole prefix local (fib_add_ifaddr), hence 127.0.0.0/8.
    if (a.dev === 'lo') locals.push({ prefix: a.prefix, type: 'LOCAL', dev: 'lo' });
    if (a.broadcast) locals.push({ prefix: hostPrefix(a.broadcast), type: 'BROADCAST', dev: a.dev });
  }
  for (const r of routes) {
    if (r.table !== 'local' || r.dst === 'default') continue;
    const prefix = parsePrefix(r.dst);
    if (prefix) locals.push({ prefix, type: r.type.toUpperCase(), ...(r.dev ? { dev: r.dev } : {}) });
  }

  const main: MainRoute[] = [];
  const zero = parseIp(family === 'ipv4' ? '0.0.0.0' : '::')!;
  for (const r of routes) {
    if (r.table !== 'main') continue;
    const prefix = r.dst === 'default' ? makePrefix(zero, 0) : parsePrefix(r.dst);
    if (!prefix) continue;
    const hop = r.nexthops?.[0];
    const dev = r.dev ?? hop?.dev;
    const via = r.via ?? hop?.via;
    const viaIp = via ? parseIp(via) : undefined;
    main.push({
      prefix,
      type: r.type,
      metric: r.metric ?? 0,
      ...(dev ? { dev } : {}),
      ...(viaIp ? { via: viaIp } : {}),
    });
    if (r.nexthops && new Set(r.nexthops.map((h) => h.dev)).size > 1) {
      assumed.push(
        `route ${r.dst} is multipath: the walk follows its first nexthop (${hop?.via ?? ''} dev ${hop?.dev ?? '?'})`,
      );
    }
  }
  const routeDump = node.routes.length > 0;
  if (!routeDump) {
    // Connected prefixes exist whenever the address does (the kernel adds them); anything else is assumed routed.
    for (const a of addresses)
      if (a.dev && a.dev !== 'lo') main.push({ prefix: a.prefix, type: 'unicast', metric: 0, dev: a.dev });
    main.push({ prefix: makePrefix(zero, 0), type: 'unicast', metric: Number.MAX_SAFE_INTEGER });
    assumed.push(
      'no ip route dump: every destination that is not local is assumed routed, out of an unknown interface',
    );
  } else {
    const filter = node.sections.find((s) => s.kind === 'ip-route' && s.source.partial)?.source.command;
    if (!main.some((r) => r.prefix.length === 0)) {
      // A node without a default route is rare; a route table pasted through grep or in part is not.
      main.push({ prefix: makePrefix(zero, 0), type: 'unicast', metric: Number.MAX_SAFE_INTEGER });
      assumed.push(
        `the ip route dump shows no ${family} default route${filter ? ` (filtered: ${filter})` : ', so it may be part of the table'}: destinations its routes do not cover are assumed routed, out of an unknown interface`,
      );
    } else if (filter) {
      assumed.push(
        `the ip route dump was filtered (${filter}): a route it does not show may send a packet another way than the walk does`,
      );
    }
  }
  if (routes.some((r) => r.table !== 'main' && r.table !== 'local')) {
    assumed.push(
      'routes in tables other than main exist; policy routing (ip rule) is not in the dumps, so only table main is used',
    );
  }

  const localsByPrefix = candidatesOf(locals);
  const mainByPrefix = candidatesOf(main);
  const isLocal = (ip: Ip, dev?: string) => localType(ip, dev) === 'LOCAL';

  function localType(ip: Ip, dev?: string): string | undefined {
    const hit = longestMatch(localsByPrefix, ip, (a, b) => a.type === 'LOCAL' && b.type !== 'LOCAL');
    if (!hit) return undefined;
    return dev === undefined || hit.dev === undefined || hit.dev === dev ? hit.type : undefined;
  }

  function addrType(ip: Ip, dev?: string): string {
    if (family === 'ipv4') {
      const v = Number(ip.value);
      // __inet_dev_addr_type: 0.0.0.0/8 and 255.255.255.255 are broadcast, 224.0.0.0/4 multicast.
      if (v >>> 24 === 0 || v === 0xffffffff) return 'BROADCAST';
      if (v >>> 28 === 0xe) return 'MULTICAST';
    } else {
      if (ip.value === 0n) return 'UNSPEC';
      if (ip.value >> 120n === 0xffn) return 'MULTICAST';
    }
    const local = localType(ip, dev);
    if (local) return local;
    const r = route(ip);
    return r && r.type !== 'unicast' ? r.type.toUpperCase() : 'UNICAST';
  }

  /** Of the longest prefixes, the lowest metric; the first of those on a tie. */
  const mainRoute = (dst: Ip): MainRoute | undefined => longestMatch(mainByPrefix, dst, (a, b) => a.metric < b.metric);

  // One choice per route, made on its first use: a lookup per path made one object with spreads each time.
  const choices = new Map<MainRoute, RouteChoice>();
  function route(dst: Ip): RouteChoice | undefined {
    const best = mainRoute(dst);
    if (!best) return undefined;
    let choice = choices.get(best);
    if (!choice) {
      choice = { type: best.type, ...(best.dev ? { dev: best.dev } : {}), ...(best.via ? { via: best.via } : {}) };
      choices.set(best, choice);
    }
    return choice;
  }

  /** match_lookup_rt6 and ipv6_addr_type (net/netfilter/xt_addrtype.c). */
  function addrTypes6(ip: Ip, dev: string | undefined): Set<string> {
    const kind = ipv6Type(ip).kind;
    const types = new Set<string>(
      kind === 'unicast' ? ['UNICAST'] : kind === 'multicast' ? ['MULTICAST'] : kind === 'any' ? ['UNSPEC'] : [],
    );
    // With an interface named, LOCAL means assigned to it (nf_ipv6_chk_addr, tentative ones not counted).
    const assigned =
      dev !== undefined &&
      addresses.some((a) => a.dev === dev && a.ip.value === ip.value && !a.flags.includes('tentative'));
    const local = longestMatch(localsByPrefix, ip);
    const best = local ? undefined : mainRoute(ip);
    // No route, or a reject route, is UNREACHABLE and nothing else from the lookup.
    if (!local && (!best || best.type !== 'unicast')) return types.add('UNREACHABLE');
    if (assigned || (dev === undefined && local?.type === 'LOCAL')) types.add('LOCAL');
    // ipv6_anycast_destination: an anycast route, or the subnet-router address of a connected prefix.
    const subnetRouter =
      best !== undefined && best.via === undefined && best.prefix.length < 127 && best.prefix.network === ip.value;
    if (local?.type === 'ANYCAST' || subnetRouter) types.add('ANYCAST');
    return types;
  }

  // IPv4 has one type per address: one set per type, not one per test (addrtype runs for most packets).
  const single = new Map<string, ReadonlySet<string>>();
  function addrTypes(ip: Ip, dev?: string): ReadonlySet<string> {
    if (family !== 'ipv4') return addrTypes6(ip, dev);
    const type = addrType(ip, dev);
    let set = single.get(type);
    if (!set) single.set(type, (set = new Set([type])));
    return set;
  }

  function masqueradeSource(dev: string | undefined, dst: Ip): Ip | undefined {
    return family === 'ipv4' ? selectSource4(dev, route(dst)?.via ?? dst) : selectSource6(addresses, dst, dev);
  }

  /** inet_select_addr(out, nexthop, RT_SCOPE_UNIVERSE). */
  let primaries: NodeAddress[] | undefined;
  function selectSource4(dev: string | undefined, nexthop: Ip): Ip | undefined {
    const primary = (primaries ??= addresses.filter((a) => !a.secondary && a.scope === 0));
    const pick =
      primary.find((a) => a.dev === dev && inPrefix(nexthop, a.prefix)) ?? primary.find((a) => a.dev === dev);
    if (pick) return pick.ip;
    // No global address on the out device: the kernel takes one from another device, loopback first.
    return (primary.find((a) => a.dev === 'lo') ?? primary.find((a) => a.dev !== ''))?.ip ?? primary[0]?.ip;
  }

  return {
    family,
    assumed,
    isLocal,
    addrType,
    addrTypes,
    route,
    masqueradeSource,
    firstAddress: (dev) => addresses.find((a) => a.dev === dev)?.ip,
    knowsInterfaces,
    prefixes: [
      ...locals.map((l) => l.prefix),
      ...main.map((r) => r.prefix),
      // addrTypes6's subnet-router anycast address of each connected prefix.
      ...main.map((r) => hostPrefix({ family, value: r.prefix.network })),
      ...(family === 'ipv4' ? ['0.0.0.0/8', '224.0.0.0/4', '255.255.255.255/32'].map((p) => parsePrefix(p)!) : []),
    ],
    sysctl: (key) => node.sysctl.get(key),
  };
}
