/**
 * Findings that need several nodes, or at least a node per outcome: externalTrafficPolicy: Local entry
 * points that some nodes drop (the load balancer must avoid them), and nodes that disagree on a
 * service's endpoints (a kube-proxy that stopped syncing).
 */
import type { Finding } from '../finding';
import { entryText, hostPort, kubectlTarget } from '../finding-text';
import type { EntryOutcome, ServiceView } from './model';
import { groupBy } from '../../model/group-by';

const EXTERNAL_KINDS = new Set(['nodePort', 'loadBalancer', 'externalIP', 'external']);

const endpointSet = (o: EntryOutcome | undefined) =>
  (o?.endpoints ?? [])
    .filter((e) => e.probability > 0)
    .map(hostPort)
    .join(', ');

function localDrops(view: ServiceView): Finding[] {
  const { service } = view;
  if (service.externalTrafficPolicy !== 'Local') return [];
  const hcnp = service.entryPoints.find((e) => e.kind === 'healthCheckNodePort');
  return service.entryPoints
    .filter((e) => EXTERNAL_KINDS.has(e.kind))
    .flatMap((entry) => {
      const outcomes = view.nodes
        .map((n) => ({ node: n.node, o: n.outcomes.find((o) => o.entry === entry) }))
        .filter((x) => x.o !== undefined);
      const dropping = outcomes.filter((x) => x.o!.verdict !== 'forward').map((x) => x.node);
      if (dropping.length === 0) return [];
      const forwarding = outcomes.filter((x) => x.o!.verdict === 'forward').map((x) => x.node);
      // One node without a local endpoint drops by design; whether the cluster blackholes needs the others.
      const alone = outcomes.length === 1;
      return [
        {
          code: 'SVC_LOCAL_POLICY_DROPS',
          severity: alone ? ('info' as const) : forwarding.length === 0 ? ('error' as const) : ('warning' as const),
          subject: service.name,
          message:
            `${entryText(entry)} of ${service.name} (externalTrafficPolicy: Local) is dropped on ${dropping.join(', ')}, which ${dropping.length === 1 ? 'has' : 'have'} no local endpoint` +
            (forwarding.length
              ? `; forwarded on ${forwarding.join(', ')}`
              : alone
                ? '; no other node was given, so whether any node forwards it is not known'
                : '; no node given forwards it'),
          evidence: [entry.evidence],
          remedy: hcnp
            ? `the load balancer must send only to nodes that pass its health check on port ${hcnp.port} (/healthz); if it sends here anyway, fix its health check or use externalTrafficPolicy: Cluster`
            : "the load balancer must health-check the service's healthCheckNodePort and send only to nodes that pass; otherwise use externalTrafficPolicy: Cluster",
        },
      ];
    });
}

function endpointsDiffer(view: ServiceView): Finding[] {
  const { service } = view;
  if (service.internalTrafficPolicy === 'Local' || view.nodes.length < 2) return [];
  return service.entryPoints
    .filter((e) => e.kind === 'clusterIP')
    .flatMap((entry) => {
      const byNode = view.nodes.map((n) => ({
        node: n.node,
        set: endpointSet(n.outcomes.find((o) => o.entry === entry)),
      }));
      const groups = new Map(
        [...groupBy(byNode, (x) => x.set)].map(([set, list]) => [set, list.map((x) => x.node)] as const),
      );
      if (groups.size < 2) return [];
      const ranked = [...groups].sort((a, b) => b[1].length - a[1].length);
      const [majoritySet, majority] = ranked[0]!;
      const odd = ranked.slice(1);
      const k = kubectlTarget(service);
      return [
        {
          code: 'SVC_ENDPOINTS_DIFFER',
          severity: 'error' as const,
          subject: service.name,
          message: `nodes disagree on the endpoints of ${entryText(entry)}: ${majority.join(', ')} → ${majoritySet || 'none'}; ${odd.map(([set, nodes]) => `${nodes.join(', ')} → ${set || 'none'}`).join('; ')}`,
          evidence: [entry.evidence],
          remedy: `the node(s) with the odd set have rules from an older sync: check kube-proxy there (logs, sync_proxy_rules_last_timestamp_seconds) and restart it${k ? `; the current endpoints: kubectl -n ${k.ns} get endpointslices -l kubernetes.io/service-name=${k.svc}` : ''}`,
        },
      ];
    });
}

export function clusterFindings(view: ServiceView): Finding[] {
  const drops = localDrops(view);
  const differ = endpointsDiffer(view);
  // Both are empty for most services: no third list to join them.
  return drops.length === 0 ? differ : differ.length === 0 ? drops : [...drops, ...differ];
}
