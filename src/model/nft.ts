/**
 * An nftables ruleset as `nft list ruleset` prints it (text or `-j` JSON): tables of every family holding
 * sets, maps, flowtables, stateful objects and chains whose rules are typed expression lists
 * (shared/reference/nftables.md §2). Literals keep the text they were printed with (`tcp` or `6`,
 * `0x00004000`, `3h` or `10800s`) so a listing prints back as it was; what a value means is the walk's
 * business, not the reader's.
 */
import type { Family } from './values';

/** The family of an nft table (`table inet filter`). */
export type NftFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';
export const NFT_FAMILIES: readonly NftFamily[] = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];

/** The nft family whose tables an IP family's iptables tables are (`table ip nat`, `table ip6 nat`). */
export const nftFamilyOf = (family: Family): 'ip' | 'ip6' => (family === 'ipv4' ? 'ip' : 'ip6');

/** A value as printed: a number, address, prefix, range, symbol (`tcp`, `new`, `established,related`) or string. */
export interface NftLiteral {
  readonly kind: 'literal';
  readonly text: string;
  /** Printed in double quotes (interface names, string elements). */
  readonly quoted?: boolean;
}

/** Element attributes (`timeout 3h expires 2h59m counter packets 0 bytes 0 comment "…"`). */
export interface NftElementAttrs {
  readonly timeout?: string;
  readonly expires?: string;
  readonly counter?: NftCounterValue;
  readonly comment?: string;
}

export interface NftElement extends NftElementAttrs {
  readonly key: NftExpr;
  /** Map value or verdict (`: goto chain`); absent in sets. */
  readonly value?: NftExpr;
}

export type NftExpr =
  | NftLiteral
  /** `ip saddr`, `tcp dport`, `th dport`, `ether saddr`, `vlan id`, `icmp type`, `ip6 nexthdr`. */
  | { readonly kind: 'payload'; readonly protocol: string; readonly field: string }
  /** `meta l4proto`; `bare` for the forms printed without `meta` (`iifname`, `mark`, `pkttype`). */
  | { readonly kind: 'meta'; readonly key: string; readonly bare: boolean }
  /** `ct state`, `ct original ip daddr`, `ct reply zone`. */
  | { readonly kind: 'ct'; readonly key: string; readonly direction?: 'original' | 'reply'; readonly protocol?: string }
  /** `fib saddr . oif type`: what is looked up (`flags`) and what is returned (`result`). */
  | { readonly kind: 'fib'; readonly flags: readonly string[]; readonly result: string }
  | { readonly kind: 'numgen'; readonly mode: string; readonly mod: string; readonly offset?: string }
  /** `jhash ip saddr . tcp sport mod 2 seed 0x0 offset 1`, `symhash mod 2`. */
  | {
      readonly kind: 'hash';
      readonly function: 'jhash' | 'symhash';
      readonly expr?: NftExpr;
      readonly mod: string;
      readonly seed?: string;
      readonly offset?: string;
    }
  /** `@name`: a named set, map or flowtable. */
  | { readonly kind: 'ref'; readonly name: string }
  /** An anonymous set or map (`{ 0 : goto a, 1 : goto b }`). */
  | { readonly kind: 'set'; readonly elements: readonly NftElement[] }
  | { readonly kind: 'concat'; readonly parts: readonly NftExpr[] }
  /** `meta mark & 0x4000`, `meta mark | 0x4000`, `meta mark << 8`. */
  | {
      readonly kind: 'binop';
      readonly op: NftBinop;
      readonly left: NftExpr;
      readonly right: NftExpr;
      readonly spelled?: boolean;
    }
  /** `KEY map DATA`: a map lookup whose result is a value (`dnat to ip daddr map @m`). */
  | { readonly kind: 'map'; readonly key: NftExpr; readonly data: NftExpr }
  /** A verdict as a map value (`goto chain`, `drop`). */
  | { readonly kind: 'verdict'; readonly verdict: NftVerdictStmt }
  /** Text nfwalk does not know, kept as printed. */
  | { readonly kind: 'opaque'; readonly text: string };

/** `spelled`: printed as a word (`mark or 0x4000`, iptables-nft's xlate spelling) rather than a sign. */
export type NftBinop = '&' | '|' | '^' | '<<' | '>>';

export type NftRelOp = '==' | '!=' | '<' | '>' | '<=' | '>=';

export interface NftCounterValue {
  readonly packets: string;
  readonly bytes: string;
}

export type NftVerdictStmt =
  | { readonly kind: 'verdict'; readonly verdict: 'accept' | 'drop' | 'continue' | 'return' }
  | { readonly kind: 'verdict'; readonly verdict: 'jump' | 'goto'; readonly chain: string; readonly quoted?: boolean };

export type NftNatKind = 'dnat' | 'snat' | 'masquerade' | 'redirect';

export type NftStmt =
  /** A comparison; `op` absent for the implicit one (`ip saddr 10.0.0.0/8`, `ip daddr @set`). */
  | { readonly kind: 'match'; readonly left: NftExpr; readonly op?: NftRelOp; readonly right: NftExpr }
  | NftVerdictStmt
  | { readonly kind: 'vmap'; readonly key: NftExpr; readonly map: NftExpr }
  /** `counter` (stateless listing), `counter packets N bytes M`, or a named counter (`counter name "c"`). */
  | { readonly kind: 'counter'; readonly value?: NftCounterValue; readonly name?: NftExpr }
  /** `reject`, `reject with icmp type port-unreachable`, `reject with tcp reset`. */
  | { readonly kind: 'reject'; readonly with?: string }
  /** `meta mark set …`, `ct mark set …`, `meta nftrace set 1`. */
  | { readonly kind: 'set-value'; readonly target: NftExpr; readonly value: NftExpr }
  /**
   * dnat/snat/masquerade/redirect. `family`: `dnat ip to …`; `addr`: the destination (address, `A:P`, a
   * map); `flags` as printed (`fully-random`, `persistent`, `random`).
   */
  | {
      readonly kind: 'nat';
      readonly nat: NftNatKind;
      readonly family?: string;
      readonly addr?: NftExpr;
      readonly port?: NftExpr;
      readonly flags: readonly string[];
    }
  /** `update @s { ip saddr timeout 3h }`, `add @s { … }`, `delete @s { … }`. */
  | {
      readonly kind: 'set-update';
      readonly op: 'add' | 'update' | 'delete';
      readonly set: string;
      readonly element: NftElement;
    }
  | { readonly kind: 'notrack' }
  /** iptables-nft's fallback: nft cannot show the extension's parameters. */
  | { readonly kind: 'xt'; readonly type: 'match' | 'target'; readonly name: string }
  /**
   * A statement nft printed as nothing, which leaves two spaces in the line: iptables-nft's
   * `-m comment` (an xt match that nft 1.0.6 drops, shared/reference/nftables.md §3).
   */
  | { readonly kind: 'hidden' }
  /** log, limit, quota, queue, tproxy, ct helper, … : keyword and arguments as printed. */
  | { readonly kind: 'keyword'; readonly keyword: NftKeywordStmt; readonly args: readonly string[] }
  /** Text nfwalk does not know, kept verbatim (with a warning where it was read). */
  | { readonly kind: 'opaque'; readonly text: string };

/** Statements whose arguments are options (`log prefix "x" level info`) that no analysis interprets yet. */
export type NftKeywordStmt =
  | 'log'
  | 'limit'
  | 'quota'
  | 'queue'
  | 'tproxy'
  | 'flow'
  | 'dup'
  | 'fwd'
  | 'synproxy'
  | 'ct';

export interface NftRule {
  readonly line: number;
  readonly stmts: readonly NftStmt[];
  readonly comment?: string;
  readonly handle?: number;
}

export type NftHook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';

/** A priority as written (`dstnat - 10`, `-110`, `filter`) and as the kernel holds it. */
export interface NftPriority {
  readonly text: string;
  /** The number for this family and hook; undefined when a name is not standard there. */
  readonly value: number | undefined;
}

export interface NftBaseChain {
  readonly type: string;
  readonly hook: NftHook | string;
  /** `device "eth0"` or `devices = { a, b }` (netdev/inet ingress). */
  readonly devices?: readonly NftLiteral[];
  /** Printed as `devices = { … }` rather than `device …`. */
  readonly deviceList?: boolean;
  readonly priority: NftPriority;
  /** Absent when the listing had no `policy` (netdev chains print it, older nft may not). */
  readonly policy?: string;
}

export interface NftChain {
  readonly line: number;
  readonly name: string;
  readonly handle?: number;
  readonly base?: NftBaseChain;
  readonly comment?: string;
  readonly rules: readonly NftRule[];
}

export interface NftSet {
  readonly line: number;
  readonly kind: 'set' | 'map';
  readonly name: string;
  readonly handle?: number;
  /** `type ipv4_addr . inet_proto : verdict` split at ` : ` (key, then data for maps). */
  readonly type?: { readonly key: readonly string[]; readonly data?: string };
  /** `typeof ip daddr . tcp dport : ip daddr`. */
  readonly typeof?: { readonly key: NftExpr; readonly data?: NftExpr };
  /** Lines between the type and the elements (`flags interval`, `timeout 3h`, `size 65535`, `counter`, `policy`, `auto-merge`, `gc-interval`), kept in order. */
  readonly props: readonly { readonly key: string; readonly value: string }[];
  readonly comment?: string;
  readonly elements?: readonly NftElement[];
}

export interface NftFlowtable {
  readonly line: number;
  readonly name: string;
  readonly handle?: number;
  readonly hook: string;
  readonly priority: NftPriority;
  readonly devices?: readonly NftLiteral[];
  readonly props: readonly { readonly key: string; readonly value: string }[];
}

/** A named stateful object: `counter c { packets 0 bytes 0 }`, `quota`, `limit`, `ct helper|timeout|expectation`. */
export interface NftObject {
  readonly line: number;
  readonly type: string;
  readonly name: string;
  readonly handle?: number;
  /** The body's lines as printed, one entry per line. */
  readonly body: readonly string[];
}

export interface NftTable {
  readonly line: number;
  readonly family: NftFamily;
  readonly name: string;
  readonly handle?: number;
  readonly flags?: string;
  readonly comment?: string;
  /** The listing said `# Warning: table … is managed by iptables-nft, do not touch!` before the table. */
  readonly iptablesNftWarning?: boolean;
  readonly objects: readonly NftObject[];
  readonly sets: readonly NftSet[];
  readonly flowtables: readonly NftFlowtable[];
  readonly chains: readonly NftChain[];
  /**
   * A listing's text names a chain or map the table does not show (a jump, a verdict map): it shows part of the
   * table. Set by the readers of the text and of `nft -j` as they read (ChainNames).
   */
  readonly lacks?: true;
}

export interface NftRuleset {
  readonly tables: readonly NftTable[];
  /** Where the ruleset came from: JSON drops comments and the `dynamic` set flag, so a missing one proves nothing. */
  readonly source: 'text' | 'json';
  /** The listing ends inside a block, its closing braces missing: it was cut, and what followed is unknown. */
  readonly cut?: boolean;
}

/** How each line of an nft listing was used; together they account for every line. */
export interface NftLineAccount {
  readonly rules: number;
  /** `table`/`chain`/`set`/… openings and their closing braces. */
  readonly blocks: number;
  /** Lines inside a block that describe it (`type …`, `flags …`, `comment …`, element lines). */
  readonly properties: number;
  readonly comments: number;
  readonly blank: number;
  readonly rejected: number;
}

/** `nft list ruleset` (any print mode, or a part: `nft list table|chain|set …`) or `nft -j list ruleset`. */
export interface NftBody {
  readonly kind: 'nft';
  /** Rules, as contracts.md counts records. */
  readonly records: number;
  readonly diagnostics: readonly import('./diagnostic').Diagnostic[];
  readonly ruleset: NftRuleset;
  readonly lines: NftLineAccount;
}
