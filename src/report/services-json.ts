/**
 * `nfwalk services --json` (contracts.md): per service its cluster IP, NodePort and the endpoints a new
 * connection to the cluster IP gets, and per node what a new connection from outside to the NodePort gets;
 * then every entry point per node, the live-connection test, and the findings.
 */
import {
  type EndpointShare,
  type EntryOutcome,
  type EntryPoint,
  type ServiceOnNode,
  type ServiceView,
  type ServicesAnalysis,
  type ServicesStream,
  type StickyClientOnNode,
  type StoppedAfterDnat,
  consensusEndpoints,
} from '../analyses/services/index';
import { Later, StreamedArray, jsonPieces } from './json';
import { type RareParts, serviceText } from './services-json-text';

/** An endpoint's share as the report prints it. */
interface ShareJson {
  ip: string;
  port: number;
  probability: number;
  weight?: number;
}

/** An entry point as the report prints it. */
interface EntryJson {
  kind: EntryPoint['kind'];
  ip: EntryPoint['ip'];
  port: EntryPoint['port'];
  sourceRanges?: readonly string[];
  evidence: EntryPoint['evidence'];
}

/** An entry point and what a new connection to it gets on one node, as the report prints it. */
interface OutcomeJson extends EntryJson {
  verdict: EntryOutcome['verdict'];
  endpoints: ShareJson[];
  drop: number;
  reject: number;
  unhandled: number;
  masquerade: EntryOutcome['masquerade'];
  client: EntryOutcome['client'];
  estimate?: string;
  duplicates?: readonly string[];
  assumptions?: readonly string[];
  afterDnat?: StoppedAfterDnat;
}

// Objects written out key by key, optional keys set in their place, rather than spread: the spreads took V8's slow
// path once per entry point and endpoint of a 10,000-service dump (half of the report's time in its profile).
const shares = (endpoints: readonly EndpointShare[]): ShareJson[] =>
  endpoints.map((e) =>
    e.weight !== undefined
      ? { ip: e.ip, port: e.port, probability: e.probability, weight: e.weight }
      : { ip: e.ip, port: e.port, probability: e.probability },
  );

const entryOf = (e: EntryPoint): EntryJson =>
  e.sourceRanges
    ? { kind: e.kind, ip: e.ip, port: e.port, sourceRanges: e.sourceRanges, evidence: e.evidence }
    : { kind: e.kind, ip: e.ip, port: e.port, evidence: e.evidence };

function outcomeJson(o: EntryOutcome): OutcomeJson {
  const e = o.entry;
  const out: Partial<OutcomeJson> = { kind: e.kind, ip: e.ip, port: e.port };
  if (e.sourceRanges) out.sourceRanges = e.sourceRanges;
  out.evidence = e.evidence;
  out.verdict = o.verdict;
  out.endpoints = shares(o.endpoints);
  out.drop = o.drop;
  out.reject = o.reject;
  out.unhandled = o.unhandled;
  out.masquerade = o.masquerade;
  out.client = o.client;
  if (o.estimate) out.estimate = o.estimate;
  if (o.duplicates.length) out.duplicates = o.duplicates;
  if (o.assumptions.length) out.assumptions = o.assumptions;
  if (o.afterDnat) out.afterDnat = o.afterDnat;
  return out as OutcomeJson;
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

/** What serviceText leaves to JSON.stringify: the values serviceJson gives them. */
const observedJson = (n: ServiceOnNode) => n.observed.map((o) => ({ ...o, entry: entryOf(o.entry) }));
const stickyClientsJson = (n: ServiceOnNode) => n.stickyClients.map(stickyJson);
const RARE: RareParts = { observed: observedJson, stickyClients: stickyClientsJson };

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
        // The contract's three verdicts: only a health-check NodePort is answered locally.
        nodePort: np
          ? { verdict: np.verdict as Exclude<EntryOutcome['verdict'], 'local'>, endpoints: shares(np.endpoints) }
          : null,
        present: n.present,
        entryPoints: n.outcomes.map(outcomeJson),
        ...(n.observed.length ? { observed: observedJson(n) } : {}),
        ...(n.stickyClients.length ? { stickyClients: stickyClientsJson(n) } : {}),
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

/**
 * `services --json`'s document, the text of `toJson(servicesJson(a))` and a line end, in pieces, each service
 * written as the stream makes it and dropped: the outcomes of 10,000 services held until the document was written
 * were 11 MB the young collections promoted. The nodes and findings, which the stream has once every service is
 * taken, follow. A service's value holds no bigint, so JSON.stringify needs no replacer.
 */
export function* servicesJsonPieces(
  from: ServicesAnalysis | Pick<ServicesStream, 'services' | 'rest'>,
): Generator<string | Uint8Array> {
  const stream = 'rest' in from ? from : { services: from.services, rest: () => from };
  let rest: ReturnType<typeof stream.rest> | undefined;
  const restOf = () => (rest ??= stream.rest());
  const services = new StreamedArray(
    undefined,
    () => stream.services,
    serviceJson,
    (view, indent) => serviceText(view, indent, RARE),
  );
  yield* jsonPieces({ services, nodes: new Later(() => restOf().nodes), findings: new Later(() => restOf().findings) });
  yield '\n';
}
