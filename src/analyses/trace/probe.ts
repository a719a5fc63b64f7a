/** The packet a user asks about (contracts.md `nfwalk trace`): the first packet of a new connection unless `ctstate` says otherwise. */

export type ProbeProtocol = 'tcp' | 'udp' | 'icmp' | 'sctp';

export type ProbeCtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';

export interface Probe {
  readonly src: string;
  readonly dst: string;
  readonly proto: ProbeProtocol;
  readonly sport?: number;
  readonly dport?: number;
  /** Arrives on this interface (PREROUTING). */
  readonly in?: string;
  /** Sent by the node itself (OUTPUT). */
  readonly local?: boolean;
  readonly ctstate?: ProbeCtState;
  /** Packet mark on arrival (`--mark`); 0 unless given. */
  readonly mark?: number;
  /** icmp type, 8 (echo request) unless given. */
  readonly icmpType?: number;
  /** A client the node has not seen: `recent` lists (session affinity) hold nothing about it. */
  readonly newClient?: boolean;
}
