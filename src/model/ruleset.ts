/** One iptables-save / ip6tables-save dump: tables → chains → rules, in the order the kernel evaluates them. */
import type { Match, Opt } from './match';
import type { SourceRef } from './source';
import type { Target } from './target';
import type { Counters, Family, RuleAddress } from './values';

export type TableName = 'raw' | 'mangle' | 'nat' | 'filter' | 'security';

export interface Rule {
  /** 1-based position in its chain, as `iptables -L --line-numbers` and TRACE count. */
  readonly index: number;
  readonly counters?: Counters;
  readonly source?: Opt<RuleAddress>;
  readonly destination?: Opt<RuleAddress>;
  readonly inInterface?: Opt<string>;
  readonly outInterface?: Opt<string>;
  readonly protocol?: Opt<string>;
  /** `-f` (IPv4 only): second and later fragments. */
  readonly fragment?: Opt<true>;
  readonly matches: readonly Match[];
  /** Absent for rules that only count (`-A X -s 1.2.3.4`). */
  readonly target?: Target;
  /** Where the rule was read; a read rule makes it when asked (a getter a spread does not copy: see copiedWith). */
  readonly location: SourceRef;
  /**
   * A rule the dump does not show, supplied because the part it belongs to is missing, or a rule the dump
   * shows only in part (`iptables -L` without -v hides interfaces): what is assumed, which every path
   * through the rule lists.
   */
  readonly assumed?: string;
}

export interface Chain {
  readonly name: string;
  readonly builtin: boolean;
  /** ACCEPT or DROP for built-in chains; null for user chains (`-` in the dump). */
  readonly policy: 'ACCEPT' | 'DROP' | null;
  readonly counters?: Counters;
  readonly rules: readonly Rule[];
  /** Where the chain was declared; a read chain makes it when asked (a getter a spread does not copy: see copiedWith). */
  readonly location: SourceRef;
  /** The dump was cut in or before this chain's rules: it may have had more than it shows. */
  readonly cut?: true;
}

export interface Table {
  readonly name: TableName;
  readonly chains: readonly Chain[];
  readonly location: SourceRef;
}

/**
 * Which of the kernel's two iptables implementations holds the rules: x_tables (`iptables-legacy`) or
 * nf_tables (`iptables-nft`). A node can have both at once, and the kernel runs both (formats.md §1.6).
 */
export type Backend = 'legacy' | 'nft';

/**
 * What a dump does not show, so that an absent chain, jump or rule proves nothing: a table cut short (no
 * COMMIT), or rules without their table's header and declarations (`iptables -S CHAIN`, `iptables-save |
 * grep`), or a dump piped through a filter.
 */
export type RulesetGap =
  | { readonly kind: 'truncated'; readonly table: TableName; readonly line: number }
  /** `iptables -S` output that ends with chains without rules: it may have been cut there. */
  | { readonly kind: 'maybe-cut'; readonly table: TableName; readonly line: number }
  | { readonly kind: 'fragment'; readonly line: number }
  | { readonly kind: 'filtered'; readonly command: string }
  /**
   * An `iptables -L` listing without a chain one of its rules jumps to: the kernel has every chain a rule jumps to,
   * and a whole listing prints them all, so the listing was cut or shows some chains alone.
   */
  | { readonly kind: 'unlisted'; readonly table: TableName; readonly chain: string; readonly line: number };

export interface Ruleset {
  readonly family: Family;
  readonly tables: readonly Table[];
  /** Known when the dump's header names it; a dump without a header leaves it open. */
  readonly backend?: Backend;
  /** Set when the dump is part of a ruleset; absent for a whole one. */
  readonly gaps?: readonly RulesetGap[];
  /**
   * Printed without `*table` lines (`iptables -t nat -S`): one node's such dumps of different tables are
   * parts of one ruleset.
   */
  readonly headerless?: true;
}

/** The command that dumps a family's ruleset, as messages name it. */
export const saveCommandOf = (family: Family): 'iptables-save' | 'ip6tables-save' =>
  family === 'ipv4' ? 'iptables-save' : 'ip6tables-save';
