/** The chain call graph of a ruleset, summarised: chains grouped into families where there are too many to draw. */
import type { TableName } from '../../model/ruleset';

export interface ChainGroup {
  /** Stable: `table name` for one chain, `table prefix-*` for a family. */
  readonly key: string;
  readonly table: TableName;
  /** The chain's name, or the family's pattern (`KUBE-SVC-*`). */
  readonly name: string;
  readonly chains: number;
  readonly rules: number;
  /** Built-in chains carry their policy. */
  readonly policy?: 'ACCEPT' | 'DROP';
  /** What the rules that jump into a lone chain say of it when they agree (kube-proxy's `ns/svc:port cluster IP`). */
  readonly comment?: string;
}

export interface ChainCall {
  readonly from: string;
  readonly to: string;
  /** Rules that jump (`-j`) and go (`-g`) from the group `from` into the group `to`. */
  readonly jumps: number;
  readonly gotos: number;
}

export interface ChainCallGraph {
  readonly family: 'ipv4' | 'ipv6';
  /** The chain whose reach was asked for, if any. */
  readonly from?: string;
  readonly groups: readonly ChainGroup[];
  readonly calls: readonly ChainCall[];
  /** Chains in the drawing before grouping, and how many families were folded to fit. */
  readonly chains: number;
  readonly folded: number;
}
