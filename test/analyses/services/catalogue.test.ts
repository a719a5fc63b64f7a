/**
 * The catalogue keeps a service that one node programs with entry points of distinct identities as that node's word,
 * without Maps (catalogue.ts). Held to the construction before it, which merged every service's entry points and
 * nodes through Maps: over random services of few names, addresses and ports on one to three nodes (so that entry
 * points share identities, kinds differ in detail and one node lists a service twice), the same services in the same
 * order, the same entry points in the same order, and the same word of each node.
 */
import test from 'ava';
import type { EntryKind, EntryPoint, KubeService } from '../../../src/graph/service-model';
import { type NodeContext, entryKey } from '../../../src/analyses/node/index';
import { catalogue, entryPointsOf, serviceOnNode } from '../../../src/analyses/services/catalogue';
import { keyOrder } from '../../../src/analyses/services/key-order';
import { type Rng, prng } from '../../generators/messy-paste';

interface Reference {
  readonly service: KubeService;
  readonly entries: Map<string, EntryPoint>;
  readonly onNode: Map<NodeContext, KubeService>;
}

/** The catalogue before: a Map of entry points by identity and one of nodes for every service. */
function referenceCatalogue(contexts: readonly NodeContext[]): Reference[] {
  const detail = (kind: EntryKind) => (kind === 'external' ? 0 : 1);
  const identity = (e: EntryPoint) =>
    e.kind === 'nodePort' || e.kind === 'healthCheckNodePort' || e.kind === 'clusterIP'
      ? entryKey(e.kind, e.ip, e.port, '')
      : entryKey('external', e.ip, e.port, '');
  const all = new Map<string, Reference>();
  for (const ctx of contexts) {
    for (const s of ctx.services) {
      const key = `${s.family} ${s.protocol} ${s.name}`;
      const c = all.get(key) ?? { service: s, entries: new Map(), onNode: new Map() };
      all.set(key, c);
      c.onNode.set(ctx, s);
      for (const e of s.entryPoints) {
        const id = identity(e);
        const known = c.entries.get(id);
        if (!known || detail(e.kind) > detail(known.kind)) c.entries.set(id, e);
      }
    }
  }
  const listed = [...all.values()];
  return keyOrder([...all.keys()]).map((i) => listed[i]!);
}

const KINDS: readonly EntryKind[] = [
  'clusterIP',
  'nodePort',
  'externalIP',
  'loadBalancer',
  'external',
  'healthCheckNodePort',
];

function entryPoint(rng: Rng, line: number): EntryPoint {
  const kind = rng.pick(KINDS);
  const ip = kind === 'nodePort' || kind === 'healthCheckNodePort' ? null : rng.pick(['10.0.0.1', '10.0.0.2', '*']);
  return { kind, ip, port: rng.pick([80, 443]), evidence: { path: 'dump', line, column: 1 } };
}

function service(rng: Rng, line: number): KubeService {
  const entryPoints = Array.from({ length: 1 + rng.int(4) }, (_, i) => entryPoint(rng, line + i));
  return {
    name: rng.pick(['ns/a:http', 'ns/b:http', 'ns/c:dns', 'KUBE-SVC-X']),
    named: true,
    family: 'ipv4',
    protocol: rng.pick(['tcp', 'udp'] as const),
    proxyMode: 'iptables',
    entryPoints,
    affinitySeconds: null,
    stickyClients: [],
    externalTrafficPolicy: null,
    internalTrafficPolicy: 'Cluster',
    noEndpoints: [],
  };
}

test('the catalogue without Maps is the one with Maps', (t) => {
  const rng = prng(30);
  let kept = 0;
  for (let round = 0; round < 500; round++) {
    const contexts = Array.from(
      { length: 1 + rng.int(3) },
      (_, n) => ({ services: Array.from({ length: rng.int(6) }, (_, i) => service(rng, 100 * n + 10 * i)) }) as never,
    ) as NodeContext[];
    const actual = catalogue(contexts);
    const expected = referenceCatalogue(contexts);
    t.is(actual.length, expected.length);
    for (let i = 0; i < actual.length; i++) {
      const [a, e] = [actual[i]!, expected[i]!];
      t.is(a.service, e.service);
      const entries = entryPointsOf(a);
      t.deepEqual(entries, [...e.entries.values()]);
      if (entries === a.service.entryPoints) kept++;
      for (const ctx of contexts) t.is(serviceOnNode(a, ctx), e.onNode.get(ctx));
    }
  }
  // Both ways were taken: services kept as their node's word, and services merged.
  t.true(kept > 100);
});
