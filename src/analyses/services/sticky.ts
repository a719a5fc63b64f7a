/**
 * Session affinity's sticky clients on one node: each record the dump shows (a live element of an nft
 * `affinity-…` set) checked against the endpoints new connections to the service reach on that node. For a
 * client pinned to an endpoint they no longer reach, the walk says where the client's next connection goes,
 * with the dump's set contents taken as they are (the client is in the sets that show it, in no other).
 */
import type { KubeService } from '../../graph/service-model';
import { parseIp } from '../../model/address';
import { endpointKey } from '../address-key';
import type { NodeContext } from '../node/index';
import { TraceError } from '../trace/index';
import type { EntryOutcome, StickyClientOnNode } from './model';
import { outcomeOf, probeFor } from './walk-outcome';

export function stickyClients(
  ctx: NodeContext,
  service: KubeService,
  outcomes: readonly EntryOutcome[],
): StickyClientOnNode[] {
  if (service.stickyClients.length === 0) return [];
  const reached = new Set(
    outcomes.flatMap((o) => o.endpoints.filter((e) => e.probability > 0).map((e) => endpointKey(e.ip, e.port))),
  );
  // Affinity holds per service port whatever address the client used; the cluster IP stands for them all.
  const entry = outcomes.find((o) => o.entry.kind === 'clusterIP')?.entry ?? outcomes[0]?.entry;
  return service.stickyClients.map((s) => {
    const endpointLive = reached.has(endpointKey(s.endpoint.ip, s.endpoint.port));
    if (endpointLive || !entry || !ctx.tracer || !ctx.clients || !parseIp(s.client)) return { ...s, endpointLive };
    const probe = probeFor(service, entry, ctx.clients, ctx.tracer, s.client);
    try {
      return { ...s, endpointLive, next: outcomeOf(entry, probe, ctx.tracer.ends(probe)) };
    } catch (e) {
      if (!(e instanceof TraceError)) throw e;
      return { ...s, endpointLive };
    }
  });
}
