/**
 * A node's IPVS virtual services as its listings show them together. Listings of one moment complement each
 * other (`ipvsadm -Sn` has the scheduler and weights `--stats` leaves out), and listings of one service each
 * (`ipvsadm -Ln -t VIP:PORT`) add up; whole listings of the same kind are snapshots, where the later wins.
 */
import type { IpvsDestination, IpvsListing, IpvsService } from './ipvs';
import { groupBy } from './group-by';
import type { NodeDumps } from './node';
import type { Section } from './section';

export type IpvsSection = Extract<Section, { kind: 'ipvsadm' }>;

/** Listings with the scheduler, weights and connection counters first: `-Ln`, /proc, `-Sn`, then the rest. */
const LISTING_RANK: readonly IpvsListing[] = ['list', 'proc', 'save', 'thresholds', 'persistent-conn', 'stats', 'rate'];

const serviceKey = (s: IpvsService) =>
  `${s.protocol} ${s.fwmark ?? ''} ${s.endpoint?.address ?? ''} ${s.endpoint?.port ?? ''}`;
const destinationKey = (d: IpvsDestination) => `${d.endpoint.address} ${d.endpoint.port ?? ''}`;

/** The service as `base` lists it, with the scheduler and weights another listing of it shows where `base` has none. */
function completed(base: IpvsService, others: readonly IpvsService[]): IpvsService {
  const scheduled = base.scheduler === undefined ? others.find((o) => o.scheduler !== undefined) : undefined;
  const weighted = base.destinations.some((d) => d.weight === undefined)
    ? new Map(
        others.flatMap((o) =>
          o.destinations.flatMap((d) => (d.weight === undefined ? [] : [[destinationKey(d), d.weight] as const])),
        ),
      )
    : undefined;
  if (!scheduled && !weighted?.size) return base;
  return {
    ...base,
    ...(scheduled
      ? {
          scheduler: scheduled.scheduler,
          ...(scheduled.schedulerFlags ? { schedulerFlags: scheduled.schedulerFlags } : {}),
          ...(scheduled.persistent !== undefined && base.persistent === undefined
            ? { persistent: scheduled.persistent }
            : {}),
        }
      : {}),
    destinations: weighted?.size
      ? base.destinations.map((d) => {
          const weight = d.weight ?? weighted.get(destinationKey(d));
          return weight === undefined ? d : { ...d, weight };
        })
      : base.destinations,
  };
}

/**
 * The richest listing of the node's virtual services, completed by the others; one-service listings (a partial
 * source: `-t`, `| grep`) joined with the other partial ones. Undefined without any virtual service.
 */
export function nodeIpvsTable(node: NodeDumps): IpvsSection | undefined {
  const tables = node.sections.filter((s): s is IpvsSection => s.kind === 'ipvsadm' && s.services.length > 0);
  // Best rank first; within a rank, the later listing first.
  const ranked = tables
    .map((s, i) => ({ s, i, rank: rankOf(s) }))
    .sort((a, b) => a.rank - b.rank || b.i - a.i)
    .map((x) => x.s);
  const best = ranked[0];
  if (!best) return undefined;
  const shown = best.source.partial ? ranked.filter((s) => s.source.partial) : [best];
  const byKey = new Map<string, IpvsService>();
  for (const s of shown)
    for (const v of s.services) {
      const key = serviceKey(v);
      if (!byKey.has(key)) byKey.set(key, v);
    }
  const listed = groupBy(
    tables.flatMap((s) => s.services),
    serviceKey,
  );
  const services = [...byKey].map(([key, v]) =>
    completed(
      v,
      listed.get(key)!.filter((o) => o !== v),
    ),
  );
  const same = services.length === best.services.length && services.every((v, i) => v === best.services[i]);
  return same ? best : { ...best, services };
}

/**
 * A listing's place in LISTING_RANK; one without -n (EKS's `ipvsadm --save` names services by host) after any
 * numeric one.
 */
function rankOf(s: IpvsSection): number {
  const r = LISTING_RANK.indexOf(s.listing);
  const named = s.services.some((v) => v.endpoint && !v.endpoint.numeric);
  return (r < 0 ? LISTING_RANK.length : r) + (named ? LISTING_RANK.length + 1 : 0);
}
