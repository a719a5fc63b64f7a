/** The chain call graph of a ruleset, summarised: chains grouped into families where there are too many to draw. */
import type { RulesetFormat } from '../../model/ruleset-view';
import type { Family } from '../../model/values';

export interface ChainGroup {
  /** Stable: `table name` for one chain, `table prefix-*` for a family. */
  readonly key: string;
  /** `nat` (iptables), `ip kube-proxy` (nft: family and name). */
  readonly table: string;
  /** The chain's name, or the family's pattern (`KUBE-SVC-*`, `endpoint-*`). */
  readonly name: string;
  readonly chains: number;
  readonly rules: number;
  /** Base (built-in) chains carry their policy as the dump prints it (`ACCEPT`, `drop`). */
  readonly policy?: string;
  /** What the rules that jump into a lone chain say of it when they agree (kube-proxy's `ns/svc:port cluster IP`). */
  readonly comment?: string;
}

export interface ChainCall {
  readonly from: string;
  readonly to: string;
  /** Rules (and verdict map entries) that jump and go (goto, `-g`) from the group `from` into the group `to`. */
  readonly jumps: number;
  readonly gotos: number;
}

export interface ChainCallGraph {
  readonly format: RulesetFormat;
  /** iptables: the dump's family; an nft listing's tables each carry their own in their name. */
  readonly family?: Family;
  /** The chain whose reach was asked for, if any. */
  readonly from?: string;
  readonly groups: readonly ChainGroup[];
  readonly calls: readonly ChainCall[];
  /** Chains in the drawing before grouping, and how many families were folded to fit. */
  readonly chains: number;
  readonly folded: number;
}
