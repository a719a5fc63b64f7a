/**
 * The services across the nodes, known before any walk: each with its entry points as any node knows them and its
 * rules on each node, in the report's order (by key), each with its place in the order the dumps list them.
 */
import type { EntryPoint, KubeService } from '../../graph/service-model';
import { type NodeContext, entryKey } from '../node/index';
import { keyOrder } from './key-order';

export interface Catalogued {
  /** The service as the first node that programs it says; with the entry points of every node (`entryPoints`). */
  readonly service: KubeService;
  /** Its place in the order the nodes' dumps list the services, the order findings and warnings are said in. */
  readonly listedAt: number;
  /** The first node's context and its word on the service. */
  readonly ctx: NodeContext;
  /** Every node's word, made by a second node or a first whose entry points two share an identity: most have neither. */
  merged: Merged | undefined;
}

interface Merged {
  readonly entries: Map<string, EntryPoint>;
  readonly onNode: Map<NodeContext, KubeService>;
}

const serviceKey = (s: KubeService) => `${s.family} ${s.protocol} ${s.name}`;

/** Outside the cluster IP an address:port is one entry point whatever kind a node's dump could tell. */
const identityKind = (kind: EntryPoint['kind']) =>
  kind === 'nodePort' || kind === 'healthCheckNodePort' || kind === 'clusterIP' ? kind : 'external';
const entryIdentity = (e: EntryPoint) => entryKey(identityKind(e.kind), e.ip, e.port, '');
const KIND_DETAIL: Readonly<Record<EntryPoint['kind'], number>> = {
  external: 0,
  externalIP: 1,
  loadBalancer: 1,
  clusterIP: 1,
  nodePort: 1,
  healthCheckNodePort: 1,
};

/** Whether two of the entry points are one by identity (entryIdentity's key), compared in place: they are few. */
function anyShared(entries: readonly EntryPoint[]): boolean {
  for (let i = 1; i < entries.length; i++) {
    const e = entries[i]!;
    const kind = identityKind(e.kind);
    const ip = e.ip ?? '*';
    for (let j = 0; j < i; j++) {
      const x = entries[j]!;
      if (x.port === e.port && (x.ip ?? '*') === ip && identityKind(x.kind) === kind) return true;
    }
  }
  return false;
}

function addEntries(entries: Map<string, EntryPoint>, s: KubeService): void {
  for (const e of s.entryPoints) {
    const id = entryIdentity(e);
    const known = entries.get(id);
    if (!known || KIND_DETAIL[e.kind] > KIND_DETAIL[known.kind]) entries.set(id, e);
  }
}

function merge(c: Catalogued): Merged {
  if (c.merged) return c.merged;
  const entries = new Map<string, EntryPoint>();
  addEntries(entries, c.service);
  return (c.merged = { entries, onNode: new Map([[c.ctx, c.service]]) });
}

/** The service's entry points across the nodes: the first node's own when no other node or identity adds to them. */
export const entryPointsOf = (c: Catalogued): readonly EntryPoint[] =>
  c.merged ? [...c.merged.entries.values()] : c.service.entryPoints;

/** What the node's dumps say of the service; undefined when they do not program it. */
export const serviceOnNode = (c: Catalogued, ctx: NodeContext): KubeService | undefined =>
  c.merged ? c.merged.onNode.get(ctx) : c.ctx === ctx ? c.service : undefined;

/** In the order of the services' keys (key-order.ts), ties in listed order, each key made once. */
function byServiceKey(all: Map<string, Catalogued>): Catalogued[] {
  const listed = [...all.values()];
  return keyOrder([...all.keys()]).map((i) => listed[i]!);
}

/**
 * A service one node programs with entry points of distinct identities (most of them, on most inputs) keeps that
 * node's word as it is: no Map of its entry points or nodes, no copy of it for the report.
 */
export function catalogue(contexts: readonly NodeContext[]): Catalogued[] {
  const all = new Map<string, Catalogued>();
  for (const ctx of contexts) {
    const services = ctx.services;
    for (let i = 0; i < services.length; i++) {
      const s = services[i]!;
      const key = serviceKey(s);
      const known = all.get(key);
      if (!known) {
        const c: Catalogued = { service: s, listedAt: all.size, ctx, merged: undefined };
        all.set(key, c);
        if (anyShared(s.entryPoints)) merge(c);
        continue;
      }
      const merged = merge(known);
      merged.onNode.set(ctx, s);
      addEntries(merged.entries, s);
    }
  }
  return byServiceKey(all);
}
