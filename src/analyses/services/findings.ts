/** What is wrong with one service on one node: uneven or leaking shares, duplicated endpoints, a missing NodePort, traffic that does not follow the rules. */
import type { KubeService } from '../../graph/service-model';
import { nftFamilyOf } from '../../model/nft';
import type { Finding } from '../finding';
import { restsOnMaskedAddress } from '../trace/index';
import { entryText, firstOf, hostPort, kubectlTarget, percent } from '../finding-text';
import type { EntryOutcome, ObservedShares, ServiceOnNode, StickyClientOnNode } from './model';

/** Shares further than this from even (relative) are reported; kube-proxy's own rounding stays far below it. */
const SKEW_TOLERANCE = 0.005;
/** Below this p-value the live connections do not fit the configured shares. */
const OBSERVED_ALPHA = 0.001;
const EPSILON = 1e-9;

function endpointSliceHint(service: KubeService): string {
  const k = kubectlTarget(service);
  return k
    ? `kubectl -n ${k.ns} get endpointslices -l kubernetes.io/service-name=${k.svc} -o wide`
    : 'compare the EndpointSlices of the service';
}

const base = (service: KubeService, node: string) => ({ node, subject: service.name });

function skewed(service: KubeService, node: string, o: EntryOutcome): Finding | undefined {
  // The live shares' count, sum and worst distance from even are read in place: most entry points are even, and
  // their lists of live shares and distances were made only to be dropped.
  const endpoints = o.endpoints;
  let count = 0;
  let forward = 0;
  for (let i = 0; i < endpoints.length; i++)
    if (endpoints[i]!.probability > 0) {
      count++;
      forward += endpoints[i]!.probability;
    }
  // Shares mixed by a split on a masked address are the walk's even guess, not the kernel's ladder.
  if (o.estimate !== undefined || service.proxyMode === 'ipvs' || count < 2 || restsOnMaskedAddress(o.assumptions))
    return undefined;
  const even = forward / count;
  let worst = -Infinity;
  for (let i = 0; i < endpoints.length; i++) {
    const p = endpoints[i]!.probability;
    if (p > 0) worst = Math.max(worst, Math.abs(p - even) / even);
  }
  if (worst <= SKEW_TOLERANCE) return undefined;
  const live = endpoints.filter((e) => e.probability > 0);
  return {
    code: 'SVC_SKEWED_SHARES',
    severity: 'warning',
    ...base(service, node),
    message: `${entryText(o.entry)} splits new connections unevenly: ${live.map((e) => `${hostPort(e)} ${percent(e.probability)}`).join(', ')} (even would be ${percent(even)} each)`,
    evidence: [o.entry.evidence],
    remedy:
      'kube-proxy writes probabilities 1/n, 1/(n-1), …, 1 down the KUBE-SVC chain; a different ladder was written by hand or by another tool: let kube-proxy resync (restart it) or fix the tool that edits the chain',
  };
}

/** The assumptions a statement rests on, the first few: a walk through policy chains can make dozens. */
const given = (assumptions: readonly string[]) =>
  assumptions.length ? `, given: ${firstOf(assumptions, 3, '; ')}` : '';

/** kube-proxy's ladder sends every new connection to some endpoint; here part of them is never DNATed. */
function leaking(service: KubeService, node: string, o: EntryOutcome): Finding | undefined {
  const stopped = o.afterDnat;
  const dnat = o.endpoints.reduce((a, e) => a + e.probability, 0) + (stopped ? stopped.drop + stopped.reject : 0);
  if (dnat < EPSILON || dnat > 1 - EPSILON) return undefined;
  const drop = o.drop - (stopped?.drop ?? 0);
  const reject = o.reject - (stopped?.reject ?? 0);
  const parts = [
    drop > EPSILON && `${percent(drop)} dropped`,
    reject > EPSILON && `${percent(reject)} rejected`,
    o.unhandled && `${percent(o.unhandled)} handled by no rule`,
  ].filter(Boolean);
  // Shares that part of the connections get only if a masked address is (or is not) some other one are no fact.
  const masked = restsOnMaskedAddress(o.assumptions);
  if (masked)
    return {
      code: 'SVC_SHARES_INCOMPLETE',
      severity: 'info',
      ...base(service, node),
      message: `only ${percent(dnat)} of new connections to ${entryText(o.entry)} are sent to an endpoint (${parts.join(', ')})${given(o.assumptions)}`,
      evidence: [o.entry.evidence],
      remedy:
        'the split rests on addresses masked in the dump (the assumptions above): give the dump with its addresses to decide',
    };
  // A walk that split on what the dumps do not decide (an interface, a set not dumped) weighs each way evenly: the
  // paths that miss an endpoint are a condition, not a share of the connections.
  if (o.assumptions.length > 0)
    return {
      code: 'SVC_SHARES_INCOMPLETE',
      severity: 'info',
      ...base(service, node),
      message: `new connections to ${entryText(o.entry)} are sent to an endpoint on some paths and ${parts.map((p) => (p as string).replace(/^[\d.]+% /, '')).join(', ')} on others, depending on what the dumps do not decide${given(o.assumptions)}`,
      evidence: [o.entry.evidence],
      remedy:
        'which way a connection goes depends on what the dumps do not say (the assumptions above): `nfwalk trace` with the client and `--in` shows each path; add the missing dumps (ip addr, ipset save, the other tables) to decide',
    };
  return {
    code: 'SVC_SHARES_INCOMPLETE',
    severity: 'error',
    ...base(service, node),
    message: `only ${percent(dnat)} of new connections to ${entryText(o.entry)} are sent to an endpoint (${parts.join(', ')})`,
    evidence: [o.entry.evidence],
    remedy: `the endpoint shares do not add up to one: ${
      service.proxyMode === 'nftables'
        ? "the service chain's numgen map must have an element for every value of its mod"
        : 'the last jump of the service chain must have no probability'
    }; let kube-proxy rewrite the chain (restart it) or fix the tool that edits it`,
  };
}

/** Sent to an endpoint, then stopped on this node: a network policy or firewall, or no way on. */
function stoppedAfterDnat(service: KubeService, node: string, o: EntryOutcome): Finding | undefined {
  const s = o.afterDnat;
  if (!s) return undefined;
  const parts = [s.drop && `${percent(s.drop)} dropped`, s.reject && `${percent(s.reject)} rejected`]
    .filter(Boolean)
    .join(', ');
  const assumed = s.assumptions.length > 0;
  return {
    code: 'SVC_STOPPED_AFTER_DNAT',
    severity: assumed ? 'info' : 'warning',
    ...base(service, node),
    message: `new connections from ${o.client.src} to ${entryText(o.entry)} are sent to an endpoint, then ${parts} (${firstOf(s.rules, 3, '; ')})${given(s.assumptions)}`,
    evidence: [o.entry.evidence],
    remedy: assumed
      ? "whether those rules stop it depends on what the dumps do not say (the assumptions above): add the missing dumps, e.g. this node's `ipset save` for the sets, to decide"
      : stoppedRemedy(s.rules),
  };
}

/** What to look at for connections stopped after the DNAT: the node's forwarding, its routes, or the rules named. */
function stoppedRemedy(stoppers: readonly string[]): string {
  const forwarding = stoppers.find((r) => r.startsWith('forwarding is off'));
  if (forwarding)
    return `turn forwarding on (${forwarding.includes('ipv6') ? 'sysctl -w net.ipv6.conf.all.forwarding=1' : 'sysctl -w net.ipv4.ip_forward=1'}, and in /etc/sysctl.d so that it lasts): the node must forward to reach pods on other nodes and its own pods through the CNI's interfaces`;
  // The walk's own reasons (no route, a martian) name no rule: the node's routing stops them.
  if (!stoppers.some((r) => / rule \d+$| policy$/.test(r)))
    return "the node's routing stops these connections (the reasons above): check `ip route` on the node for the pod network and the CNI's interfaces, with `nfwalk trace` for the whole walk";
  return "a network policy or the node's own filter rules stop this client after kube-proxy's DNAT: check the NetworkPolicies that select the service's pods and the rules named, with `nfwalk trace` for the whole walk";
}

function duplicated(service: KubeService, node: string, o: EntryOutcome): Finding | undefined {
  if (o.duplicates.length === 0) return undefined;
  return {
    code: 'SVC_DUPLICATE_ENDPOINT',
    severity: 'warning',
    ...base(service, node),
    message: `${entryText(o.entry)} reaches ${o.duplicates.join(', ')} through more than one DNAT rule, so it gets more than its share`,
    evidence: [o.entry.evidence],
    remedy: `check the EndpointSlices for the same address listed twice (${endpointSliceHint(service)}) and the service chain for duplicated KUBE-SEP jumps`,
  };
}

/**
 * kube-proxy's rule for a service without endpoints rejects its new connections; where the walk shows an entry point
 * decided otherwise (a rule before kube-proxy's accepts or drops first), the finding says so rather than a reject.
 */
function noEndpoints(service: KubeService, node: string, outcomes: readonly EntryOutcome[]): Finding | undefined {
  if (service.noEndpoints.length === 0) return undefined;
  const statements = service.noEndpoints.filter((n) => !n.local);
  if (statements.length === 0) return undefined;
  const otherwise = outcomes.filter((o) => o.entry.kind !== 'healthCheckNodePort' && o.verdict !== 'reject');
  // A verdict that rests on what the dumps cannot decide (sets not dumped) keeps its `?` and says on what.
  const assumed = [...new Set(otherwise.flatMap((o) => o.assumptions))];
  const decided = otherwise.length
    ? `; on this node rules before it decide first for ${otherwise.map((o) => `${entryText(o.entry)} (${o.verdict}${o.assumptions.length ? '?' : ''})`).join(', ')}${assumed.length ? ` (the walk split on what the dumps do not decide, such as: ${assumed[0]}${assumed.length > 1 ? `, and ${assumed.length - 1} more` : ''}; \`nfwalk trace\` shows each path)` : ''}`
    : '';
  return {
    code: 'SVC_NO_ENDPOINTS',
    severity: 'warning',
    ...base(service, node),
    message: `${service.name} has no endpoints: ${service.proxyMode === 'ipvs' ? 'its IPVS virtual services have no real server, and the node refuses' : "kube-proxy's rules reject"} new connections to ${service.entryPoints
      .filter((e) => e.kind !== 'healthCheckNodePort')
      .map(entryText)
      .join(', ')}${decided}`,
    evidence: statements.map((s) => s.evidence),
    remedy: `check that the selector matches pods and that they are ready: ${endpointSliceHint(service)}`,
  };
}

const unforwardedNodePort = (o: EntryOutcome) => o.entry.kind === 'nodePort' && o.verdict !== 'forward';

/** A NodePort that does not forward while the cluster IP does, on a node where every endpoint may serve it. */
function nodePortMissing(service: KubeService, node: string, outcomes: readonly EntryOutcome[]): Finding[] {
  if (service.externalTrafficPolicy === 'Local' || service.internalTrafficPolicy === 'Local') return [];
  const cluster = outcomes.find((o) => o.entry.kind === 'clusterIP');
  // Most services forward their NodePort: no lists made to find none.
  if (cluster?.verdict !== 'forward' || !outcomes.some(unforwardedNodePort)) return [];
  return outcomes.filter(unforwardedNodePort).map((o) => ({
    code: 'SVC_NODEPORT_NOT_FORWARDED',
    severity: 'error' as const,
    ...base(service, node),
    message: `${service.name} forwards on ${entryText(cluster.entry)} but ${entryText(o.entry)} is not forwarded on this node (${o.verdict})`,
    evidence: [cluster.entry.evidence, o.entry.evidence],
    // kube-proxy's NodePort rule is there (the entry point is read from it): a rule the packet meets first or after stops it.
    remedy: `find the rule that stops it: \`nfwalk trace --src ${o.client.src} --dst ${o.client.dst} --proto ${service.protocol} --dport ${o.entry.port}\` on the same dumps; a host firewall's drop in raw or mangle PREROUTING or in INPUT is the usual one, to open for the NodePort range. Only where the trace shows no kube-proxy rule for the port are the node's rules from another sync (check kube-proxy: logs, restart)`,
  }));
}

function observedSkew(service: KubeService, node: string, obs: ObservedShares): Finding | undefined {
  const test = obs.chiSquare;
  if (!test || test.pValue >= OBSERVED_ALPHA) return undefined;
  const total = obs.counts.reduce((a, c) => a + c.connections, 0);
  return {
    code: 'SVC_OBSERVED_SKEW',
    severity: 'warning',
    ...base(service, node),
    message: `live connections to ${entryText(obs.entry)} do not follow the configured shares: ${obs.counts.map((c) => `${hostPort(c)} ${c.connections} (expected ${c.expected.toFixed(1)})`).join(', ')} of ${total}; chi-square ${test.statistic.toFixed(1)} with ${test.degreesOfFreedom} df, p = ${test.pValue.toExponential(1)}`,
    evidence: [obs.entry.evidence],
    remedy:
      'long-lived connections keep the split of the past (endpoints added later get none of them), and session affinity pins clients: compare with new connections before suspecting the rules',
  };
}

/** What becomes of a connection, in a few words: the endpoints it goes to with their shares, else its verdict. */
function fateText(o: EntryOutcome): string {
  const live = o.endpoints.filter((e) => e.probability > 0);
  if (live.length === 0)
    return { forward: 'is not forwarded', drop: 'is dropped', reject: 'is rejected', local: 'is answered on the node' }[
      o.verdict
    ];
  return `goes to ${live.map((e) => (live.length > 1 ? `${hostPort(e)} ${percent(e.probability)}` : hostPort(e))).join(', ')}`;
}

/** An affinity record pinning a client to an endpoint new connections no longer reach. */
function stickyToGone(service: KubeService, node: string, s: StickyClientOnNode): Finding | undefined {
  if (s.endpointLive) return undefined;
  const expires = s.expiresSeconds === null ? '' : ` for another ${Math.round(s.expiresSeconds)} s`;
  const next = s.next ? `; its next connection to ${entryText(s.next.entry)} ${fateText(s.next)}` : '';
  return {
    code: 'SVC_AFFINITY_ENDPOINT_GONE',
    severity: 'warning',
    ...base(service, node),
    message: `session affinity pins client ${s.client} to ${hostPort(s.endpoint)}${expires}, an endpoint new connections to ${service.name} no longer reach on this node (set ${s.set})${next}`,
    evidence: [s.evidence],
    remedy: `kube-proxy deletes an endpoint's affinity set in the sync that removes the endpoint, so a set left behind says its syncs fail or stopped: check kube-proxy's log on this node and restart it; the set alone can go with \`nft delete set ${nftFamilyOf(service.family)} kube-proxy ${s.set}\` once no rule names it`,
  };
}

export function serviceFindings(service: KubeService, onNode: ServiceOnNode): Finding[] {
  if (!onNode.present) return [];
  const node = onNode.node;
  // One list filled in order: a list per entry point, spreads and a filter made six lists per service.
  const out: Finding[] = [];
  const add = (f: Finding | undefined) => {
    if (f !== undefined) out.push(f);
  };
  const outcomes = onNode.outcomes;
  add(noEndpoints(service, node, outcomes));
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if (o.entry.kind === 'healthCheckNodePort') continue;
    add(skewed(service, node, o));
    add(leaking(service, node, o));
    add(stoppedAfterDnat(service, node, o));
    add(duplicated(service, node, o));
  }
  const missing = nodePortMissing(service, node, outcomes);
  for (let i = 0; i < missing.length; i++) add(missing[i]);
  for (let i = 0; i < onNode.observed.length; i++) add(observedSkew(service, node, onNode.observed[i]!));
  for (let i = 0; i < onNode.stickyClients.length; i++) add(stickyToGone(service, node, onNode.stickyClients[i]!));
  return out;
}
