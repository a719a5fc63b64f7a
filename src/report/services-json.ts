/**
 * `nfwalk services --json` (contracts.md): per service its cluster IP, NodePort and the endpoints a new
 * connection to the cluster IP gets, and per node what a new connection from outside to the NodePort gets;
 * then every entry point per node, the live-connection test, and the findings.
 */
import {
  type EndpointShare,
  type EntryOutcome,
  type EntryPoint,
  type ServiceView,
  type ServicesAnalysis,
  type StickyClientOnNode,
  consensusEndpoints,
} from '../analyses/services/index';

const shares = (endpoints: readonly EndpointShare[]) =>
  endpoints.map((e) => ({
    ip: e.ip,
    port: e.port,
    probability: e.probability,
    ...(e.weight !== undefined ? { weight: e.weight } : {}),
  }));

const entryOf = (e: EntryPoint) => ({
  kind: e.kind,
  ip: e.ip,
  port: e.port,
  ...(e.sourceRanges ? { sourceRanges: e.sourceRanges } : {}),
  evidence: e.evidence,
});

function outcomeJson(o: EntryOutcome) {
  return {
    ...entryOf(o.entry),
    verdict: o.verdict,
    endpoints: shares(o.endpoints),
    drop: o.drop,
    reject: o.reject,
    unhandled: o.unhandled,
    masquerade: o.masquerade,
    client: o.client,
    ...(o.estimate ? { estimate: o.estimate } : {}),
    ...(o.duplicates.length ? { duplicates: o.duplicates } : {}),
    ...(o.assumptions.length ? { assumptions: o.assumptions } : {}),
    ...(o.afterDnat ? { afterDnat: o.afterDnat } : {}),
  };
}

const stickyJson = (c: StickyClientOnNode) => ({
  client: c.client,
  endpoint: c.endpoint,
  expiresSeconds: c.expiresSeconds,
  endpointLive: c.endpointLive,
  set: c.set,
  evidence: c.evidence,
  ...(c.next ? { next: outcomeJson(c.next) } : {}),
});

function serviceJson(view: ServiceView) {
  const s = view.service;
  const cluster = s.entryPoints.find((e) => e.kind === 'clusterIP');
  const nodePort = s.entryPoints.find((e) => e.kind === 'nodePort');
  const ips = (kinds: readonly EntryPoint['kind'][]) =>
    s.entryPoints.filter((e) => kinds.includes(e.kind)).map((e) => e.ip!);
  return {
    name: s.name,
    protocol: s.protocol,
    clusterIP: cluster?.ip ?? null,
    port: cluster?.port ?? null,
    nodePort: nodePort?.port ?? null,
    endpoints: shares(consensusEndpoints(view, cluster)),
    nodes: view.nodes.map((n) => {
      const np = nodePort ? n.outcomes.find((o) => o.entry === nodePort) : undefined;
      return {
        node: n.node,
        nodePort: np ? { verdict: np.verdict, endpoints: shares(np.endpoints) } : null,
        present: n.present,
        entryPoints: n.outcomes.map(outcomeJson),
        ...(n.observed.length ? { observed: n.observed.map((o) => ({ ...o, entry: entryOf(o.entry) })) } : {}),
        ...(n.stickyClients.length ? { stickyClients: n.stickyClients.map(stickyJson) } : {}),
      };
    }),
    family: s.family,
    proxyMode: s.proxyMode,
    named: s.named,
    externalIPs: ips(['externalIP', 'external']),
    loadBalancerIPs: ips(['loadBalancer']),
    healthCheckNodePort: s.entryPoints.find((e) => e.kind === 'healthCheckNodePort')?.port ?? null,
    affinitySeconds: s.affinitySeconds,
    externalTrafficPolicy: s.externalTrafficPolicy,
    internalTrafficPolicy: s.internalTrafficPolicy,
  };
}

export function servicesJson(a: ServicesAnalysis) {
  return { services: a.services.map(serviceJson), nodes: a.nodes, findings: a.findings };
}
