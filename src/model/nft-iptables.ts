/**
 * iptables-nft's own tables as `nft list ruleset` shows them (`table ip nat` with `xt` statements, iptables-nft's
 * warning above it): the same rules the node's `iptables-nft-save` prints, and printed better there (it keeps
 * `-m comment` and negations the nft listing loses, shared/reference/nftables.md §3). When that dump is among a
 * node's inputs the table is analysed from it, and its nft copy is not counted again.
 */
import type { NftFamily, NftTable } from './nft';
import { KUBE_SERVICES } from './kube-proxy-chains';
import type { NodeDumps } from './node';
import { backendOf } from './node-backend';
import { richestViews } from './ruleset-views';
import { type RulesetSection, type Section, isRulesetSection } from './section';

export type NftSection = Extract<Section, { readonly kind: 'nft' }>;

export interface NftTableSource {
  readonly section: NftSection;
  readonly table: NftTable;
  /** The node's iptables-nft-save dump holding the same table: the table is analysed from it. */
  readonly analysedFrom?: RulesetSection;
}

const IPTABLES_TABLES = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);
const FAMILY: Partial<Record<NftFamily, RulesetSection['ruleset']['family']>> = { ip: 'ipv4', ip6: 'ipv6' };

/**
 * Whether an nft table is one of iptables-nft's: an iptables table name in family ip or ip6, marked by
 * iptables-nft's warning, an `xt` statement, or only its built-in chains (`PREROUTING`, `INPUT`, …) as base chains.
 */
export function isIptablesNftTable(t: NftTable): boolean {
  if (!FAMILY[t.family] || !IPTABLES_TABLES.has(t.name)) return false;
  if (t.iptablesNftWarning) return true;
  if (t.chains.some((c) => c.rules.some((r) => r.stmts.some((s) => s.kind === 'xt')))) return true;
  const bases = t.chains.filter((c) => c.base);
  return bases.length > 0 && bases.every((c) => /^(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING)$/.test(c.name));
}

/**
 * iptables-nft's tables of the node's nft listings that hold kube-proxy's iptables-mode chains and that no
 * iptables-save dump of the node shows: they are walked, but Kubernetes services are read from iptables-save dumps.
 */
export const kubeChainsOnlyInNft = (node: NodeDumps): NftTableSource[] =>
  nftTableSources(node).filter(
    (x) => !x.analysedFrom && isIptablesNftTable(x.table) && x.table.chains.some((c) => c.name === KUBE_SERVICES),
  );

/** Every table of the node's nft listings, with the iptables-nft-save dump it is analysed from when there is one. */
export function nftTableSources(node: NodeDumps): NftTableSource[] {
  // The dumps as read, not as joined: a joined dump is named by its first part, which may not hold the table.
  const views = richestViews(node.sections.filter(isRulesetSection));
  return node.sections.flatMap((s) =>
    s.kind === 'nft'
      ? s.ruleset.tables.map((table) => {
          const from = isIptablesNftTable(table) ? savedBy(table, views) : undefined;
          return from ? { section: s, table, analysedFrom: from } : { section: s, table };
        })
      : [],
  );
}

/** The last iptables dump of the table's family not of the legacy backend that holds a table of its name. */
function savedBy(table: NftTable, rulesets: readonly RulesetSection[]): RulesetSection | undefined {
  return rulesets
    .filter(
      (r) =>
        r.ruleset.family === FAMILY[table.family] &&
        backendOf(r) !== 'legacy' &&
        r.ruleset.tables.some((t) => t.name === table.name),
    )
    .at(-1);
}

/** The dump a table is analysed from, as the findings name it. */
export const dumpName = (r: RulesetSection): string =>
  r.kind === 'iptables-list' || r.kind === 'ip6tables-list'
    ? `${r.kind.replace('-list', '')} listing`
    : 'iptables-nft-save';
