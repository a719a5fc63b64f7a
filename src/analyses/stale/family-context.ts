/**
 * What deciding one node's entries of one address family needs, built once: the walk and its cache of
 * answers per flow key, and lookups from an entry point to the service that owns it and to the IPVS
 * virtual service behind it.
 */
import type { IpvsService } from '../../model/ipvs';
import type { TableAddresses } from '../../model/address-interner';
import { filterOf, gapsOf } from '../../model/gaps';
import { holdsMaskedAddress } from '../../model/masked';
import { competingRulesets, strangerFiles } from '../../model/mixed-hosts';
import { rulesetsOf } from '../../model/node';
import { type Ruleset, saveCommandOf } from '../../model/ruleset';
import type { NodeContext } from '../node/index';
import { parseIp } from '../../model/address';
import { AddressIds } from './address-ids';
import { KeyIndex } from './key-index';
import { AnswerCache } from './answer-cache';
import type { EntryRow } from './entry-row';
import type { StaleVerdict } from './conntrack-stale';
import type { Numbered } from './stale-list';
import { flowKeyOf } from './flow-key';
import { CLUSTER_IP_SET, KUBE_LOAD_BALANCER } from '../../model/kube-proxy-chains';

export interface VirtualService {
  readonly virtual: IpvsService;
  readonly service: string | null;
}

export interface FamilyContext {
  readonly node: string;
  /** The walk's answers, when the node has rules of this family. */
  readonly answers?: AnswerCache;
  /** Numbers for the addresses compared: the answers' targets, entry points, entries' addresses. */
  readonly addressIds: AddressIds;
  /** The service an `ip:port` (or, for NodePorts, `*:port`) of a protocol belongs to. */
  serviceAt(proto: string, ip: string, port: number | undefined): string | null;
  /** serviceAt for an entry's original destination, found by numbers. */
  serviceOfRow(e: EntryRow): string | null;
  /** serviceAt for address `i` of a table's `addresses`, found by numbers. */
  serviceOfTable(proto: string, addresses: TableAddresses, i: number, port: number | undefined): string | null;
  /** The stale verdicts judged in this context, numbered: shared by the analysis's lists of stale entries. */
  readonly verdicts: Numbered<StaleVerdict>;
  virtualAt(proto: string, ip: string, port: number | undefined): VirtualService | undefined;
  /** The dumps list this family's IPVS virtual services, so IPVS connections can be checked. */
  readonly hasIpvs: boolean;
  /** Why no entry of this family can be decided, when that is so. */
  readonly blocked?: string;
  /** Why the rules are only part of the node's (a truncated or grepped dump): no entry can be shown stale. */
  readonly partial?: string;
  /** The IPVS listing shows some virtual services only (`ipvsadm -Ln -t VIP:PORT`, `| grep`): see IpvsShown. */
  readonly ipvsShown?: IpvsShown;
  /**
   * Neither an `ip addr` dump nor `--node-ip` says which addresses are the node's: the walk knows only a
   * stand-in, so a NodePort connection to the node's real address looks like one to a deleted service.
   */
  readonly nodeAddressUnknown: boolean;
}

/** A filtered IPVS listing: a virtual service it does not show may be there; with a pipe, a real server too. */
export interface IpvsShown {
  readonly reason: string;
  /** Each service shown is shown whole (`-t VIP:PORT` lists all its real servers; a grep may drop some). */
  readonly serversWhole: boolean;
}

function ipvsShownOf(table: NodeContext['ipvsTable']): IpvsShown | undefined {
  const command = table && filterOf(table.source);
  return command
    ? {
        reason: `the IPVS listing at ${table.source.path}:${table.source.startLine} was filtered (\`${command}\`): a virtual service or real server it does not show may still be there`,
        serversWhole: !command.includes('|'),
      }
    : undefined;
}

const at = (proto: string, ip: string, port: number | undefined) => `${proto} ${ip} ${port ?? ''}`;

/** Services by protocol, address number and port in a flat index: looked up for every stale entry, without a key. */
class ServiceIndex {
  private readonly protocols = new Map<string, number>();
  private readonly index = new KeyIndex();
  private readonly names: string[] = [];

  /** `address` is an AddressIds number, or -1 for a NodePort's entry point (no address). */
  set(proto: string, address: number, port: number | undefined, name: string): void {
    let p = this.protocols.get(proto);
    if (p === undefined) this.protocols.set(proto, (p = this.protocols.size));
    const known = this.index.get(p, address + 1, (port ?? -1) + 1, 0);
    if (known >= 0) this.names[known] = name;
    else {
      this.index.add(p, address + 1, (port ?? -1) + 1, 0, this.names.length);
      this.names.push(name);
    }
  }

  get(proto: string, address: number, port: number | undefined): string | undefined {
    const p = this.protocols.get(proto);
    if (p === undefined) return undefined;
    const at = this.index.get(p, address + 1, (port ?? -1) + 1, 0);
    return at < 0 ? undefined : this.names[at];
  }
}

/** kube-proxy in IPVS mode: its iptables rules only glue; the DNAT happens in IPVS. */
function ipvsModeRules(ruleset: Ruleset): boolean {
  const nat = ruleset.tables.find((t) => t.name === 'nat');
  return (
    nat?.chains.some(
      (c) =>
        c.name === KUBE_LOAD_BALANCER ||
        c.rules.some((r) =>
          r.matches.some((m) => m.module === 'set' && CLUSTER_IP_SET.test(m.matchSet?.value.name ?? '')),
        ),
    ) ?? false
  );
}

export function familyContext(ctx: NodeContext, verdicts: Numbered<StaleVerdict>): FamilyContext {
  const addressIds = new AddressIds();
  const services = new ServiceIndex();
  // A NodePort's entry point has no address: a number no address has.
  const ANY = -1;
  for (const s of ctx.services)
    for (const e of s.entryPoints) services.set(s.protocol, e.ip ? addressIds.id(e.ip) : ANY, e.port, s.name);
  const virtuals = new Map<string, VirtualService>();
  for (const v of ctx.ipvsTable?.services ?? []) {
    if (v.family !== ctx.family || !v.endpoint || v.protocol === 'FWM') continue;
    const proto = v.protocol.toLowerCase();
    virtuals.set(at(proto, v.endpoint.address, v.endpoint.port), {
      virtual: v,
      service:
        services.get(proto, addressIds.id(v.endpoint.address), v.endpoint.port) ??
        services.get(proto, ANY, v.endpoint.port) ??
        null,
    });
  }
  const sections = rulesetsOf(ctx.node, ctx.family);
  const walked = sections.length > 0 || (ctx.tracer?.walksNft ?? false);
  const blocked = !walked
    ? virtuals.size === 0
      ? `no ${saveCommandOf(ctx.family)} dump`
      : undefined
    : virtuals.size === 0 && sections.some((s) => ipvsModeRules(s.ruleset))
      ? 'kube-proxy runs in IPVS mode here but the dumps hold no ipvsadm table: the DNAT targets are unknown'
      : undefined;
  const cut = sections.find((s) => gapsOf(s).length > 0);
  const masked = sections.find((s) => holdsMaskedAddress(s.ruleset));
  const strangers = strangerFiles(ctx.node);
  const competing = competingRulesets(ctx.node).find((g) => g[0]!.ruleset.family === ctx.family);
  const partial = cut
    ? `the ${cut.kind} dump at ${cut.source.path}:${cut.source.startLine} is only part of the ruleset (${gapsOf(cut)
        .map((g) => g.kind)
        .join(', ')}): what it does not show may still produce the entry`
    : masked
      ? `the ${masked.kind} dump at ${masked.source.path}:${masked.source.startLine} has addresses masked (x.x.x.x, <node-ip>): a masked one may be the entry's`
      : strangers.length > 1
        ? `the files of this node look like different machines (their ip addr share no address: ${strangers.map(([f]) => f).join(', ')}): the rules may not be the conntrack table's`
        : competing &&
          `the node's files hold ${competing.length} whole ${competing[0]!.kind} dumps (${competing.map((r) => r.source.path).join(', ')}): which one the conntrack table was taken with is unknown`;
  const ipvsShown = virtuals.size > 0 ? ipvsShownOf(ctx.ipvsTable) : undefined;
  const tracer = ctx.tracer;
  // Asked for every stale entry to a NodePort: parsed once per address.
  const nodeAddresses = new Map<number, boolean>();
  const isNodeAddress = (ip: string, id: number) => {
    let local = nodeAddresses.get(id);
    if (local === undefined) {
      const parsed = parseIp(ip);
      local = parsed !== undefined && tracer !== undefined && tracer.network.isLocal(parsed);
      nodeAddresses.set(id, local);
    }
    return local;
  };
  const serviceAtId = (proto: string, ip: string, id: number, port: number | undefined) =>
    services.get(proto, id, port) ?? (isNodeAddress(ip, id) ? (services.get(proto, ANY, port) ?? null) : null);
  return {
    node: ctx.node.name,
    ...(tracer && walked
      ? {
          answers: new AnswerCache(
            tracer,
            flowKeyOf(tracer.rulesets, tracer.network, tracer.nftFlowTests()),
            addressIds,
          ),
        }
      : {}),
    addressIds,
    serviceAt: (proto, ip, port) => serviceAtId(proto, ip, addressIds.id(ip), port),
    serviceOfRow: (e) => serviceAtId(e.proto, e.orig.dst, addressIds.ofTable(e.addresses, e.origDstId), e.orig.dport),
    serviceOfTable: (proto, addresses, i, port) =>
      serviceAtId(proto, addresses.textOf(i), addressIds.ofTable(addresses, i), port),
    verdicts,
    virtualAt: (proto, ip, port) => virtuals.get(at(proto, ip, port)),
    hasIpvs: virtuals.size > 0,
    ...(blocked ? { blocked } : {}),
    ...(partial ? { partial } : {}),
    ...(ipvsShown ? { ipvsShown } : {}),
    nodeAddressUnknown: (ctx.clients?.assumedNodeIps.length ?? 0) > 0,
  };
}
