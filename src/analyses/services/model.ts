/** What the services analysis finds per node and entry point, before the cluster view merges the nodes. */
import type { EntryPoint, KubeService, StickyClient } from '../../graph/service-model';
import type { Family } from '../../model/values';
import type { Finding } from '../finding';

export interface EndpointShare {
  readonly ip: string;
  readonly port: number;
  readonly probability: number;
  /** IPVS real server weight; 0 for a terminating endpoint. */
  readonly weight?: number;
}

/** The fate of a new connection at one entry point, as probabilities that sum to one. */
export interface EntryOutcome {
  readonly entry: EntryPoint;
  /**
   * forward: DNATed to an endpoint; the contract's verdict, the most likely outcome. local: a health-check NodePort
   * delivered to the node, where kube-proxy answers it.
   */
  readonly verdict: 'forward' | 'drop' | 'reject' | 'local';
  readonly endpoints: readonly EndpointShare[];
  readonly drop: number;
  readonly reject: number;
  /**
   * No rule rewrote or stopped it: delivered to the node itself, where nothing listens on a service port
   * (counted as reject in the verdict; on a health-check NodePort, kube-proxy does: local), or routed on
   * unchanged, where nothing answers (counted as drop).
   */
  readonly unhandled: number;
  /** Probability that the connection is masqueraded (SNAT or MASQUERADE); null where not modelled (IPVS). */
  readonly masquerade: number | null;
  /** The probe that was walked: a new connection from this client to this address. */
  readonly client: { readonly src: string; readonly dst: string };
  /** Endpoints reached through more than one DNAT rule (a duplicated endpoint). */
  readonly duplicates: readonly string[];
  /** Set when the shares are an estimate (IPVS schedulers that depend on load), saying from what. */
  readonly estimate?: string;
  /** Undecidable matches the walk split on. */
  readonly assumptions: readonly string[];
  /**
   * The part of `drop` and `reject` that was DNATed to an endpoint first and then stopped by a later rule
   * (a network policy, a host firewall), with those rules and the assumptions its paths rest on.
   */
  readonly afterDnat?: StoppedAfterDnat;
}

export interface StoppedAfterDnat {
  readonly drop: number;
  readonly reject: number;
  /** What stopped such paths, in walk order: `table chain rule N`, `table chain policy`, or the walk's reason (no route, …). */
  readonly rules: readonly string[];
  readonly assumptions: readonly string[];
}

/** One service as one node programs it: the fate of a new connection at each of the service's entry points. */
export interface ServiceOnNode {
  readonly node: string;
  /** Whether this node's dumps program the service at all (a node whose kube-proxy is behind may not). */
  readonly present: boolean;
  readonly outcomes: readonly EntryOutcome[];
  /** Live conntrack (or IPVS) connections per endpoint against the configured shares, per entry point that has any. */
  readonly observed: readonly ObservedShares[];
  /** Clients session affinity pins to an endpoint on this node (nft `affinity-…` sets). */
  readonly stickyClients: readonly StickyClientOnNode[];
}

export interface StickyClientOnNode extends StickyClient {
  /** Whether new connections to the service reach the endpoint on this node. */
  readonly endpointLive: boolean;
  /** For a client pinned to an endpoint new connections no longer reach: its next connection to the cluster IP. */
  readonly next?: EntryOutcome;
}

/** A service across the nodes given: its entry points as any node knows them, tried on every node. */
export interface ServiceView {
  readonly service: KubeService;
  readonly nodes: readonly ServiceOnNode[];
}

export interface NodeSummary {
  readonly name: string;
  readonly families: readonly Family[];
  readonly proxyMode: 'iptables' | 'ipvs' | 'nftables' | null;
  readonly services: number;
  /** What the dumps lacked and what stood in for it (node address, interfaces, routes). */
  readonly warnings: readonly string[];
}

export interface ServicesAnalysis {
  readonly services: readonly ServiceView[];
  readonly nodes: readonly NodeSummary[];
  readonly findings: readonly Finding[];
}

export interface ObservedShares {
  readonly entry: EntryPoint;
  readonly source: 'conntrack' | 'ipvs';
  readonly counts: readonly {
    readonly ip: string;
    readonly port: number;
    readonly connections: number;
    readonly expected: number;
  }[];
  /** Connections to addresses that get no new connections now: removed endpoints, weight-0 (terminating) ones. */
  readonly elsewhere: number;
  /** Pearson's chi-square goodness of fit; null when too few connections to test. */
  readonly chiSquare: { readonly statistic: number; readonly degreesOfFreedom: number; readonly pValue: number } | null;
}
