/** What a trace returns (contracts.md `nfwalk trace --json`): every way the probe can go, with its probability. */
import type { NftFamily } from '../../model/nft';
import type { Backend, TableName } from '../../model/ruleset';
import type { Probe } from './probe';

/** A rule that matched, as TRACE reports it: 1-based position in its chain and the target it ran. */
export interface RuleStep {
  readonly table: TableName;
  readonly chain: string;
  readonly rule: number;
  /** The target's name (`ACCEPT`, `DNAT`, a chain name); absent for a rule without `-j`/`-g`. */
  readonly target?: string;
  /** Set when the target is a chain: entered with `-j` (jump) or `-g` (goto). */
  readonly jump?: 'jump' | 'goto';
  /** The rule as iptables-save prints it; empty from a tracer prepared without step text (`TracerOptions`). */
  readonly text: string;
  /** The packet's addresses after this rule rewrote them (DNAT, SNAT, MASQUERADE, REDIRECT, NETMAP). */
  readonly rewrote?: Header;
  /** Whose table this is, when the node runs both iptables backends. */
  readonly backend?: Backend;
}

/** A built-in chain's policy applied: the packet fell off (or RETURNed from) its end. */
export interface PolicyStep {
  readonly table: TableName;
  readonly chain: string;
  readonly policy: 'ACCEPT' | 'DROP';
  readonly backend?: Backend;
}

/**
 * A rule of an nft ruleset that ran to its end, as `nft monitor trace` reports it (contracts.md): rule = 1-based
 * position in its chain as listed, verdict as nft prints it (`continue` when the rule has none).
 */
export interface NftRuleStep {
  readonly family: NftFamily;
  readonly table: string;
  readonly chain: string;
  readonly rule: number;
  readonly verdict: string;
  /** The rule as `nft list ruleset` prints it. */
  readonly text: string;
  readonly rewrote?: Header;
}

/** An nft base chain's policy applied. */
export interface NftPolicyStep {
  readonly family: NftFamily;
  readonly table: string;
  readonly chain: string;
  readonly policy: 'accept' | 'drop';
}

export type TraceStep = RuleStep | PolicyStep | NftRuleStep | NftPolicyStep;

/** Whether a step is in an nft ruleset's table rather than an iptables one. */
export const isNftStep = (s: TraceStep): s is NftRuleStep | NftPolicyStep => 'family' in s;

export interface Header {
  readonly src: string;
  readonly sport?: number;
  readonly dst: string;
  readonly dport?: number;
}

/** ACCEPT when the packet is delivered or sent on; otherwise the target or event that ended it. */
export type Verdict = 'ACCEPT' | 'DROP' | 'REJECT' | 'QUEUE' | 'NFQUEUE' | string;

export interface TracePath {
  readonly probability: number;
  readonly verdict: Verdict;
  /** `local`: delivered to a socket on the node; `forwarded`: sent out of an interface; null: ended here. */
  readonly delivered: 'local' | 'forwarded' | null;
  readonly final: Header;
  readonly masquerade: boolean;
  /** Interface the packet leaves by, when it leaves. */
  readonly out?: string;
  /** Why the path ended where it did when no rule says (no route, martian address, forwarding off). */
  readonly reason?: string;
  readonly steps: readonly TraceStep[];
  /** What nfwalk had to assume to follow this path: undecidable matches and their outcome here. */
  readonly assumptions?: readonly string[];
}

export interface TraceResult {
  readonly packet: Probe;
  readonly node: string;
  readonly paths: readonly TracePath[];
  /** Facts about the node nfwalk did not have and what it assumed instead; they apply to every path. */
  readonly warnings: readonly string[];
}
