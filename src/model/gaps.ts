/** What a ruleset dump does not show: its own gaps, and the filter its command piped it through. */
import type { NodeDumps } from './node';
import { nftFamilyOf } from './nft';
import { kubeChainsOnlyInNft } from './nft-iptables';
import { type NodeNftTable, nodeNftTables } from './nft-view';
import type { RulesetGap } from './ruleset';
import { type RulesetSection, type Section, type SectionSource, isRulesetSection } from './section';

/** The filter (`iptables-save | grep KUBE`) a dump's command piped it through, if the prompt shows one. */
export function filterOf(source: SectionSource): string | undefined {
  return source.partial && source.command ? source.command : undefined;
}

export function gapsOf(section: RulesetSection): readonly RulesetGap[] {
  const own = section.ruleset.gaps ?? [];
  const command = filterOf(section.source);
  return command ? [...own, { kind: 'filtered', command }] : own;
}

/**
 * A gap in the tables the dump shows, rather than a table it does not show at all: a table's chains jump only
 * within it, so a table left out says nothing of the chains of the others.
 */
export const inShownTables = (gap: SectionGap): boolean => gap.kind !== 'unprintable';

/** Lines a reader rejected (a rule a terminal wrapped, an edit): any of them may hold a chain or a jump. */
interface UnreadGap {
  readonly kind: 'unread';
  readonly line: number;
  readonly count: number;
}

/** What a dump as found does not show: its own gaps, its filter, and the lines its reader rejected. */
export type SectionGap = RulesetGap | UnreadGap;

/**
 * Lines of a ruleset dump with an error that are not in its model: a line a terminal wrapped, an edit. A rule read
 * with an error (a jump to a chain the dump does not declare) is in the model, so it is no gap.
 */
function unreadLines(section: RulesetSection): number[] {
  const errors = section.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return [];
  const read = new Set<number>();
  for (const table of section.ruleset.tables) {
    read.add(table.location.line);
    for (const chain of table.chains) {
      read.add(chain.location.line);
      for (const rule of chain.rules) read.add(rule.location.line);
    }
  }
  return [...new Set(errors.filter((d) => !read.has(d.line)).map((d) => d.line))];
}

/**
 * gapsOf and the lines its reader rejected: what a judgement of the whole dump (a chain missing, unused) must not
 * rest on. The caveats of stale entries keep to gapsOf: unread lines are said as findings of their own.
 */
export function unshownOf(section: RulesetSection): readonly SectionGap[] {
  const unread = unreadLines(section);
  const gaps = gapsOf(section);
  return unread.length ? [...gaps, { kind: 'unread', line: unread[0]!, count: unread.length }] : gaps;
}

/** A gap in a few words, for a finding that rests on what the dump shows. */
function gapText(gap: SectionGap): string {
  switch (gap.kind) {
    case 'truncated':
      return `the dump is truncated at line ${gap.line}`;
    case 'cut-at-header':
      return `the dump is cut at line ${gap.line}, after the header of a table it does not show`;
    case 'unprintable':
      return `iptables-nft could not print table ${gap.table} (line ${gap.line})`;
    case 'maybe-cut':
      return `\`iptables -S\` may be cut at line ${gap.line}`;
    case 'fragment':
      return 'the paste holds part of a ruleset';
    case 'filtered':
      return `the dump was filtered (\`${gap.command}\`)`;
    case 'unlisted':
      return `the listing does not show chain ${gap.chain}, which line ${gap.line} jumps to`;
    case 'unread':
      return `${gap.count} line${gap.count === 1 ? '' : 's'} of the dump could not be read (first: line ${gap.line})`;
  }
}

const unreadText = (s: Section, count: number) =>
  `${count} line${count === 1 ? '' : 's'} of the ${s.kind} dump at ${s.source.path}:${s.source.startLine} could not be read`;

/** The node's nft listing that shows the table a gap says iptables-nft could not print, if the inputs hold one. */
export function listingShowing(node: NodeDumps, section: RulesetSection, gap: SectionGap): Section | undefined {
  if (gap.kind !== 'unprintable') return undefined;
  const family = nftFamilyOf(section.ruleset.family);
  return node.sections.find(
    (s) => s.kind === 'nft' && s.ruleset.tables.some((t) => t.family === family && t.name === gap.table),
  );
}

/**
 * The node's nft tables its listings show in part: listed by a command for part of a table (`nft list chain …`), or
 * lacking a chain or map their rules name. Tables with lines not read are left to those lines' own notes.
 */
export function nftTablesInPart(node: NodeDumps): { readonly table: NodeNftTable; readonly text: string }[] {
  return nodeNftTables(node)
    .filter((t) => t.part !== undefined || (t.shown && t.table.lacks))
    .map((t) => ({
      table: t,
      text: `the nft listing at ${t.path} shows table ${t.table.family} ${t.table.name} in part${t.part !== undefined ? ` (\`${t.part}\`)` : ': its rules name chains or maps it does not show'}`,
    }));
}

/** An answer's caveat on a node whose rules were pasted in part, from unshownRules' words. */
export const mayChange = (why: string) => `${why}: what it does not show may change this`;

/**
 * What a node's rule and service dumps do not show, in a few words each: rulesets' gaps and lines not read (a table
 * iptables-nft could not print is shown by the node's nft listing, when given), nft and IPVS listings with lines not
 * read, kube-proxy's iptables-mode chains seen only in an nft listing, IPVS listings filtered. What services find
 * there may be decided by it.
 */
export function unshownRules(node: NodeDumps): string[] {
  const kubeInNft = kubeChainsOnlyInNft(node).map(
    ({ section, table }) =>
      `table ${table.family} ${table.name} of the nft listing at ${section.source.path}:${section.source.startLine} holds kube-proxy's iptables-mode chains, whose services are read from iptables-save dumps only`,
  );
  const unanswered = (s: RulesetSection) => (g: SectionGap) => !listingShowing(node, s, g);
  return [
    ...kubeInNft,
    ...nftTablesInPart(node).map((p) => p.text),
    ...node.sections.flatMap((s): string[] => {
      if (isRulesetSection(s)) return unshownOf(s).filter(unanswered(s)).map(gapText);
      if (s.kind !== 'nft' && s.kind !== 'ipvsadm') return [];
      const unread = s.diagnostics.filter((d) => d.severity === 'error').length;
      const command = s.kind === 'ipvsadm' && s.services.length > 0 ? filterOf(s.source) : undefined;
      const filtered = command ? [`the IPVS listing was filtered (\`${command}\`)`] : [];
      return [...(unread ? [unreadText(s, unread)] : []), ...filtered];
    }),
  ];
}
