/** Findings about the dumps themselves: what could not be read limits what the analyses could see. */
import type { NftTable } from '../../model/nft';
import { dumpName, kubeChainsOnlyInNft, nftTableSources } from '../../model/nft-iptables';
import { unwalkedTables } from '../../model/nft-node';
import { type NodeDumps, legacyTablesShown } from '../../model/node';
import { shownMismatch } from '../../model/conntrack-summary';
import { filterOf, gapsOf, listingShowing, nftTablesInPart } from '../../model/gaps';
import { competingRulesets, strangerFiles } from '../../model/mixed-hosts';
import type { RulesetGap } from '../../model/ruleset';
import {
  type ForeignDump,
  type RulesetSection,
  type Section,
  type SkippedLines,
  type Wrap,
  isRulesetSection,
  wrappedBy,
} from '../../model/section';
import { groupBy } from '../../model/group-by';
import type { Finding } from '../finding';
import { firstOf } from '../finding-text';
import { type IpSet, showsPart } from '../../model/ipset';

/** Lines a reader rejected: error diagnostics, which fail a run as error findings do (exit.ts). */
export const unreadLinesOf = (node: NodeDumps) =>
  node.sections.flatMap((s: Section) => s.diagnostics.filter((d) => d.severity === 'error').map((d) => ({ s, d })));

function unreadableLineFindings(node: NodeDumps): Finding[] {
  const bad = unreadLinesOf(node);
  if (!bad.length) return [];
  return [
    {
      code: 'INPUT_UNREADABLE_LINES',
      severity: 'warning',
      node: node.name,
      subject: 'input',
      message: `${bad.length} line${bad.length === 1 ? '' : 's'} of the dumps could not be read (first: ${bad[0]!.d.message}); the analyses ran without ${bad.length === 1 ? 'it' : 'them'}`,
      evidence: bad.slice(0, 10).map(({ s, d }) => ({ path: s.source.path, line: d.line, column: d.column })),
      remedy:
        '`nfwalk parse` lists every problem with its line and column; a truncated or edited dump is the usual cause',
    },
  ];
}

function legacyRemedy(tool: 'iptables' | 'ip6tables'): string {
  return `collect \`${tool}-legacy-save -c\` as well and give both dumps: nfwalk walks both backends; the empty KUBE-IPTABLES-HINT chain in mangle shows which of the two kubelet and kube-proxy use`;
}

const TOOL: Readonly<Record<ForeignDump, 'iptables' | 'ip6tables'>> = {
  'iptables-legacy': 'iptables',
  'ip6tables-legacy': 'ip6tables',
};

/**
 * The node skipped lines belong to: their own, or for a loose file's lines the one node of the run, as its other
 * loose files do (nodesOfInputs).
 */
function skippedNodeOf(nodes: readonly NodeDumps[]): (s: SkippedLines) => string {
  const names = new Set(nodes.map((n) => n.name));
  return (s) => (names.has(s.node) || nodes.length !== 1 ? s.node : nodes[0]!.name);
}

/**
 * iptables' warning that legacy tables exist beside the dump, unless the legacy dump is given too: said once
 * per node and family, since their rules act on packets and are missing.
 */
export function foreignDumpFindings(nodes: readonly NodeDumps[], skipped: readonly SkippedLines[]): Finding[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const nodeOf = skippedNodeOf(nodes);
  const foreign = skipped
    .filter((s): s is SkippedLines & { foreign: ForeignDump } => s.foreign !== undefined)
    .map((s) => ({ ...s, node: nodeOf(s) }))
    .filter((s) => !legacyTablesShown(s.foreign, byName.get(s.node)?.rulesets ?? []));
  return [...groupBy(foreign, (s) => `${s.node}\n${s.foreign}`).values()].map((group) => {
    const { node, foreign: dump } = group[0]!;
    const tool = TOOL[dump];
    return {
      code: 'INPUT_NOT_READ',
      severity: 'warning',
      node,
      subject: 'input',
      message: `${tool} says this node also has ${dump} tables, which the dump does not show: their rules act on packets too, and are missing from this analysis`,
      evidence: group.slice(0, 10).map((s) => ({ path: s.path, line: s.startLine, column: 1 })),
      remedy: legacyRemedy(tool),
    };
  });
}

/**
 * Records a terminal wrapped, read joined back: said once per node and input, so that a reader who counts lines
 * knows where the continuations went.
 */
export function unwrappedFindings(nodes: readonly NodeDumps[], skipped: readonly SkippedLines[]): Finding[] {
  const nodeOf = skippedNodeOf(nodes);
  const wrapped = skipped
    .filter((s): s is SkippedLines & { wrap: Wrap } => s.wrap !== undefined)
    .map((s) => ({ ...s, node: nodeOf(s) }));
  return [...groupBy(wrapped, (s) => `${s.node}\n${s.path}`).values()].map((group) => {
    const { node, path, wrap } = group[0]!;
    const lines = group.reduce((n, s) => n + s.endLine - s.startLine + 1, 0);
    return {
      code: 'INPUT_UNWRAPPED',
      severity: 'info',
      node,
      subject: 'input',
      message: `${path} has ${group.length} record${group.length === 1 ? '' : 's'} ${wrappedBy(wrap)} over ${lines} more line${lines === 1 ? '' : 's'} (first: line ${group[0]!.startLine - 1}): each was read joined back whole${wrap.style === 'words' ? ', a space at each break' : ''}, and a problem in one is placed on the line it was pasted at`,
      evidence: group.slice(0, 10).map((s) => ({ path: s.path, line: s.startLine - 1, column: 1 })),
      remedy:
        'none needed; a dump saved to a file (`iptables-save -c > node.txt`) and attached, rather than copied from a terminal or pasted into a text box, is never wrapped',
    };
  });
}

/**
 * iptables-nft's own tables in an nft listing are walked from the node's iptables-nft-save when it is among the
 * inputs (it keeps the comments and negations the listing loses), which is said; nft tables of the arp, bridge and
 * netdev families are read (`parse`, `fmt`) but not walked: a netdev ingress chain or a bridge filter acts on
 * packets before the IP hooks, and the answers here leave it out.
 */
export function unwalkedRulesetFindings(node: NodeDumps): Finding[] {
  const covered = nftTableSources(node).filter((x) => x.analysedFrom);
  const ruleCount = (t: NftTable) => t.chains.reduce((n, c) => n + c.rules.length, 0);
  const findings: Finding[] = covered.map(({ section, table, analysedFrom }) => ({
    code: 'INPUT_NOT_READ',
    severity: 'info',
    node: node.name,
    subject: 'input',
    message: `nft table ${table.family} ${table.name} (${ruleCount(table)} rule${ruleCount(table) === 1 ? '' : 's'}) is iptables-nft's: walked from ${analysedFrom!.source.path}:${analysedFrom!.source.startLine} (${dumpName(analysedFrom!)}), which keeps the comments and negations nft's listing loses; its nft copy is not counted again`,
    evidence: [
      { path: section.source.path, line: table.line, column: 1 },
      { path: analysedFrom!.source.path, line: analysedFrom!.source.startLine, column: 1 },
    ],
    remedy: 'none needed: iptables-nft-save prints the same rules, with what the nft listing drops',
  }));
  for (const { section, table } of kubeChainsOnlyInNft(node))
    findings.push({
      code: 'INPUT_NOT_READ',
      severity: 'warning',
      node: node.name,
      subject: 'input',
      message: `nft table ${table.family} ${table.name} holds kube-proxy's iptables-mode chains (it is iptables-nft's): packets are walked through it, but Kubernetes services are read from iptables-save dumps only, so services and their findings leave out those it holds`,
      evidence: [{ path: section.source.path, line: table.line, column: 1 }],
      remedy: `give the node's iptables-save too, which prints the table unless it says it is incompatible; or read its services by hand (\`nft list table ${table.family} ${table.name}\`)`,
    });
  const nft = node.sections.filter((s) => unwalkedTables(s).length > 0);
  if (nft.length === 0) return findings;
  const tables = nft.flatMap(unwalkedTables);
  return [
    ...findings,
    {
      code: 'INPUT_NOT_READ',
      severity: 'warning',
      node: node.name,
      subject: 'input',
      message: `nft table${tables.length === 1 ? '' : 's'} ${tables.join(', ')} ${tables.length === 1 ? 'was' : 'were'} read but not walked: nfwalk walks ip, ip6 and inet tables, so services, stale entries and traces here leave ${tables.length === 1 ? 'it' : 'them'} out`,
      evidence: nft.slice(0, 10).map((s) => ({ path: s.source.path, line: s.source.startLine, column: 1 })),
      remedy: 'check by hand what these tables do to the packets in question (`nft list table FAMILY NAME`)',
    },
  ];
}

const GAP_CODE: Readonly<Record<RulesetGap['kind'], { code: string; severity: Finding['severity'] }>> = {
  truncated: { code: 'INPUT_TRUNCATED', severity: 'warning' },
  'cut-at-header': { code: 'INPUT_TRUNCATED', severity: 'warning' },
  unprintable: { code: 'INPUT_NOT_READ', severity: 'warning' },
  'maybe-cut': { code: 'INPUT_PARTIAL', severity: 'info' },
  fragment: { code: 'INPUT_PARTIAL', severity: 'info' },
  filtered: { code: 'INPUT_PARTIAL', severity: 'info' },
  unlisted: { code: 'INPUT_PARTIAL', severity: 'info' },
};

const at = (s: Section) => `${s.source.path}:${s.source.startLine}`;

/** `listing`: the node's nft listing that shows the table, when given. */
function unprintableMessage(
  gap: Extract<RulesetGap, { kind: 'unprintable' }>,
  section: RulesetSection,
  listing: Section | undefined,
): string {
  const said = `the ${section.kind} dump at ${section.source.path}:${section.source.startLine}-${section.source.endLine} says at line ${gap.line} that iptables-nft could not print table ${gap.table}: the table holds nft rules iptables has no form for`;
  return listing
    ? `${said}. The nft listing at ${at(listing)} shows it, and it is walked from there`
    : `${said}, so its rules, which act on packets, are missing from this analysis, and services and kube-proxy's masquerade plumbing are not judged on it`;
}

const WHOLE_DUMP =
  'collect the whole dump (`iptables-save -c` and `ip6tables-save -c` on the node, unfiltered, as a file rather than a terminal paste)';

function gapRemedy(gap: RulesetGap, listing: Section | undefined): string {
  if (gap.kind !== 'unprintable') return WHOLE_DUMP;
  return listing
    ? 'none needed: the nft listing shows the table'
    : `collect \`nft list ruleset\` on the node, which shows table ${gap.table} as nft holds it, and analyse it with this dump`;
}

function gapMessage(gap: RulesetGap, section: RulesetSection, listing: Section | undefined): string {
  const lines = `${section.source.path}:${section.source.startLine}-${section.source.endLine}`;
  switch (gap.kind) {
    case 'truncated':
      return `the ${section.kind} dump at ${lines} is truncated at line ${gap.line} (table ${gap.table} has no COMMIT): what followed is unknown, so missing chains, unused chains and kube-proxy's masquerade plumbing are not judged`;
    case 'cut-at-header':
      return `the ${section.kind} dump at ${lines} ends at line ${gap.line} on the header iptables-save prints before a table, and no table follows: it was cut there and the tables after it are unknown, so missing chains, unused chains and kube-proxy's masquerade plumbing are not judged`;
    case 'unprintable':
      return unprintableMessage(gap, section, listing);
    case 'maybe-cut':
      return `the ${gap.table} table's rules at ${lines} end at line ${gap.line}, before chains that have none: \`iptables -S\` may have been cut there, so chains nothing jumps to are not judged`;
    case 'fragment':
      return `${lines} holds part of a ruleset (rules without their table's header or chain declarations): chains and jumps it does not show are not findings, and services are shown as far as it shows them`;
    case 'filtered':
      return `${lines} was filtered (\`${gap.command}\`): rules it does not show are unknown, not absent, so missing and unused chains are not judged`;
    case 'unlisted':
      return `the ${gap.table} table's listing at ${lines} does not show chain ${gap.chain}, which its rule at line ${gap.line} jumps to: a whole listing shows every chain, so this one was cut or lists some chains alone, and missing and unused chains are not judged`;
  }
}

/** Ruleset dumps that show part of a ruleset: said once each, so that what they lack is not taken as absent. */
function partialRulesetFindings(node: NodeDumps): Finding[] {
  return node.sections.filter(isRulesetSection).flatMap((section) =>
    [...groupBy(gapsOf(section), (g) => (g.kind === 'unprintable' ? `${g.kind} ${g.table}` : g.kind)).values()].map(
      (same) => {
        const gap = same[0]!;
        // A table iptables-nft could not print that the node's nft listing shows is walked from there.
        const listing = listingShowing(node, section, gap);
        return {
          ...GAP_CODE[gap.kind],
          ...(listing ? { severity: 'info' as const } : {}),
          node: node.name,
          subject: 'input',
          message: gapMessage(gap, section, listing),
          evidence: [
            {
              path: section.source.path,
              line: gap.kind === 'filtered' ? section.source.startLine : gap.line,
              column: 1,
            },
          ],
          remedy: gapRemedy(gap, listing),
        };
      },
    ),
  );
}

/** Why a conntrack or IPVS connection table shows only part of the node's, if it does. */
function tableShortfall(s: Section): string | undefined {
  const command = filterOf(s.source);
  const filtered = command
    ? `was filtered (\`${command}\`)`
    : s.source.cut
      ? `is part of the table: ${s.source.cut}`
      : undefined;
  // A listing that holds connections too is said once, by partialListingFindings.
  if (s.kind === 'ipvsadm') return s.connections.length > 0 && s.services.length === 0 ? filtered : undefined;
  if (s.kind !== 'conntrack') return undefined;
  const said = shownMismatch(s.summaries, s.entries.length);
  const short = said ? `holds ${s.entries.length} of the ${said.count} entries conntrack said it showed` : undefined;
  return short && filtered ? `${filtered} and ${short}` : (short ?? filtered);
}

/** The one shape of an INPUT_PARTIAL finding about a section: what it leaves unknown, where, and what to collect. */
function partialSection(node: NodeDumps, path: string, line: number, message: string, remedy: string): Finding {
  return {
    code: 'INPUT_PARTIAL',
    severity: 'info',
    node: node.name,
    subject: 'input',
    message,
    evidence: [{ path, line, column: 1 }],
    remedy,
  };
}

/** Connection tables that show part of the node's: the entries they leave out were not checked. */
function partialTableFindings(node: NodeDumps): Finding[] {
  return node.sections.flatMap((section): Finding[] => {
    const shortfall = tableShortfall(section);
    if (!shortfall) return [];
    const { path, startLine, endLine } = section.source;
    return [
      partialSection(
        node,
        path,
        startLine,
        `the ${section.kind} table at ${path}:${startLine}-${endLine} ${shortfall}: entries it does not show were not checked, so stale counts are a floor`,
        `collect the whole table (\`${section.kind === 'ipvsadm' ? 'ipvsadm -Lnc' : 'conntrack -L'}\` on the node, unfiltered, as a file rather than a terminal paste)`,
      ),
    ];
  });
}

/**
 * IPVS service listings (`ipvsadm -Ln`) piped through a filter: a service shown without its real servers, or not
 * shown, may have them, so what the services report of them rests on what the filter kept. A listing that holds
 * connection entries too says so in the same finding: one filter, one finding.
 */
function partialListingFindings(node: NodeDumps): Finding[] {
  return node.sections.flatMap((section): Finding[] => {
    if (section.kind !== 'ipvsadm' || section.services.length === 0) return [];
    const { path, startLine, endLine } = section.source;
    const command = filterOf(section.source);
    if (!command) return [];
    const connections = section.connections.length > 0;
    return [
      partialSection(
        node,
        path,
        startLine,
        `the IPVS service listing at ${path}:${startLine}-${endLine} was filtered (\`${command}\`): services and real servers it does not show are unknown, not absent, so a service shown without real servers may have some${connections ? '; connection entries it does not show were not checked, so stale counts are a floor' : ''}`,
        `collect the whole listing (\`ipvsadm -Ln\`${connections ? ' and `ipvsadm -Lnc`' : ''} on the node, unfiltered, as a file rather than a terminal paste)`,
      ),
    ];
  });
}

/**
 * Virtual services an IPVS listing shows without a port (`ipvsadm -L` without -n cuts a long host name's column, or
 * names a port nfwalk does not know): left out of the services, which analyze says, not only services' notes.
 */
function portlessServiceFindings(node: NodeDumps): Finding[] {
  return node.sections.flatMap((section): Finding[] => {
    if (section.kind !== 'ipvsadm') return [];
    const portless = section.services.filter(
      (v) => v.protocol !== 'FWM' && v.endpoint && v.endpoint.port === undefined,
    );
    if (portless.length === 0) return [];
    const { path, startLine, endLine } = section.source;
    const shown = portless.map((v) => `${v.protocol} ${v.endpoint!.address} (line ${v.line})`).join(', ');
    return [
      partialSection(
        node,
        path,
        portless[0]!.line,
        `the IPVS service listing at ${path}:${startLine}-${endLine} shows ${portless.length} virtual service${portless.length === 1 ? '' : 's'} without a port, left out of the services: ${shown}`,
        'collect the listing with numeric addresses and ports (`ipvsadm -Ln` on the node)',
      ),
    ];
  });
}

/** nft listings that end inside a block (`nft list ruleset` pasted without its closing braces): cut, said where. */
function cutListingFindings(node: NodeDumps): Finding[] {
  return node.sections.flatMap((section): Finding[] => {
    if (section.kind !== 'nft' || !section.ruleset.cut) return [];
    const { path, startLine, endLine } = section.source;
    return [
      partialSection(
        node,
        path,
        endLine,
        `the nft listing at ${path}:${startLine}-${endLine} ends at line ${endLine} inside a block whose closing brace never comes: it was cut there, so tables, chains and rules after it are unknown, not absent`,
        'collect the whole listing (`nft list ruleset` on the node, as a file rather than a terminal paste)',
      ),
    ];
  });
}

/**
 * ipsets listed in part: cut (fewer members than ipset's `Number of entries:`) or filtered. A lookup of an address
 * the listing does not show is undecided in the walks; said once per listing.
 */
function partialSetFindings(node: NodeDumps): Finding[] {
  return node.sections.flatMap((section): Finding[] => {
    if (section.kind !== 'ipset') return [];
    const command = filterOf(section.source);
    const cut = section.sets.filter((set) => command !== undefined || showsPart(set));
    if (!cut.length) return [];
    const { path, startLine, endLine } = section.source;
    const said = (set: IpSet) =>
      set.declaredEntries !== undefined && set.declaredEntries > set.members.length
        ? `${set.name} lists ${set.members.length} of the ${set.declaredEntries} members ipset says it has`
        : `${set.name} was filtered${command ? ` (\`${command}\`)` : ''}`;
    return [
      partialSection(
        node,
        path,
        cut[0]!.line,
        `the ipset listing at ${path}:${startLine}-${endLine} shows ${cut.length === 1 ? 'a set' : `${cut.length} sets`} in part (${firstOf(cut.map(said), 3, '; ')}): whether an address it does not show is in the set is unknown, so the walks leave such lookups undecided`,
        `collect the whole sets (\`ipset save\` on the node, unfiltered, as a file rather than a terminal paste)`,
      ),
    ];
  });
}

/** nft tables listed in part (`nft list chain …`, `nft list map …`): chains and maps they do not show are unknown. */
function nftPartFindings(node: NodeDumps): Finding[] {
  return nftTablesInPart(node).map(({ table: { table, path }, text }) =>
    partialSection(
      node,
      path,
      table.line,
      `${text}: chains, maps and rules it does not show are unknown, not absent, so services and lint judge only what it shows`,
      `collect the whole table (\`nft list table ${table.family} ${table.name}\`, or \`nft list ruleset\`, on the node, as a file rather than a terminal paste)`,
    ),
  );
}

/** What limits an analysis of a node's rules and services: lines not read, rulesets and IPVS listings shown in part. */
export function rulesReadingFindings(node: NodeDumps): Finding[] {
  return [
    ...unreadableLineFindings(node),
    ...partialRulesetFindings(node),
    ...partialListingFindings(node),
    ...portlessServiceFindings(node),
    ...cutListingFindings(node),
    ...nftPartFindings(node),
    ...partialSetFindings(node),
  ];
}

/** What limits any analysis of a node's dumps: lines not read, and rulesets, listings and tables shown in part. */
export function readingFindings(node: NodeDumps): Finding[] {
  return [...rulesReadingFindings(node), ...partialTableFindings(node)];
}

/** A node that is one of several snapshots of one input (`paste.txt#2`): said on each, with where it lies. */
export function snapshotFindings(node: NodeDumps): Finding[] {
  const snapshot = node.sections.find((s) => s.source.snapshot !== undefined)?.source;
  if (!snapshot) return [];
  const lines = node.sections.filter((s) => s.source.path === snapshot.path);
  const first = Math.min(...lines.map((s) => s.source.startLine));
  const last = Math.max(...lines.map((s) => s.source.endLine));
  return [
    {
      code: 'INPUT_SNAPSHOTS',
      severity: 'info',
      node: node.name,
      subject: 'input',
      message: `${snapshot.path} holds more than one dump of the same ruleset (before and after, or two nodes): each is analysed as a snapshot of its own, never merged; this is snapshot ${snapshot.snapshot} (lines ${first}-${last})`,
      evidence: [{ path: snapshot.path, line: first, column: 1 }],
      remedy:
        "nothing, if the snapshots are meant (nfwalk diff compares two of them); otherwise give each node's dumps as their own file",
    },
  ];
}

/**
 * Files taken as one node whose `ip addr` dumps share no address come from different machines: their
 * rules, routes and conntrack tables were judged together, which nothing but the folder supports.
 */
export function mixedHostFindings(node: NodeDumps): Finding[] {
  return [...strangerFindings(node), ...competingRulesets(node).map((group) => competingFinding(node, group))];
}

/** Two whole rulesets of one kind in one node's files: the analyses read the last, stale calls no entry stale. */
function competingFinding(node: NodeDumps, group: readonly RulesetSection[]): Finding {
  const files = group.map((r) => r.source.path);
  const last = group.at(-1)!;
  return {
    code: 'INPUT_MIXED_HOSTS',
    severity: 'warning',
    node: node.name,
    subject: 'input',
    message: `files taken as node ${node.name} each hold a whole ${last.kind} dump (${files.join(', ')}): two machines or two moments, of which services, trace and lint read the last (${last.source.path}); no conntrack entry of the node is called stale against them`,
    evidence: group.map((r) => ({ path: r.source.path, line: r.source.startLine, column: 1 })),
    remedy:
      "give each machine's dumps as a folder of its own (or each moment's), or paste them with the shell prompt (`[root@HOST ~]# iptables-save`) that names the host",
  };
}

function strangerFindings(node: NodeDumps): Finding[] {
  const strangers = strangerFiles(node);
  if (strangers.length < 2) return [];
  return [
    {
      code: 'INPUT_MIXED_HOSTS',
      severity: 'warning',
      node: node.name,
      subject: 'input',
      message: `files taken as node ${node.name} disagree about its addresses (${strangers.map(([f, a]) => `${f}: ${[...a].slice(0, 3).join(', ')}`).join('; ')}): they look like different machines, yet were analysed as one`,
      evidence: strangers.map(([path]) => ({ path, line: 1, column: 1 })),
      remedy:
        "give each machine's dumps as a folder of its own, or paste them with the shell prompt (`[root@HOST ~]# iptables-save`) that names the host",
    },
  ];
}
