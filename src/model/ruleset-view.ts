/**
 * One ruleset as the structural analyses see it, whoever wrote it: tables of chains, a base chain on a hook at a
 * priority with a policy, a regular chain reached only by jumps; rules in order, each with the chains it jumps
 * or goes to (its own verdict, or the entries of a verdict map) and its text. iptables-save and nft listings are
 * two readers of it (`iptables-view.ts`, `nft-view.ts`); the call graph, lint's chain checks, `chains` and `diff`
 * read only this. What a match means is not here: that differs between the two (docs/nft-ruleset.md).
 */
import type { SourceRef } from './source';
import type { Family } from './values';

export type RulesetFormat = 'iptables' | 'nft';

/** A chain a rule passes the packet to, by its verdict or a verdict map's: `jump` comes back, `goto` does not. */
export interface ViewCall {
  readonly chain: string;
  readonly goto: boolean;
}

export interface ViewRule {
  /** 1-based position in its chain. */
  readonly index: number;
  readonly location: SourceRef;
  readonly calls: readonly ViewCall[];
  /** What the rule says of itself: iptables' `-m comment`, nft's `comment "…"`. */
  readonly comment?: string;
  /** The rule as its tool prints it without counters or handles: equal text, same rule. Printed on demand. */
  readonly text: () => string;
  /** A rule no dump shows, taken for kube-proxy's own in a dump shown in part (kube-plumbing.ts). */
  readonly assumed?: true;
}

export interface ViewBase {
  /** `prerouting`, `input`, … in nft's spelling for both readers. */
  readonly hook: string;
  /** `filter`, `nat`, `route`; iptables' table name stands for it. */
  readonly type: string;
  /** The number the kernel orders the hook's chains by; undefined when a name was not standard there. */
  readonly priority: number | undefined;
  /** As the dump printed it (`dstnat - 10`), or the fixed priority of an iptables table. */
  readonly priorityText: string;
  /** `accept`/`drop` (nft), `ACCEPT`/`DROP` (iptables); null when the dump does not say. */
  readonly policy: string | null;
  /** netdev and inet ingress chains: the devices they are bound to. */
  readonly devices?: readonly string[];
}

export interface ViewChain {
  readonly name: string;
  /** Absent for a regular (user) chain. */
  readonly base?: ViewBase;
  readonly rules: readonly ViewRule[];
  readonly location: SourceRef;
}

export interface ViewTable {
  /** As analyses name it: `nat` for iptables, `ip kube-proxy` (family and name) for nft. */
  readonly name: string;
  /** nft's family of the table (`ip`, `ip6`, `inet`, …); iptables' tables are `ip` or `ip6`. */
  readonly family: string;
  readonly chains: readonly ViewChain[];
  /**
   * The listing shows all of the table: every chain a rule names is there. A part (`nft list chain`, a dump cut
   * short) proves nothing by what it lacks.
   */
  readonly whole: boolean;
}

export interface RulesetView {
  readonly format: RulesetFormat;
  /** An iptables dump is of one family; an nft listing's tables each have their own. */
  readonly family?: Family;
  readonly tables: readonly ViewTable[];
}
