/**
 * `nfwalk services`: every Kubernetes service the nodes' dumps program, each entry point tried on every
 * node with a new connection, the share each endpoint gets, and what is wrong with it. Entry points are
 * gathered across nodes first, so a node that lacks one (a stale kube-proxy) is tried on it too.
 */
import type { EntryPoint, KubeService } from '../../graph/service-model';
import { unshownRules } from '../../model/gaps';
import type { NodeDumps } from '../../model/node';
import type { Finding } from '../finding';
import { clusterFindings } from './cluster-findings';
import { connectionsOf } from './connections';
import { evaluate } from './evaluate';
import { serviceFindings } from './findings';
import type { EntryOutcome, NodeSummary, ServiceOnNode, ServiceView, ServicesAnalysis } from './model';
import { type NodeContext, entryKey, nodeContexts } from '../node/index';
import { observedShares } from './observed';
import { stickyClients } from './sticky';

export type * from './model';
export type { EntryPoint } from '../../graph/service-model';
export { consensusEndpoints } from './consensus';

export interface ServicesOptions {
  /** `--node-ip`: node addresses for nodes whose dumps have no `ip addr`. */
  readonly nodeIps?: readonly string[];
}

interface Catalogued {
  readonly service: KubeService;
  readonly entries: Map<string, EntryPoint>;
  readonly onNode: Map<NodeContext, KubeService>;
}

const serviceKey = (s: KubeService) => `${s.family} ${s.protocol} ${s.name}`;

/**
 * The views in `localeCompare` order of their keys, each key made once: a comparator that made two keys and called
 * `localeCompare` per comparison was a tenth of a warm 10,000-service analysis. `Intl.Collator`'s `compare` is
 * `localeCompare` by definition (ECMA-402), with the collator built once instead of per call.
 */
function byServiceKey(views: readonly ServiceView[]): ServiceView[] {
  const keys = views.map((v) => serviceKey(v.service));
  const order = views.map((_, i) => i);
  const compare = new Intl.Collator().compare;
  order.sort((a, b) => compare(keys[a]!, keys[b]!));
  return order.map((i) => views[i]!);
}
/** Outside the cluster IP an address:port is one entry point whatever kind a node's dump could tell. */
const entryIdentity = (e: EntryPoint) =>
  e.kind === 'nodePort' || e.kind === 'healthCheckNodePort' || e.kind === 'clusterIP'
    ? entryKey(e.kind, e.ip, e.port, '')
    : entryKey('external', e.ip, e.port, '');
const KIND_DETAIL: Readonly<Record<EntryPoint['kind'], number>> = {
  external: 0,
  externalIP: 1,
  loadBalancer: 1,
  clusterIP: 1,
  nodePort: 1,
  healthCheckNodePort: 1,
};

function catalogue(contexts: readonly NodeContext[]): Map<string, Catalogued> {
  const all = new Map<string, Catalogued>();
  for (const ctx of contexts) {
    for (const s of ctx.services) {
      const key = serviceKey(s);
      const c: Catalogued = all.get(key) ?? { service: s, entries: new Map(), onNode: new Map() };
      all.set(key, c);
      c.onNode.set(ctx, s);
      for (const e of s.entryPoints) {
        const id = entryIdentity(e);
        const known = c.entries.get(id);
        if (!known || KIND_DETAIL[e.kind] > KIND_DETAIL[known.kind]) c.entries.set(id, e);
      }
    }
  }
  return all;
}

/**
 * On a node whose rules were pasted in part, what a finding says may be decided by the part not shown: it is
 * said as information, with why, never as a warning or an error. A finding about the cluster rests on every
 * node's rules.
 */
function onPartialRules(nodes: readonly NodeDumps[]): (f: Finding) => Finding {
  const gaps = new Map(
    nodes.flatMap((n) => {
      const own = unshownRules(n);
      return own.length > 0 ? [[n.name, own.join('; ')] as const] : [];
    }),
  );
  const any = [...gaps.values()].join('; ');
  return (f) => {
    const why = f.node === undefined ? any : gaps.get(f.node);
    return why && f.severity !== 'info'
      ? { ...f, severity: 'info', message: `${f.message} (${why}: what it does not show may change this)` }
      : f;
  };
}

export function analyzeServices(nodes: readonly NodeDumps[], options: ServicesOptions = {}): ServicesAnalysis {
  const warnings = new Map<string, Set<string>>();
  const warn = (node: string) => (w: string) => {
    const set = warnings.get(node) ?? new Set<string>();
    warnings.set(node, set);
    set.add(w);
  };
  const contexts = nodes.flatMap((n) => nodeContexts(n, options.nodeIps ?? []));
  for (const ctx of contexts) ctx.warnings.forEach(warn(ctx.node.name));
  const connections = new Map(nodes.map((n) => [n, connectionsOf(n)]));
  const findings: Finding[] = [];

  const services: ServiceView[] = [...catalogue(contexts).values()].map((c) => {
    const entryPoints = [...c.entries.values()];
    const service: KubeService = { ...c.service, entryPoints };
    const nodesOfFamily = contexts.filter((ctx) => ctx.family === service.family);
    const onNodes: ServiceOnNode[] = nodesOfFamily.map((ctx) => {
      const local = c.onNode.get(ctx);
      const outcomes = entryPoints
        .map((e) => evaluate(ctx, local ?? service, e, warn(ctx.node.name)))
        .filter((o): o is EntryOutcome => o !== undefined);
      const conns = connections.get(ctx.node)!;
      const observed = outcomes
        .filter((o) => o.entry.kind !== 'healthCheckNodePort')
        .flatMap((o) => observedShares(o, service.protocol, conns.index, ctx.addresses, conns.source) ?? []);
      const sticky = local ? stickyClients(ctx, local, outcomes) : [];
      const onNode = { node: ctx.node.name, present: local !== undefined, outcomes, observed, stickyClients: sticky };
      if (local) findings.push(...serviceFindings(local, onNode));
      return onNode;
    });
    const view = { service, nodes: onNodes };
    findings.push(...clusterFindings(view));
    return view;
  });

  const summaries: NodeSummary[] = nodes.map((n) => {
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
      warnings: [...(warnings.get(n.name) ?? [])],
    };
  });
  return {
    services: byServiceKey(services),
    nodes: summaries,
    findings: findings.map(onPartialRules(nodes)),
  };
}
