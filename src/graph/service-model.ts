/**
 * The Kubernetes service model of one node, as its dumps reveal it: which services kube-proxy programmed,
 * where clients reach them (entry points) and the policies its rules encode. Where packets then go, and
 * with what probability, is not recorded here: the services analysis asks the packet walk.
 */
import type { SourceRef } from '../model/source';
import type { Family } from '../model/values';

export type ServiceProtocol = 'tcp' | 'udp' | 'sctp';

/**
 * `external` is an external IP or a load-balancer IP where the dump does not say which (no comment, no
 * KUBE-FW chain); `healthCheckNodePort` is the port kube-proxy answers load-balancer health checks on.
 */
export type EntryKind = 'clusterIP' | 'externalIP' | 'loadBalancer' | 'external' | 'nodePort' | 'healthCheckNodePort';

export interface EntryPoint {
  readonly kind: EntryKind;
  /** The address clients send to; null for a NodePort (any address of the node). */
  readonly ip: string | null;
  readonly port: number;
  /** The rule that recognises this entry point (nat KUBE-SERVICES / KUBE-NODEPORTS, a filter rule, an IPVS service line). */
  readonly evidence: SourceRef;
  /** loadBalancerSourceRanges, read from the KUBE-FW chain: sources allowed in. */
  readonly sourceRanges?: readonly string[];
}

export type TrafficPolicy = 'Cluster' | 'Local';

/**
 * A client that session affinity pins to an endpoint, as the dump records it: a live element of kube-proxy's
 * `affinity-…` set in nftables mode (iptables' `recent` lists and IPVS's persistence templates are not in the
 * dumps nfwalk reads).
 */
export interface StickyClient {
  readonly client: string;
  readonly endpoint: { readonly ip: string; readonly port: number };
  /** Seconds until the record expires (`expires` of the element); null when the dump shows none. */
  readonly expiresSeconds: number | null;
  /** The set holding the record. */
  readonly set: string;
  readonly evidence: SourceRef;
}

export interface KubeService {
  /** `ns/svc:port` from kube-proxy's comments, else the service chain's name, else `ip:port/proto`. */
  readonly name: string;
  /** Whether the name came from kube-proxy's comments (or ipset comments). */
  readonly named: boolean;
  readonly family: Family;
  readonly protocol: ServiceProtocol;
  readonly proxyMode: 'iptables' | 'ipvs' | 'nftables';
  readonly entryPoints: readonly EntryPoint[];
  /**
   * ClientIP session affinity: `recent --rcheck --seconds N` in iptables mode, `persistent N` in IPVS mode, the
   * `affinity-…` sets' timeout in nftables mode.
   */
  readonly affinitySeconds: number | null;
  /** Clients pinned to an endpoint, as far as the dump shows them. */
  readonly stickyClients: readonly StickyClient[];
  /** null when the service has no external entry point (or the rules do not show the policy). */
  readonly externalTrafficPolicy: TrafficPolicy | null;
  readonly internalTrafficPolicy: TrafficPolicy;
  /** kube-proxy's own statement that an entry point has no (local) endpoints, with the rule saying it. */
  readonly noEndpoints: readonly { readonly local: boolean; readonly kind: EntryKind; readonly evidence: SourceRef }[];
}
