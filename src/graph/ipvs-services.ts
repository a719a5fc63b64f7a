/**
 * Services from kube-proxy's IPVS mode: one virtual service per entry point (cluster IP, each node
 * address × NodePort, LB and external IPs), with kube-proxy's ipsets saying which is which
 * (KUBE-CLUSTER-IP, KUBE-NODE-PORT-*, KUBE-LOAD-BALANCER*, KUBE-EXTERNAL-IP*; `KUBE-6-` for IPv6).
 * IPVS has no service names: they come from ipset comments when present. A NodePort or LB virtual
 * service joins the cluster-IP service with the same protocol and the same real servers.
 */
import { canonicalAddress } from '../../grammar/shared/address';
import type { IpSet } from '../model/ipset';
import type { IpvsService } from '../model/ipvs';
import type { EntryKind, EntryPoint, KubeService, ServiceProtocol } from './service-model';
import {
  CLUSTER_IP_SET,
  EXTERNAL_IP_LOCAL_SET,
  EXTERNAL_IP_SET,
  LOAD_BALANCER_LOCAL_SET,
  LOAD_BALANCER_SET,
  NODE_PORT_SET,
} from '../model/kube-proxy-chains';

/** A virtual service and the entry point it is; the shares come from its scheduler and real servers. */
export interface IpvsEntry {
  readonly entry: EntryPoint;
  readonly virtual: IpvsService;
}

export interface IpvsKubeService extends KubeService {
  readonly virtualServices: readonly IpvsEntry[];
}

const SET_KINDS: readonly [RegExp, EntryKind, boolean][] = [
  [CLUSTER_IP_SET, 'clusterIP', false],
  [LOAD_BALANCER_LOCAL_SET, 'loadBalancer', true],
  [LOAD_BALANCER_SET, 'loadBalancer', false],
  [EXTERNAL_IP_LOCAL_SET, 'externalIP', true],
  [EXTERNAL_IP_SET, 'externalIP', false],
];
const NODE_PORT_RANGE = { from: 30000, to: 32767 };

interface SetFacts {
  kind: EntryKind;
  local: boolean;
  name?: string;
}

/** `ip,proto:port` (and bitmap `port`) members of kube-proxy's sets, keyed `proto ip port` / `proto * port`. */
function setFacts(sets: ReadonlyMap<string, IpSet>): Map<string, SetFacts> {
  const facts = new Map<string, SetFacts>();
  for (const set of sets.values()) {
    const nodePort = NODE_PORT_SET.exec(set.name);
    const byKind = SET_KINDS.find(([re]) => re.test(set.name));
    if (!nodePort && !byKind) continue;
    for (const m of set.members) {
      const comment = typeof m.options.comment === 'string' ? m.options.comment.split(' ')[0] : undefined;
      const name = comment?.includes('/') ? comment : undefined;
      if (nodePort) {
        const key = `${nodePort[3]!.toLowerCase()} * ${m.value}`;
        const old = facts.get(key);
        facts.set(key, {
          kind: 'nodePort',
          local: (old?.local ?? false) || nodePort[2] !== undefined,
          ...(name ? { name } : {}),
        });
        continue;
      }
      const parts = /^(.+),(tcp|udp|sctp):(\d+)$/.exec(m.value);
      if (!parts) continue;
      const key = `${parts[2]} ${parts[1]!.replace(/^\[|\]$/g, '')} ${parts[3]}`;
      const old = facts.get(key);
      facts.set(key, {
        kind: byKind![1],
        local: (old?.local ?? false) || byKind![2],
        ...((name ?? old?.name) ? { name: name ?? old?.name } : {}),
      });
    }
  }
  return facts;
}

/**
 * What a listing without -n keeps from the services analysis: virtual services whose port is unknown (a name
 * nfwalk does not know, or cut off by ipvsadm) are left out, and host names stay names. Said once per node.
 */
export function ipvsNotes(path: string, virtuals: readonly IpvsService[]): string[] {
  const notes: string[] = [];
  for (const v of virtuals) {
    const e = v.endpoint;
    if (v.protocol === 'FWM' || !e || e.port !== undefined) continue;
    const why = e.cut
      ? 'ipvsadm -L cut the column before it'
      : e.portName !== undefined
        ? `'${e.portName}' is no service name nfwalk knows`
        : 'the listing has none';
    notes.push(
      `IPVS ${v.protocol} ${e.address}${e.portName !== undefined ? `:${e.portName}` : ''} (${path}:${v.line}): the port is unknown (${why}), so this virtual service is left out`,
    );
  }
  const names = [
    ...new Set(
      virtuals
        .flatMap((v) => [v.endpoint, ...v.destinations.map((d) => d.endpoint)])
        .filter((e) => e && !e.numeric && canonicalAddress(e.address) === undefined)
        .map((e) => e!.address),
    ),
  ];
  if (names.length) {
    notes.push(
      `ipvsadm listed host names, not addresses (without -n): ${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''} ${names.length === 1 ? 'stays a name' : 'stay names'}, since nothing resolves them offline; they match no rule, route or conntrack entry`,
    );
  }
  return notes;
}

const realServers = (v: IpvsService) =>
  v.destinations
    .map((d) => `${d.endpoint.address}:${d.endpoint.port ?? 0}`)
    .sort()
    .join(' ');

/**
 * `nodeAddresses` are the node's own addresses outside kube-ipvs0 (where kube-proxy binds service IPs):
 * a virtual service on one of them is a NodePort when the ipsets do not say.
 */
export function ipvsServices(
  path: string,
  virtuals: readonly IpvsService[],
  sets: ReadonlyMap<string, IpSet>,
  nodeAddresses: ReadonlySet<string>,
): IpvsKubeService[] {
  const facts = setFacts(sets);
  const classified = virtuals.flatMap((v) => {
    if (v.protocol === 'FWM' || !v.endpoint || v.endpoint.port === undefined) return [];
    const protocol = v.protocol.toLowerCase() as ServiceProtocol;
    const ip = v.endpoint.address;
    const port = v.endpoint.port;
    const fact = facts.get(`${protocol} ${ip} ${port}`) ?? facts.get(`${protocol} * ${port}`);
    const guessedNodePort =
      nodeAddresses.has(ip) || (nodeAddresses.size === 0 && port >= NODE_PORT_RANGE.from && port <= NODE_PORT_RANGE.to);
    const kind: EntryKind = fact?.kind ?? (guessedNodePort ? 'nodePort' : 'clusterIP');
    return [
      {
        virtual: v,
        protocol,
        kind,
        local: fact?.local ?? false,
        name: fact?.name,
        entry: { kind, ip: kind === 'nodePort' ? null : ip, port, evidence: { path, line: v.line, column: 1 } },
      },
    ];
  });

  const services = new Map<
    string,
    {
      protocol: ServiceProtocol;
      family: IpvsService['family'];
      name?: string;
      entries: IpvsEntry[];
      local: boolean;
      persistent: number | null;
    }
  >();
  const clusterByServers = new Map<string, string>();
  for (const c of classified.filter((c) => c.kind === 'clusterIP')) {
    const key = `${c.protocol} ${c.entry.ip}:${c.entry.port}`;
    services.set(key, {
      protocol: c.protocol,
      family: c.virtual.family,
      ...(c.name ? { name: c.name } : {}),
      entries: [c],
      local: false,
      persistent: c.virtual.persistent ?? null,
    });
    const servers = `${c.protocol} ${realServers(c.virtual)}`;
    // Two cluster IPs with the same real servers cannot tell an outside entry point which one it belongs to.
    clusterByServers.set(servers, clusterByServers.has(servers) ? '' : key);
  }
  for (const c of classified.filter((c) => c.kind !== 'clusterIP')) {
    const owner =
      clusterByServers.get(`${c.protocol} ${realServers(c.virtual)}`) ||
      `${c.protocol} ${c.kind} ${c.entry.ip ?? '*'}:${c.entry.port}`;
    const s = services.get(owner) ?? {
      protocol: c.protocol,
      family: c.virtual.family,
      ...(c.name ? { name: c.name } : {}),
      entries: [],
      local: false,
      persistent: c.virtual.persistent ?? null,
    };
    services.set(owner, s);
    if (!s.entries.some((e) => e.entry.kind === c.kind && e.entry.ip === c.entry.ip && e.entry.port === c.entry.port))
      s.entries.push(c);
    s.local ||= c.local;
  }

  return [...services.values()].map((s) => {
    const first = s.entries[0]!.entry;
    const external = s.entries.some((e) => e.entry.kind !== 'clusterIP');
    return {
      name: s.name ?? `${first.ip ?? '*'}:${first.port}/${s.protocol}`,
      named: s.name !== undefined,
      family: s.family,
      protocol: s.protocol,
      proxyMode: 'ipvs',
      entryPoints: s.entries.map((e) => e.entry),
      virtualServices: s.entries,
      affinitySeconds: s.persistent,
      stickyClients: [],
      externalTrafficPolicy: external ? (s.local ? 'Local' : 'Cluster') : null,
      internalTrafficPolicy: 'Cluster',
      // A virtual service without real servers: kube-proxy found no endpoint (on this node, under a Local policy).
      noEndpoints: s.entries
        .filter((e) => e.virtual.destinations.length === 0)
        .map((e) => ({
          local: e.entry.kind !== 'clusterIP' && s.local,
          kind: e.entry.kind,
          evidence: e.entry.evidence,
        })),
    };
  });
}
