/** IPVS virtual services, real servers and connections as ipvsadm and /proc/net/ip_vs* print them (formats.md §2). */

export type IpvsProtocol = 'TCP' | 'UDP' | 'SCTP' | 'FWM';
export type IpvsForward = 'Masq' | 'Route' | 'Tunnel' | 'Local';

/** An address as listed: numeric when ipvsadm ran with -n, else a (possibly truncated) host name. */
export interface IpvsEndpoint {
  readonly address: string;
  /** Absent when a non-numeric listing cut the port off or named it with a name nfwalk does not know, or for fwmark services. */
  readonly port?: number;
  /** A service name in place of the port (`:http`, listings without -n); `port` is its number when known. */
  readonly portName?: string;
  readonly numeric: boolean;
  /** ipvsadm -L cut the column at its width: the port, and perhaps the end of the host name, are lost. */
  readonly cut?: true;
}

/** Per-row numbers of `--stats` (Conns InPkts OutPkts InBytes OutBytes) or `--rate` (CPS InPPS OutPPS InBPS OutBPS). */
export interface IpvsCounters {
  readonly kind: 'stats' | 'rate';
  readonly values: readonly number[];
  /** A number printed with a K/M/G/T suffix (no --exact) is rounded down. */
  readonly approximate: boolean;
}

export interface IpvsDestination {
  readonly line: number;
  readonly endpoint: IpvsEndpoint;
  readonly forward?: IpvsForward;
  readonly weight?: number;
  readonly activeConn?: number;
  readonly inactConn?: number;
  readonly persistConn?: number;
  readonly upperThreshold?: number;
  readonly lowerThreshold?: number;
  readonly tunnel?: string;
  /** `ipvsadm -S`: `--tun-port` and the tunnel checksum flag (`nocsum`, `csum`, `remcsum`). */
  readonly tunnelPort?: number;
  readonly tunnelChecksum?: 'nocsum' | 'csum' | 'remcsum';
  readonly counters?: IpvsCounters;
}

export interface IpvsService {
  readonly line: number;
  readonly protocol: IpvsProtocol;
  readonly family: 'ipv4' | 'ipv6';
  /** Virtual address and port; for FWM services the mark is in `fwmark`. */
  readonly endpoint?: IpvsEndpoint;
  readonly fwmark?: number;
  readonly scheduler?: string;
  readonly schedulerFlags?: readonly string[];
  /** Persistence timeout in seconds (`persistent 10800`). */
  readonly persistent?: number;
  readonly netmask?: string;
  readonly pe?: string;
  readonly ops: boolean;
  readonly counters?: IpvsCounters;
  readonly destinations: readonly IpvsDestination[];
}

export interface IpvsConnection {
  readonly line: number;
  readonly protocol: string;
  /** Seconds until the entry expires. */
  readonly expires: number;
  readonly state: string;
  readonly client: IpvsEndpoint;
  readonly virtual: IpvsEndpoint;
  readonly destination: IpvsEndpoint;
  readonly pe?: string;
  readonly peData?: string;
}

export interface IpvsTimeouts {
  readonly tcp: number;
  readonly tcpfin: number;
  readonly udp: number;
}

/** Which listing the section came from. */
export type IpvsListing =
  | 'list'
  | 'stats'
  | 'rate'
  | 'thresholds'
  | 'persistent-conn'
  | 'save'
  | 'connections'
  | 'proc'
  | 'proc-connections'
  | 'proc-stats'
  | 'timeout';
