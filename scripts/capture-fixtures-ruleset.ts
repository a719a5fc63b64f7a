/**
 * The rulesets and the manifest that scripts/capture-fixtures.sh loads into its network namespaces, made by the
 * project's own kube-proxy generator (test/generators/kube-proxy-dump.ts). Three snapshots:
 *   main   the node's IPv4 state the kernel captures are taken from
 *   after  the same node after a rollout (scaled, changed, added and removed endpoints, a service deleted)
 *   v6     a small IPv6 ruleset for ip6tables-save
 *
 *   npx tsx scripts/capture-fixtures-ruleset.ts ruleset main|after|v6   # iptables-restore input
 *   npx tsx scripts/capture-fixtures-ruleset.ts manifest                # services.json
 *
 * The manifest's expected shares are computed from the probabilities the generator writes (kube-proxy's
 * quantised 1/n ladder), never typed by hand.
 */
import {
  type GeneratedEndpoint,
  type GeneratedService,
  endpointsAt,
  kubeProxyRuleset,
  probability,
  serviceSpec,
} from '../test/generators/kube-proxy-dump';

const CLUSTER_CIDR = { ipv4: '10.244.0.0/16', ipv6: 'fd00:10:244::/48' } as const;

/** Endpoints on this node (10.244.1.0/24, the node's cni0) are local. */
const eps = (...targets: string[]): GeneratedEndpoint[] =>
  endpointsAt(...targets).map((e) => ({
    ...e,
    local: e.ip.startsWith('10.244.1.') || e.ip.startsWith('fd00:10:244:1::'),
  }));

const snapshots: Record<'main' | 'after' | 'v6', { family: 'ipv4' | 'ipv6'; services: GeneratedService[] }> = {
  main: {
    family: 'ipv4',
    services: [
      serviceSpec('ns-a/one:http', 'tcp', '10.96.0.11', 80, eps('10.244.1.5:8080')),
      serviceSpec('ns-a/two:http', 'tcp', '10.96.0.12', 80, eps('10.244.1.6:8080', '10.244.2.6:8080')),
      serviceSpec(
        'ns-b/three:http',
        'tcp',
        '10.96.0.13',
        80,
        eps('10.244.1.7:8080', '10.244.2.7:8080', '10.244.3.7:8080'),
      ),
      serviceSpec('ns-b/web:http', 'tcp', '10.96.0.14', 80, eps('10.244.2.8:8080', '10.244.3.8:8080'), {
        nodePort: 30080,
      }),
      serviceSpec(
        'ns-c/local:http',
        'tcp',
        '10.96.0.15',
        80,
        eps('10.244.1.9:8080', '10.244.2.9:8080', '10.244.3.9:8080'),
        { nodePort: 30081, externalTrafficPolicy: 'Local', healthCheckNodePort: 32001 },
      ),
      serviceSpec('ns-c/empty:http', 'tcp', '10.96.0.16', 80, []),
      serviceSpec('kube-system/kube-dns:dns', 'udp', '10.96.0.10', 53, eps('10.244.1.2:53', '10.244.3.2:53')),
    ],
  },
  after: {
    family: 'ipv4',
    services: [
      serviceSpec('ns-a/one:http', 'tcp', '10.96.0.11', 80, eps('10.244.1.15:8080')),
      serviceSpec(
        'ns-a/two:http',
        'tcp',
        '10.96.0.12',
        80,
        eps('10.244.1.6:8080', '10.244.2.6:8080', '10.244.3.6:8080'),
      ),
      serviceSpec(
        'ns-b/three:http',
        'tcp',
        '10.96.0.13',
        80,
        eps('10.244.1.7:8080', '10.244.2.7:8080', '10.244.3.7:8080'),
      ),
      serviceSpec(
        'ns-c/local:http',
        'tcp',
        '10.96.0.15',
        80,
        eps('10.244.1.9:8080', '10.244.2.9:8080', '10.244.3.9:8080'),
        { nodePort: 30081, externalTrafficPolicy: 'Local', healthCheckNodePort: 32001 },
      ),
      serviceSpec('ns-c/empty:http', 'tcp', '10.96.0.16', 80, eps('10.244.2.16:8080')),
      serviceSpec('kube-system/kube-dns:dns', 'udp', '10.96.0.10', 53, eps('10.244.1.2:53', '10.244.3.2:53')),
    ],
  },
  v6: {
    family: 'ipv6',
    services: [
      serviceSpec('ns-a/two:http', 'tcp', 'fd00:96::12', 80, eps('fd00:10:244:1::6:8080', 'fd00:10:244:2::6:8080')),
      serviceSpec('kube-system/kube-dns:dns', 'udp', 'fd00:96::a', 53, eps('fd00:10:244:1::2:53')),
    ],
  },
};

/** The share of each endpoint of a kube-proxy ladder: rule i is reached with prod(1 - p_j), j < i, and taken with p_i. */
function ladderShares(endpoints: readonly GeneratedEndpoint[]): { ip: string; port: number; share: number }[] {
  let reach = 1;
  return endpoints.map((e, i) => {
    const remaining = endpoints.length - i;
    const p = remaining > 1 ? Number(probability(remaining)) : 1;
    const share = reach * p;
    reach *= 1 - p;
    return { ip: e.ip, port: e.port, share };
  });
}

function manifest() {
  const out: Record<string, unknown> = {};
  for (const [name, snap] of Object.entries(snapshots)) {
    out[name] = {
      family: snap.family,
      clusterCidr: CLUSTER_CIDR[snap.family],
      services: snap.services.map((s) => {
        const local = s.endpoints.filter((e) => e.local);
        return {
          name: s.name,
          protocol: s.protocol,
          clusterIP: s.clusterIP,
          port: s.port,
          nodePort: s.nodePort,
          externalTrafficPolicy: s.externalTrafficPolicy ?? (s.nodePort !== null ? 'Cluster' : null),
          healthCheckNodePort: s.healthCheckNodePort ?? null,
          svcChain: s.svcChain,
          endpoints: s.endpoints.map((e) => ({ ip: e.ip, port: e.port, local: e.local === true })),
          // What a new connection gets: at the cluster IP (any client), at the NodePort from outside the node.
          expected: {
            clusterIP: { verdict: s.endpoints.length > 0 ? 'forward' : 'reject', endpoints: ladderShares(s.endpoints) },
            nodePort:
              s.nodePort === null
                ? null
                : s.externalTrafficPolicy === 'Local'
                  ? { verdict: local.length > 0 ? 'forward' : 'drop', endpoints: ladderShares(local) }
                  : { verdict: s.endpoints.length > 0 ? 'forward' : 'reject', endpoints: ladderShares(s.endpoints) },
          },
        };
      }),
    };
  }
  return { generator: 'test/generators/kube-proxy-dump.ts (kubeProxyRuleset)', snapshots: out };
}

const [what, which] = process.argv.slice(2);
if (what === 'ruleset' && (which === 'main' || which === 'after' || which === 'v6')) {
  const snap = snapshots[which];
  process.stdout.write(
    kubeProxyRuleset(snap.services, { clusterCidr: CLUSTER_CIDR[snap.family], family: snap.family }),
  );
} else if (what === 'manifest') {
  process.stdout.write(`${JSON.stringify(manifest(), null, 2)}\n`);
} else {
  process.stderr.write('usage: capture-fixtures-ruleset.ts ruleset main|after|v6 | manifest\n');
  process.exit(2);
}
