/**
 * Where the current rules send a new connection with a given original tuple: the destinations the walk's
 * paths end with after destination NAT, and whether any path leaves the destination as it was.
 */
import { hostPort } from '../services/describe';
import { type Probe, TraceError, type Tracer } from '../trace/index';

export interface Producible {
  /** `ip:port` (or `ip` for protocols without ports) of each rewritten destination. */
  readonly targets: ReadonlySet<string>;
  /** The same, sorted, for reports. */
  readonly now: readonly string[];
  /** Some path keeps the destination the client sent to. */
  readonly unchanged: boolean;
  /** Some path ends rejected or dropped: with no rewrite at all this is a service without endpoints. */
  readonly refused: boolean;
}

export const targetText = (ip: string, port: number | undefined) => (port === undefined ? ip : hostPort({ ip, port }));

/** The address and port of a `targetText`. */
export function splitTarget(text: string): { readonly ip: string; readonly port: number | null } {
  const m = /^\[(.*)\]:(\d+)$/.exec(text) ?? /^([^:]*):(\d+)$/.exec(text);
  return m ? { ip: m[1]!, port: Number(m[2]) } : { ip: text, port: null };
}

export function producible(tracer: Tracer, probe: Probe): Producible | { readonly undecided: string } {
  let result;
  try {
    result = tracer.trace(probe);
  } catch (e) {
    if (e instanceof TraceError) return { undecided: e.message };
    throw e;
  }
  const targets = new Set<string>();
  let unchanged = false;
  let refused = false;
  for (const path of result.paths) {
    if (path.verdict !== 'ACCEPT') refused = true;
    if (path.final.dst === probe.dst && path.final.dport === probe.dport) unchanged = true;
    else targets.add(targetText(path.final.dst, path.final.dport));
  }
  return { targets, now: [...targets].sort(), unchanged, refused };
}
