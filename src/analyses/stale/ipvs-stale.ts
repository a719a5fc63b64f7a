/**
 * IPVS's own connection table (`ipvsadm -Lnc`) against its virtual services (`ipvsadm -Ln`): a connection
 * to a real server or virtual service that is no longer listed is stale; one to a weight-0 real server is
 * a terminating endpoint still draining, which kube-proxy leaves alone on purpose.
 */
import type { IpvsConnection } from '../../model/ipvs';
import type { FamilyContext } from './family-context';
import type { StaleKind } from './model';
import { endpointText } from '../finding-text';

/** IPVS drops a connection whose real server is gone on its next packet, instead of sending it nowhere. */
export const IPVS_CLEANUP = 'sysctl -w net.ipv4.vs.expire_nodest_conn=1';

const TEMPLATE_PROTOCOLS = ['tcp', 'udp', 'sctp'];

export type ConnectionVerdict =
  | { readonly verdict: 'valid' }
  | { readonly verdict: 'terminating'; readonly service: string | null; readonly server: string }
  | {
      readonly verdict: 'stale';
      readonly kind: StaleKind;
      readonly reason: string;
      readonly service: string | null;
      readonly now: readonly string[];
    };

export function judgeConnection(ctx: FamilyContext, c: IpvsConnection): ConnectionVerdict {
  const proto = c.protocol.toLowerCase();
  const virtual = endpointText(c.virtual.address, c.virtual.port);
  const server = endpointText(c.destination.address, c.destination.port);
  // A persistence template (protocol IP) pins a client to a real server for every protocol of the address.
  const v =
    proto === 'ip'
      ? TEMPLATE_PROTOCOLS.map((p) => ctx.virtualAt(p, c.virtual.address, c.virtual.port)).find((x) => x !== undefined)
      : ctx.virtualAt(proto, c.virtual.address, c.virtual.port);
  if (!v)
    return {
      verdict: 'stale',
      kind: 'ipvs-service-gone',
      reason: `virtual service ${proto} ${virtual} is no longer in the IPVS table`,
      service: ctx.serviceAt(proto, c.virtual.address, c.virtual.port),
      now: [],
    };
  const now = v.virtual.destinations.map((d) => endpointText(d.endpoint.address, d.endpoint.port)).sort();
  const dest = v.virtual.destinations.find(
    (d) => d.endpoint.address === c.destination.address && d.endpoint.port === c.destination.port,
  );
  if (!dest)
    return {
      verdict: 'stale',
      kind: 'ipvs-real-server-gone',
      reason: `real server ${server} is no longer behind ${proto} ${virtual} (now: ${now.join(', ') || 'none'})`,
      service: v.service,
      now,
    };
  if (dest.weight === 0) return { verdict: 'terminating', service: v.service, server };
  return { verdict: 'valid' };
}
