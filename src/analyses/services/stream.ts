/**
 * The services analysis as a stream: one service at a time walked on every node, judged and handed to the reader,
 * so that what its walks make dies before the next service's (young, never copied by a collection) instead of
 * living until the whole report is written. The order of the report (by service key) is known before any walk;
 * findings and warnings are kept apart, small, and said in the order the dumps list the services.
 */
import type { KubeService } from '../../graph/service-model';
import { mayChange, unshownRules } from '../../model/gaps';
import { isNetnsNode } from '../../model/netns';
import { NONE } from '../../model/none';
import type { NodeDumps } from '../../model/node';
import type { Finding } from '../finding';
import { type NodeContext, nodeContexts } from '../node/index';
import { type Catalogued, catalogue, entryPointsOf, serviceOnNode } from './catalogue';
import { clusterFindings } from './cluster-findings';
import { connectionsOf } from './connections';
import { evaluate } from './evaluate';
import { serviceFindings } from './findings';
import type { EntryOutcome, NodeSummary, ObservedShares, ServiceOnNode, ServiceView, ServicesAnalysis } from './model';
import { NodeWarnings } from './node-warnings';
import { observedShares } from './observed';
import { stickyClients } from './sticky';

export interface ServicesOptions {
  /** `--node-ip`: node addresses for nodes whose dumps have no `ip addr`. */
  readonly nodeIps?: readonly string[];
}

/** What the analysis says once every service has been taken. */
export type ServicesRest = Pick<ServicesAnalysis, 'nodes' | 'findings'>;

export interface ServicesStream {
  /** Whether any node's dumps program services (rules or IPVS of some family); known before any walk. */
  readonly programmed: boolean;
  /**
   * The services in the report's order, each analysed as it is taken; read once. What a service's analysis made
   * is the reader's to keep (the collected analysis) or to drop once written (the CLI's JSON).
   */
  readonly services: Iterable<ServiceView>;
  /** The nodes' summaries and the findings: once `services` has been read to its end. */
  rest(): ServicesRest;
}

/** Of each node whose rules were pasted in part, what its dumps do not show, in a few words. */
function unshownByNode(nodes: readonly NodeDumps[]): ReadonlyMap<string, string> {
  return new Map(
    nodes.flatMap((n) => {
      const own = unshownRules(n);
      return own.length > 0 ? [[n.name, own.join('; ')] as const] : [];
    }),
  );
}

/**
 * On a node whose rules were pasted in part, what a finding says may be decided by the part not shown: it is
 * said as information with why, never as a warning or an error, nor as information that holds whatever is not
 * shown. A finding about the cluster rests on every node's rules.
 */
function onPartialRules(gaps: ReadonlyMap<string, string>): (f: Finding) => Finding {
  const any = [...gaps.values()].join('; ');
  return (f) => {
    const why = f.node === undefined ? any : gaps.get(f.node);
    return why ? { ...f, severity: 'info', message: `${f.message} (${mayChange(why)})` } : f;
  };
}

function nodeSummary(n: NodeDumps, contexts: readonly NodeContext[], warnings: NodeWarnings): NodeSummary {
  const own = contexts.filter((ctx) => ctx.node === n);
  const services = own.flatMap((ctx) => ctx.services);
  return {
    name: n.name,
    families: own.map((ctx) => ctx.family),
    proxyMode: services.some((s) => s.proxyMode === 'ipvs')
      ? 'ipvs'
      : services.some((s) => s.proxyMode === 'nftables')
        ? 'nftables'
        : services.length
          ? 'iptables'
          : null,
    services: services.length,
    warnings: warnings.of(n.name),
  };
}

export function servicesStream(nodes: readonly NodeDumps[], options: ServicesOptions = {}): ServicesStream {
  const warnings = new NodeWarnings();
  // A pod's network namespace without kube-proxy's rules is no node the services run on.
  const contexts = nodes
    .flatMap((n) => nodeContexts(n, options.nodeIps ?? []))
    .filter((ctx) => ctx.services.length > 0 || !isNetnsNode(ctx.node.name));
  for (const ctx of contexts) ctx.warnings.forEach(warnings.warn(ctx.node.name, -1));
  const connections = new Map(nodes.map((n) => [n, connectionsOf(n)]));
  const partial = unshownByNode(nodes);
  const catalogued = catalogue(contexts);
  // Each service's findings at its listed place: the collected analysis has them in the dumps' order.
  const found = new Array<readonly Finding[] | undefined>(catalogued.length);
  let taken = false;
  let rest: ServicesRest | undefined;

  /** One service on the nodes of its family: what a new connection to each entry point gets there. */
  function onNode(
    c: Catalogued,
    service: KubeService,
    ctx: NodeContext,
    local: KubeService | undefined,
  ): ServiceOnNode {
    const warn = warnings.warn(ctx.node.name, c.listedAt);
    const walked = service.entryPoints.map((e) => evaluate(ctx, local ?? service, e, warn));
    // An entry point not walked (a masked address, a walk's error said as a warning) is rare: a second list only then.
    const answered = walked.includes(undefined) ? walked.filter((o) => o !== undefined) : (walked as EntryOutcome[]);
    // On rules pasted in part, every answer rests on what the paste does not show.
    const why = partial.get(ctx.node.name);
    const outcomes = why ? answered.map((o) => ({ ...o, assumptions: [...o.assumptions, mayChange(why)] })) : answered;
    const conns = connections.get(ctx.node)!;
    // Made at the first observed share: most nodes have no connections, and a filter and flatMap made two lists.
    let observed: ObservedShares[] | undefined;
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i]!;
      if (o.entry.kind === 'healthCheckNodePort') continue;
      const shares = observedShares(o, service.protocol, conns.index, ctx.addresses, conns.source);
      if (shares) (observed ??= []).push(shares);
    }
    const sticky = local ? stickyClients(ctx, local, outcomes) : NONE;
    return {
      node: ctx.node.name,
      present: local !== undefined,
      outcomes,
      observed: observed ?? NONE,
      stickyClients: sticky,
    };
  }

  /** One service on every node of its family, and what is wrong with it. */
  function analyse(c: Catalogued): ServiceView {
    const entryPoints = entryPointsOf(c);
    // A copy only where other nodes or identities changed its entry points.
    const service: KubeService = entryPoints === c.service.entryPoints ? c.service : { ...c.service, entryPoints };
    // Made at the first finding: most services have none.
    let findings: Finding[] | undefined;
    // A first node's as a list of one: a first push makes room for 17, and most inputs are one node.
    let onNodes: ServiceOnNode[] | undefined;
    for (let i = 0; i < contexts.length; i++) {
      const ctx = contexts[i]!;
      if (ctx.family !== service.family) continue;
      const local = serviceOnNode(c, ctx);
      const on = onNode(c, service, ctx, local);
      const own = local ? serviceFindings(local, on) : NONE;
      if (own.length) (findings ??= []).push(...own);
      if (onNodes) onNodes.push(on);
      else onNodes = [on];
    }
    const view = { service, nodes: onNodes ?? [] };
    const cluster = clusterFindings(view);
    if (cluster.length) (findings ??= []).push(...cluster);
    if (findings) found[c.listedAt] = findings;
    return view;
  }

  function* services(): Generator<ServiceView> {
    for (const c of catalogued) yield analyse(c);
    taken = true;
  }

  return {
    programmed: contexts.length > 0,
    services: services(),
    rest() {
      if (!taken) throw new Error('the services stream was not read to its end');
      if (rest) return rest;
      const findings: Finding[] = [];
      for (const f of found) if (f) findings.push(...f);
      return (rest = {
        nodes: nodes.map((n) => nodeSummary(n, contexts, warnings)),
        findings: findings.map(onPartialRules(partial)),
      });
    },
  };
}

/** The stream read whole: the analysis as one object (the library's result, `analyze`, `diff`). */
export function collected(stream: ServicesStream): ServicesAnalysis {
  const services = [...stream.services];
  return { services, ...stream.rest() };
}
