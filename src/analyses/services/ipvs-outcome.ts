/**
 * IPVS mode: the share of each real server comes from the virtual service's scheduler (the kernel's
 * net/netfilter/ipvs/ip_vs_*.c). rr and wrr are exact over a cycle; lc, wlc, sed, nq, fo and ovf choose by
 * the live connection counts, so the dump tells only where the next connection goes; the hashing
 * schedulers (sh, dh, mh, lblc, lblcr) spread many clients in proportion to weight. Weight-0 servers
 * (terminating endpoints) get nothing new.
 */
import { canonicalAddress } from '../../../grammar/shared/address';
import type { IpvsEntry } from '../../graph/ipvs-services';
import type { IpvsDestination } from '../../model/ipvs';
import type { EndpointShare, EntryOutcome } from './model';
import { byAddress } from './walk-outcome';

type Dest = IpvsDestination & { readonly weight: number; readonly active: number; readonly inactive: number };

/** ip_vs_dest_conn_overhead: active connections weigh 256 times an inactive one. */
const overhead = (d: Dest) => d.active * 256 + d.inactive;

/** The first destination with the least `cost`, as the kernel's loops keep the first of equals. */
function least(dests: readonly Dest[], cost: (d: Dest) => number): Dest | undefined {
  return dests.reduce<Dest | undefined>(
    (best, d) => (best === undefined || cost(d) < cost(best) ? d : best),
    undefined,
  );
}

interface Shares {
  readonly weights: ReadonlyMap<Dest, number>;
  readonly estimate?: string;
}

function next(d: Dest | undefined, scheduler: string): Shares {
  return {
    weights: new Map(d ? [[d, 1]] : []),
    estimate: `${scheduler} chooses by the connection counts at the moment; the dump's counters send the next new connection here`,
  };
}

function schedule(scheduler: string, usable: readonly Dest[]): Shares {
  switch (scheduler) {
    case 'rr':
      return { weights: new Map(usable.map((d) => [d, 1])) };
    case 'wrr':
      return { weights: new Map(usable.map((d) => [d, d.weight])) };
    case 'lc':
      return next(least(usable, overhead), scheduler);
    case 'wlc':
      return next(
        least(usable, (d) => overhead(d) / d.weight),
        scheduler,
      );
    case 'sed':
      return next(
        least(usable, (d) => (d.active + 1) / d.weight),
        scheduler,
      );
    case 'nq':
      return next(usable.find((d) => d.active === 0) ?? least(usable, (d) => (d.active + 1) / d.weight), scheduler);
    case 'fo':
      return { weights: new Map([[least(usable, (d) => -d.weight)!, 1]]) };
    case 'ovf':
      return next(
        least(
          usable.filter((d) => d.active < d.weight),
          (d) => -d.weight,
        ),
        scheduler,
      );
    default:
      return {
        weights: new Map(usable.map((d) => [d, d.weight])),
        estimate: `${scheduler} hashes each client to a server: across many clients the shares follow the weights`,
      };
  }
}

/** What a listing without -n could not tell about the real servers (ipvs-services.ts ipvsNotes says it per node). */
function unresolved(dests: readonly IpvsDestination[]): string[] {
  return dests.flatMap(({ endpoint: e }) => {
    if (e.numeric) return [];
    const named = canonicalAddress(e.address) === undefined;
    const port =
      e.port !== undefined
        ? ''
        : `its port is unknown (${e.cut ? 'cut off by ipvsadm -L' : e.portName !== undefined ? `'${e.portName}' is no service name nfwalk knows` : 'not listed'}), shown as 0`;
    const host = named ? 'a host name nothing resolves offline' : '';
    const said = [host, port].filter(Boolean).join('; ');
    return said ? [`real server ${e.address}${e.portName !== undefined ? `:${e.portName}` : ''}: ${said}`] : [];
  });
}

export function ipvsOutcome({ entry, virtual }: IpvsEntry): EntryOutcome {
  const dests: Dest[] = virtual.destinations.map((d) => ({
    ...d,
    weight: d.weight ?? 1,
    active: d.activeConn ?? 0,
    inactive: d.inactConn ?? 0,
  }));
  const usable = dests.filter((d) => d.weight > 0);
  // `--stats` and `--rate` print no scheduler: kube-proxy's default (--ipvs-scheduler) is the likeliest.
  const scheduler = virtual.scheduler ?? 'rr';
  const scheduled = usable.length ? schedule(scheduler, usable) : { weights: new Map<Dest, number>() };
  const { weights } = scheduled;
  const estimate =
    virtual.scheduler === undefined && usable.length
      ? "the listing shows no scheduler (ipvsadm --stats and --rate print none): kube-proxy's default, rr, is assumed"
      : scheduled.estimate;
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const endpoints: EndpointShare[] = dests
    .map((d) => ({
      ip: d.endpoint.address,
      port: d.endpoint.port ?? 0,
      probability: total > 0 ? (weights.get(d) ?? 0) / total : 0,
      weight: d.weight,
    }))
    .sort(byAddress);
  const forwarded = total > 0 ? 1 : 0;
  return {
    entry,
    // ip_vs_leave answers a connection no real server can take with ICMP port unreachable.
    verdict: forwarded ? 'forward' : 'reject',
    endpoints,
    drop: 0,
    reject: 1 - forwarded,
    unhandled: 0,
    masquerade: null,
    client: { src: '*', dst: `${entry.ip ?? virtual.endpoint?.address ?? ''}` },
    duplicates: [],
    ...(estimate ? { estimate } : {}),
    assumptions: unresolved(virtual.destinations),
  };
}
