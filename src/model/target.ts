/**
 * What a rule does when it matches (`-j` / `-g`), one interface per target of iptables-extensions(8).
 * A jump names a chain of the same table; a target nfwalk does not know is kept whole as OpaqueTarget.
 */
import type { TextOption, VerbatimWord } from './match';
import type { MarkMask, NatRange, PortRange } from './values';

export interface JumpTarget {
  readonly kind: 'jump';
  readonly chain: string;
  readonly goto: boolean;
}
export interface VerdictTarget {
  readonly kind: 'ACCEPT' | 'DROP' | 'RETURN' | 'QUEUE' | 'NOTRACK' | 'TRACE';
}
export interface DnatTarget {
  readonly kind: 'DNAT';
  readonly toDestination: readonly NatRange[];
  readonly random?: true;
  readonly persistent?: true;
}
export interface SnatTarget {
  readonly kind: 'SNAT';
  readonly toSource: readonly NatRange[];
  readonly random?: true;
  readonly randomFully?: true;
  readonly persistent?: true;
}
export interface MasqueradeTarget {
  readonly kind: 'MASQUERADE';
  readonly toPorts?: PortRange;
  readonly random?: true;
  readonly randomFully?: true;
}
export interface RedirectTarget {
  readonly kind: 'REDIRECT';
  readonly toPorts?: PortRange;
  readonly random?: true;
}
export interface NetmapTarget {
  readonly kind: 'NETMAP';
  readonly to: string;
}
export interface RejectTarget {
  readonly kind: 'REJECT';
  readonly rejectWith?: string;
}
/** MARK `--set-xmark V/M`: mark = (mark & ~M) ^ V. `--set-mark`, `--or-mark`, … are read into this form, as the kernel stores them. */
export interface MarkTarget {
  readonly kind: 'MARK';
  readonly xmark: MarkMask;
}
/**
 * CONNMARK: `xmark` applies to the connection's mark like MARK's; `save-mark` copies ct = (ct & ~ctmask) ^ (mark & nfmask),
 * `restore-mark` copies mark = (mark & ~nfmask) ^ (ct & ctmask).
 */
export interface ConnmarkTarget {
  readonly kind: 'CONNMARK';
  readonly xmark?: MarkMask;
  readonly copy?: 'save-mark' | 'restore-mark';
  readonly nfmask?: number;
  readonly ctmask?: number;
}
export interface CtTarget {
  readonly kind: 'CT';
  readonly notrack?: true;
  readonly helper?: string;
  readonly timeout?: string;
  readonly ctevents?: string;
  readonly expevents?: string;
  readonly zoneOrig?: string;
  readonly zoneReply?: string;
  readonly zone?: string;
}
export interface LogTarget {
  readonly kind: 'LOG';
  readonly logPrefix?: string;
  readonly logLevel?: number;
  readonly logTcpSequence?: true;
  readonly logTcpOptions?: true;
  readonly logIpOptions?: true;
  readonly logUid?: true;
  readonly logMacdecode?: true;
}
export interface NflogTarget {
  readonly kind: 'NFLOG';
  readonly nflogPrefix?: string;
  readonly nflogGroup?: number;
  readonly nflogRange?: number;
  readonly nflogSize?: number;
  readonly nflogThreshold?: number;
}
export interface TproxyTarget {
  readonly kind: 'TPROXY';
  readonly onPort?: number;
  readonly onIp?: string;
  readonly tproxyMark?: MarkMask;
}
export interface TcpmssTarget {
  readonly kind: 'TCPMSS';
  readonly setMss?: number;
  readonly clampMssToPmtu?: true;
}
export interface ChecksumTarget {
  readonly kind: 'CHECKSUM';
  readonly checksumFill?: true;
}

/** Targets nfwalk reads as typed text: packet modifiers with no effect on where a packet goes. */
export interface TextOptionsTarget {
  readonly kind: TextOptionsTargetName;
  readonly options: readonly TextOption[];
}
export type TextOptionsTargetName =
  | 'DSCP'
  | 'TOS'
  | 'TTL'
  | 'HL'
  | 'CLASSIFY'
  | 'SET'
  | 'NFQUEUE'
  | 'ULOG'
  | 'AUDIT'
  | 'SECMARK'
  | 'CONNSECMARK'
  | 'IDLETIMER'
  | 'LED'
  | 'SYNPROXY'
  | 'TEE'
  | 'HMARK'
  | 'RATEEST'
  | 'ECN'
  | 'CLUSTERIP'
  | 'MIRROR'
  | 'SAME';

export interface OpaqueTarget {
  readonly kind: 'opaque';
  readonly name: string;
  readonly words: readonly VerbatimWord[];
}

export type Target =
  | JumpTarget
  | VerdictTarget
  | DnatTarget
  | SnatTarget
  | MasqueradeTarget
  | RedirectTarget
  | NetmapTarget
  | RejectTarget
  | MarkTarget
  | ConnmarkTarget
  | CtTarget
  | LogTarget
  | NflogTarget
  | TproxyTarget
  | TcpmssTarget
  | ChecksumTarget
  | TextOptionsTarget
  | OpaqueTarget;

export type TargetKind = Target['kind'];
/** The record of a target (the verdicts share VerdictTarget, the typed-text targets TextOptionsTarget). */
export type TargetOf<K extends TargetKind> = Target extends infer T
  ? T extends { readonly kind: infer X }
    ? K extends X
      ? T
      : never
    : never
  : never;
