/**
 * `nfwalk diff` as text: per node pair, services that changed, then rules, chain by chain; then what either
 * snapshot did not show, when one is partial (what it lacks is listed as removed or added, yet is unknown).
 */
import type { Finding } from '../analyses/finding';
import { entryText, hostPort, percent } from '../analyses/finding-text';
import type {
  ChainChange,
  DiffAnalysis,
  EntryPointChange,
  NodeDiff,
  RuleText,
  RulesetDiff,
  ServiceChange,
  ShareChange,
} from '../analyses/diff/index';
import { formatFindings } from './findings-text';
import { formatSourceRef } from './source-ref';

/** What each snapshot's dumps did not show (lines not read, dumps in part), per side. */
export interface DiffReading {
  readonly before: readonly Finding[];
  readonly after: readonly Finding[];
}

/** Past these, the text says how many more: a kube-proxy rollout can touch thousands of chains; --json has all. */
const RULES_SHOWN = 8;
const CHAINS_SHOWN = 40;

const MARK = { added: '+', removed: '-', changed: '~' } as const;

const more = (n: number, what: string) => (n > 0 ? [`… ${n} more ${what} (--json lists all)`] : []);

/** An endpoint that appeared, went, or kept its place with another share. */
function shareLine(s: ShareChange): string {
  if (!s.before) return `+ ${hostPort(s)} ${percent(s.after)}`;
  if (!s.after) return `- ${hostPort(s)} (was ${percent(s.before)})`;
  return `~ ${hostPort(s)} ${percent(s.before)} → ${percent(s.after)}`;
}

function entryLines(e: EntryPointChange): string[] {
  const { before, after } = e.verdict;
  const verdict = before === null || after === null || before === after ? (after ?? before) : `${before} → ${after}`;
  return [`${MARK[e.change]} ${entryText(e)}: ${verdict}`, ...e.endpoints.map((s) => `    ${shareLine(s)}`)];
}

function serviceLines(s: ServiceChange): string[] {
  return [
    `${MARK[s.change]} ${s.name} ${s.protocol}${s.family === 'ipv6' ? ' (IPv6)' : ''}`,
    ...s.entryPoints.flatMap(entryLines).map((l) => `    ${l}`),
  ];
}

const ruleLine = (sign: string, r: RuleText) => `    ${sign} ${r.text}   (${formatSourceRef(r.location)})`;

function chainLines(c: ChainChange): string[] {
  const counts = [c.added.length ? `+${c.added.length}` : '', c.removed.length ? `-${c.removed.length}` : '']
    .filter(Boolean)
    .join(' ');
  const notes = [
    c.change !== 'changed' ? c.change : '',
    counts,
    c.policy ? `policy ${c.policy.before ?? '-'} → ${c.policy.after ?? '-'}` : '',
    c.hook ? `${c.hook.before ?? 'regular'} → ${c.hook.after ?? 'regular'}` : '',
    c.reordered ? 'same rules, new order' : '',
  ]
    .filter(Boolean)
    .join(', ');
  const rules = [...c.removed.map((r) => ruleLine('-', r)), ...c.added.map((r) => ruleLine('+', r))];
  return [
    `  ${MARK[c.change]} ${c.table} ${c.chain}: ${notes}`,
    ...rules.slice(0, RULES_SHOWN),
    ...more(rules.length - RULES_SHOWN, 'rules').map((l) => `    ${l}`),
  ];
}

/** Which rules: `ipv4 (nft)` for an iptables family and backend, `nft` for the node's nft tables. */
function rulesetName(r: RulesetDiff): string {
  switch (r.format) {
    case 'nft':
      return 'nft';
    case 'iptables': {
      const { before, after } = r.backend;
      return `${r.family}${before === after ? (after ? ` (${after})` : '') : ` (${before ?? 'none'} → ${after ?? 'none'})`}`;
    }
  }
}

/** Tables one snapshot does not show: named, not counted as removed or added. */
function shownByOneLines(r: RulesetDiff): string[] {
  const s = r.shownByOne;
  if (!s) return [];
  const side = (tables: readonly string[], by: string, not: string) =>
    tables.length
      ? [
          `  not compared: ${tables.join(', ')} (in the ${by} snapshot only; the ${not} one does not show ${tables.length === 1 ? 'it' : 'them'})`,
        ]
      : [];
  return [...side(s.before, 'before', 'after'), ...side(s.after, 'after', 'before')];
}

function rulesetLines(r: RulesetDiff): string[] {
  return [
    `rules ${rulesetName(r)}: +${r.rulesAdded} -${r.rulesRemoved} in ${r.chains.length} chain${r.chains.length === 1 ? '' : 's'}`,
    ...shownByOneLines(r),
    ...r.chains.slice(0, CHAINS_SHOWN).flatMap(chainLines),
    ...more(r.chains.length - CHAINS_SHOWN, 'chains').map((l) => `  ${l}`),
  ];
}

function count(services: readonly ServiceChange[]): string {
  if (!services.length) return 'no change';
  const n = (c: ServiceChange['change']) => services.filter((s) => s.change === c).length;
  return `${n('added')} added, ${n('removed')} removed, ${n('changed')} changed`;
}

/** A snapshot shown in part: what it does not show reads as gone from it (or new in the other). */
function partialNotes(d: NodeDiff, reading: DiffReading): string[] {
  const shown = (side: readonly Finding[], node: string) => side.some((f) => f.node === node);
  return [
    ...(shown(reading.before, d.before)
      ? [
          `  note: the before snapshot shows part of ${d.before}: what it does not show is listed as added, yet is unknown`,
        ]
      : []),
    ...(shown(reading.after, d.after)
      ? [
          `  note: the after snapshot shows part of ${d.after}: what it does not show is listed as removed, yet is unknown`,
        ]
      : []),
  ];
}

function nodeLines(d: NodeDiff, reading: DiffReading): string[] {
  const title = d.before === d.after ? `node ${d.before}` : `node ${d.before} → ${d.after}`;
  const notes = [
    ...partialNotes(d, reading),
    ...(d.servicesNotCompared
      ? [
          `  note: ${d.servicesNotCompared} service${d.servicesNotCompared === 1 ? ' is' : 's are'} not compared: programmed in tables one snapshot does not show`,
        ]
      : []),
  ];
  if (!d.services.length && !d.rulesets.length) return [title, ...notes, '  no change in rules or services'];
  return [
    title,
    ...notes,
    `services: ${count(d.services)}`,
    ...d.services.flatMap(serviceLines).map((l) => `  ${l}`),
    ...d.rulesets.flatMap(rulesetLines),
  ];
}

export function formatDiff(a: DiffAnalysis, reading: DiffReading = { before: [], after: [] }): string {
  const lines = a.nodes.flatMap((d, i) => [...(i > 0 ? [''] : []), ...nodeLines(d, reading)]);
  if (a.onlyBefore.length) lines.push('', `only before: ${a.onlyBefore.join(', ')}`);
  if (a.onlyAfter.length) lines.push('', `only after: ${a.onlyAfter.join(', ')}`);
  const limits = [...reading.before, ...reading.after];
  return `${lines.join('\n')}\n${limits.length ? `\n${formatFindings(limits)}` : ''}`;
}
