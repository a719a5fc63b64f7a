/** The fate of a new connection at one entry point of one node: IPVS's scheduler where a virtual service takes it, else the packet walk. */
import type { EntryPoint, KubeService } from '../../graph/service-model';
import { parseIp } from '../../model/address';
import { TraceError } from '../trace/index';
import { ipvsOutcome } from './ipvs-outcome';
import type { EntryOutcome } from './model';
import { type NodeContext, entryKey } from '../node/index';
import { outcomeOf, probeFor } from './walk-outcome';

/** An IPVS-only node without a virtual service for the entry point: nothing takes the connection. */
function notServed(entry: EntryPoint): EntryOutcome {
  return {
    entry,
    verdict: 'reject',
    endpoints: [],
    drop: 0,
    reject: 0,
    unhandled: 1,
    masquerade: null,
    client: { src: '*', dst: entry.ip ?? '*' },
    duplicates: [],
    assumptions: [],
  };
}

export function evaluate(
  ctx: NodeContext,
  service: KubeService,
  entry: EntryPoint,
  warn: (w: string) => void,
): EntryOutcome | undefined {
  // The key is made only where there is a table to look it up in: most nodes have no IPVS.
  const virtual =
    ctx.ipvs.size > 0 ? ctx.ipvs.get(entryKey(entry.kind, entry.ip, entry.port, service.protocol)) : undefined;
  if (virtual) return { ...ipvsOutcome(virtual), entry };
  if (!ctx.tracer || !ctx.clients) return notServed(entry);
  if (entry.ip !== null && !parseIp(entry.ip)) {
    warn(
      `${service.name} ${entry.kind} ${entry.ip}:${entry.port}: the address is masked in the dump, so no packet to it can be walked`,
    );
    return undefined;
  }
  const probe = probeFor(service, entry, ctx.clients, ctx.tracer);
  try {
    const result = ctx.tracer.ends(probe);
    for (const w of result.warnings) warn(w);
    return outcomeOf(entry, probe, result);
  } catch (e) {
    if (!(e instanceof TraceError)) throw e;
    warn(`${service.name} ${entry.kind} ${entry.ip ?? ctx.clients.nodeIp}:${entry.port}: ${e.message}`);
    return undefined;
  }
}
