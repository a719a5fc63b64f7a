/** What changed between two snapshots of nodes: the rules, chain by chain, and the services they program. */
import type { EntryKind, ServiceProtocol } from '../../graph/service-model';
import type { Backend } from '../../model/ruleset';
import type { SourceRef } from '../../model/source';
import type { Family } from '../../model/values';
import type { BeforeAfter, Change } from './change';

export type { BeforeAfter, Change } from './change';

/** A rule as its tool prints it (iptables-save, nft list ruleset) without counters or handles, and where it stands. */
export interface RuleText {
  readonly text: string;
  /** 1-based position in its chain. */
  readonly index: number;
  readonly location: SourceRef;
}

export interface ChainChange {
  readonly table: string;
  readonly chain: string;
  /** The chain exists only in one snapshot; `changed` when both declare it. */
  readonly change: Change;
  /** Base (built-in) chains whose policy differs: before, then after. */
  readonly policy?: BeforeAfter<string | null>;
  /** nft chains whose hook or priority differs (`type filter hook input priority -110`), null for a regular chain. */
  readonly hook?: BeforeAfter<string | null>;
  readonly added: readonly RuleText[];
  readonly removed: readonly RuleText[];
  /** The same rules in another order: in iptables that can change what matches first. */
  readonly reordered: boolean;
}

/** Tables one snapshot shows and the other does not, by the snapshot that shows them: not compared. */
export interface TablesShownBy {
  readonly before: string[];
  readonly after: string[];
}

interface ChainsDiff {
  readonly chains: readonly ChainChange[];
  /** Tables shown by one snapshot only (a dump of `-t nat` alone): their chains are unknown on the other side. */
  readonly shownByOne?: TablesShownBy;
  /** Rules added and removed over all chains, chains added and removed with their rules included. */
  readonly rulesAdded: number;
  readonly rulesRemoved: number;
}

/**
 * One iptables family and backend of a node, before and after; or the node's nft tables (chains named by table:
 * `ip kube-proxy`), iptables-nft's own left to iptables-nft-save when it is there.
 */
export type RulesetDiff =
  | (ChainsDiff & {
      readonly format: 'iptables';
      readonly family: Family;
      /** The backends compared; two when the node moved from one to the other. */
      readonly backend: BeforeAfter<Backend | null>;
    })
  | (ChainsDiff & { readonly format: 'nft' });

export interface ShareChange {
  readonly ip: string;
  readonly port: number;
  /** The share of new connections before and after; 0 where the endpoint is absent. */
  readonly before: number;
  readonly after: number;
}

export interface EntryPointChange {
  readonly kind: EntryKind;
  readonly ip: string | null;
  readonly port: number;
  readonly change: Change;
  /** forward, drop or reject: before, then after (null where the entry point is absent). */
  readonly verdict: BeforeAfter<string | null>;
  /** Endpoints whose share moved, added and removed ones included. */
  readonly endpoints: readonly ShareChange[];
}

export interface ServiceChange {
  readonly name: string;
  readonly protocol: ServiceProtocol;
  readonly family: Family;
  readonly change: Change;
  readonly entryPoints: readonly EntryPointChange[];
}

/** Two snapshots of one node (or the only node of each side). */
export interface NodeDiff {
  readonly before: string;
  readonly after: string;
  readonly rulesets: readonly RulesetDiff[];
  readonly services: readonly ServiceChange[];
  /** Services one snapshot programs in tables the other does not show: unknown there, so not compared. */
  readonly servicesNotCompared?: number;
}

export interface DiffAnalysis {
  readonly nodes: readonly NodeDiff[];
  /** Nodes found on one side only, by name. */
  readonly onlyBefore: readonly string[];
  readonly onlyAfter: readonly string[];
}
