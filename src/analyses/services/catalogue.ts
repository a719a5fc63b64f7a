/**
 * The services across the nodes, known before any walk: each with its entry points as any node knows them and its
 * rules on each node, in the report's order (by key), each with its place in the order the dumps list them.
 */
import type { EntryPoint, KubeService } from '../../graph/service-model';
import { type NodeContext, entryKey } from '../node/index';
import { keyOrder } from './key-order';

export interface Catalogued {
  readonly service: KubeService;
  readonly entries: Map<string, EntryPoint>;
  readonly onNode: Map<NodeContext, KubeService>;
  /** Its place in the order the nodes' dumps list the services, the order findings and warnings are said in. */
  readonly listedAt: number;
}

const serviceKey = (s: KubeService) => `${s.family} ${s.protocol} ${s.name}`;

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

/** In the order of the services' keys (key-order.ts), ties in listed order, each key made once. */
function byServiceKey(all: Map<string, Catalogued>): Catalogued[] {
  const listed = [...all.values()];
  return keyOrder([...all.keys()]).map((i) => listed[i]!);
}

export function catalogue(contexts: readonly NodeContext[]): Catalogued[] {
  const all = new Map<string, Catalogued>();
  for (const ctx of contexts) {
    for (const s of ctx.services) {
      const key = serviceKey(s);
      const c: Catalogued = all.get(key) ?? {
        service: s,
        entries: new Map(),
        onNode: new Map(),
        listedAt: all.size,
      };
      all.set(key, c);
      c.onNode.set(ctx, s);
      for (const e of s.entryPoints) {
        const id = entryIdentity(e);
        const known = c.entries.get(id);
        if (!known || KIND_DETAIL[e.kind] > KIND_DETAIL[known.kind]) c.entries.set(id, e);
      }
    }
  }
  return byServiceKey(all);
}
