/** A dump found in the input: which format, where it came from, and what it holds (contracts.md, `parse --json`). */
import type { ConntrackCpuStats, ConntrackEntry } from './conntrack';
import type { Diagnostic } from './diagnostic';
import type { IpInterface, Route } from './ip';
import type { IpSet } from './ipset';
import type { IpvsConnection, IpvsListing, IpvsService, IpvsTimeouts } from './ipvs';
import type { NftBody } from './nft';
import type { Ruleset } from './ruleset';
import type { SysctlEntry } from './sysctl';

export interface SectionSource {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  /** The node the dump belongs to: from the bundle's layout, else the input directory or file name. */
  readonly node: string;
  /** The command a prompt or collector header named for this dump. */
  readonly command?: string;
  /** The command piped the dump through a filter (`| grep`), so absent rules or entries prove nothing. */
  readonly partial?: boolean;
  /** The host the prompt before the dump names (`[root@HOST ~]#`). */
  readonly host?: string;
  /** The input holds several snapshots of one ruleset: this dump belongs to the n-th (1-based), node `NAME#n`. */
  readonly snapshot?: number;
  /** The collector cut the output it wrote (sos's truncated outputs): how, in a few words. */
  readonly cut?: string;
}

/** What every section has, whatever its format. */
export interface SectionBody {
  readonly kind: string;
  /** Records as contracts.md counts them (rules, real servers, entries, members, addresses, routes, keys). */
  readonly records: number;
  readonly diagnostics: readonly Diagnostic[];
}

/** How each line of an iptables-save dump was used; together they account for every line. */
export interface LineAccount {
  readonly rules: number;
  readonly chains: number;
  readonly tables: number;
  readonly commits: number;
  readonly comments: number;
  readonly blank: number;
  readonly prompts: number;
  readonly rejected: number;
}

export interface IptablesSaveBody extends SectionBody {
  readonly kind: 'iptables-save' | 'ip6tables-save';
  readonly ruleset: Ruleset;
  readonly lines: LineAccount;
}

/** What an `iptables -L` listing shows, by the flags it was printed with (-v, -n, -x, --line-numbers). */
export interface ListingShows {
  /** -v: interfaces and counters; without it every rule's interfaces are unknown. */
  readonly verbose: boolean;
  /** --line-numbers. */
  readonly lineNumbers: boolean;
  /** Without -n: addresses, ports and users by name; a host name stands for an address the dump does not give. */
  readonly names: boolean;
  /** Counters abbreviated with K, M, G (-v without -x): read as the nominal value. */
  readonly roundedCounters: boolean;
}

/**
 * `iptables -L` / `ip6tables -L`: read into the same ruleset as a dump (without what the listing hides), so
 * every analysis runs on it; `fmt` prints it in iptables-save form.
 */
export interface IptablesListBody extends SectionBody {
  readonly kind: 'iptables-list' | 'ip6tables-list';
  readonly ruleset: Ruleset;
  readonly lines: LineAccount;
  readonly shows: ListingShows;
}

/** conntrack-tools' own line on stderr, which lands anywhere in a file that merged stdout and stderr. */
export interface ConntrackSummary {
  readonly line: number;
  readonly count: number;
  readonly what: 'shown' | 'deleted' | 'events' | 'emptied';
}

export interface ConntrackBody extends SectionBody {
  readonly kind: 'conntrack';
  readonly entries: readonly ConntrackEntry[];
  readonly summaries: readonly ConntrackSummary[];
}

export interface ConntrackStatsBody extends SectionBody {
  readonly kind: 'conntrack-stats';
  readonly format: 'conntrack -S' | '/proc/net/stat/nf_conntrack';
  readonly cpus: readonly ConntrackCpuStats[];
}

export interface ConntrackCountBody extends SectionBody {
  readonly kind: 'conntrack-count';
  readonly count: number | undefined;
}

export interface IpvsBody extends SectionBody {
  readonly kind: 'ipvsadm';
  readonly listing: IpvsListing;
  /** `IP Virtual Server version 1.2.1 (size=4096)`: kernel IPVS version and connection hash size. */
  readonly version?: string;
  readonly connectionTableSize?: number;
  readonly services: readonly IpvsService[];
  readonly connections: readonly IpvsConnection[];
  readonly timeouts?: IpvsTimeouts;
  /** /proc/net/ip_vs_stats: totals and rates, in the kernel's column order. */
  readonly totals?: Readonly<Record<string, number>>;
}

export interface IpsetBody extends SectionBody {
  readonly kind: 'ipset';
  readonly format: 'save' | 'list';
  readonly sets: readonly IpSet[];
}

export interface IpAddrBody extends SectionBody {
  readonly kind: 'ip-addr';
  readonly interfaces: readonly IpInterface[];
}

export interface IpRouteBody extends SectionBody {
  readonly kind: 'ip-route';
  readonly routes: readonly Route[];
}

export interface SysctlBody extends SectionBody {
  readonly kind: 'sysctl';
  readonly entries: readonly SysctlEntry[];
}

export type SectionBodies =
  | IptablesSaveBody
  | IptablesListBody
  | ConntrackBody
  | ConntrackStatsBody
  | ConntrackCountBody
  | IpvsBody
  | IpsetBody
  | IpAddrBody
  | IpRouteBody
  | SysctlBody
  | NftBody;

export type Section = SectionBodies & { readonly source: SectionSource };

/** iptables' own word that legacy tables exist beside the dump it printed: rules missing from every analysis. */
export type ForeignDump = 'iptables-legacy' | 'ip6tables-legacy';

/**
 * Input lines that belong to no section: prompts, collector headers, banners, or text of no known format; or the
 * continuations of records a terminal wrapped, read as part of the record on the line before them.
 */
export interface SkippedLines {
  readonly path: string;
  /** The node the input belongs to, as for its sections. */
  readonly node: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly reason: string;
  /** Set when the line is such a warning rather than noise. */
  readonly foreign?: ForeignDump;
  /** Set on continuations of wrapped records: how the paste was wrapped. */
  readonly wrap?: Wrap;
}

/**
 * How a paste was wrapped: by a terminal at its last column, wherever that fell (inside a word too), or between
 * words by an editor, a mail client or a page's text box, the space at each break lost.
 */
export interface Wrap {
  readonly style: 'terminal' | 'words';
  /** The terminal's columns, or the widest line the wrapping left. */
  readonly width: number;
}

/** What wrapped a paste's records, as the notes on them say it: "records a terminal 80 columns wide wrapped". */
export function wrappedBy(wrap: Wrap): string {
  switch (wrap.style) {
    case 'terminal':
      return `a terminal ${wrap.width} columns wide wrapped`;
    case 'words':
      return `an editor or a web page wrapped between words at ${wrap.width} columns`;
  }
}

/** A ruleset as iptables-save dumps it or as iptables -L lists it. */
export type RulesetSection = Extract<
  Section,
  { readonly kind: 'iptables-save' | 'ip6tables-save' | 'iptables-list' | 'ip6tables-list' }
>;

export function isRulesetSection(s: Section): s is RulesetSection {
  return (
    s.kind === 'iptables-save' ||
    s.kind === 'ip6tables-save' ||
    s.kind === 'iptables-list' ||
    s.kind === 'ip6tables-list'
  );
}

/** An input that could not be read (missing file, permission, broken archive). */
export interface InputFailure {
  readonly path: string;
  readonly reason: string;
}

/** What reading the inputs found: the dumps' sections, the lines between them, the inputs that failed. */
export interface FoundSections {
  readonly sections: readonly Section[];
  readonly skipped: readonly SkippedLines[];
  readonly failures: readonly InputFailure[];
}
