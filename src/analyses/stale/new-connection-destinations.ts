/**
 * Where the current rules send a new connection with a given original tuple: the destinations the walk's
 * paths end with after destination NAT, and whether any path leaves the destination as it was.
 */
import { endpointText } from '../finding-text';
import type { AddressIds } from './address-ids';
import { endpointNumber } from '../address-key';
import { type Probe, TraceError, type Tracer } from '../trace/index';

export interface Producible {
  /** `ip:port` (or `ip` for protocols without ports) of each rewritten destination, sorted, for reports. */
  readonly now: readonly string[];
  /** Some path keeps the destination the client sent to. */
  readonly unchanged: boolean;
  /** Some path ends rejected or dropped: with no rewrite at all this is a service without endpoints. */
  readonly refused: boolean;
  /**
   * Whether some path rewrites the destination to this address and port (a conntrack entry's reply source);
   * `address` is its number among the AddressIds the answer was made with.
   */
  produces(address: number, port: number | undefined): boolean;
  /** The endpointNumbers of the rewritten destinations, each once: what `produces` looks for. */
  readonly targets: Float64Array;
  /**
   * The numbers of the stale verdicts judged with this answer, by kind (an index) and service: most of a million
   * stale entries share a few thousand, found here without a lookup by the answer itself.
   */
  readonly staleVerdicts: (Map<string | null, number> | undefined)[];
}

export interface Destination {
  readonly ip: string;
  readonly port: number | undefined;
}

/**
 * Looked up by number rather than by `ip:port` text: this runs once per conntrack entry, and building and
 * hashing that text was a good part of judging a million entries.
 */
export function producibleOf(
  targets: readonly Destination[],
  unchanged: boolean,
  refused: boolean,
  ids: AddressIds,
): Producible {
  // A service has few endpoints: a scan of their numbers costs less than hashing one past the small integers.
  const keys = Float64Array.from(new Set(targets.map((t) => endpointNumber(ids.id(t.ip), t.port))));
  const many = keys.length > 16 ? new Set(keys) : undefined;
  return {
    now: [...new Set(targets.map((t) => endpointText(t.ip, t.port)))].sort(),
    unchanged,
    refused,
    targets: keys,
    produces: many
      ? (address, port) => many.has(endpointNumber(address, port))
      : (address, port) => keys.includes(endpointNumber(address, port)),
    staleVerdicts: [],
  };
}

/** The address and port of an `endpointText`. */
export function splitTarget(text: string): { readonly ip: string; readonly port: number | null } {
  const m = /^\[(.*)\]:(\d+)$/.exec(text) ?? /^([^:]*):(\d+)$/.exec(text);
  return m ? { ip: m[1]!, port: Number(m[2]) } : { ip: text, port: null };
}

export function producible(tracer: Tracer, probe: Probe, ids: AddressIds): Producible | { readonly undecided: string } {
  let result;
  try {
    result = tracer.trace(probe);
  } catch (e) {
    if (e instanceof TraceError) return { undecided: e.message };
    throw e;
  }
  const targets: Destination[] = [];
  let unchanged = false;
  let refused = false;
  for (const path of result.paths) {
    if (path.verdict !== 'ACCEPT') refused = true;
    if (path.final.dst === probe.dst && path.final.dport === probe.dport) unchanged = true;
    else targets.push({ ip: path.final.dst, port: path.final.dport });
  }
  return producibleOf(targets, unchanged, refused, ids);
}
