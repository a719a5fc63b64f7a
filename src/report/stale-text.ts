/**
 * `nfwalk stale` as text: per node how many entries were checked and found stale, then the stale entries per
 * node and cause, destination and target: one line with the count and a few of the entries' lines, and the
 * command that deletes them. A million stale entries make a line per target, not a paragraph per entry.
 */
import type { Finding, Severity } from '../analyses/finding';
import { endpointText } from '../analyses/finding-text';
import { CODES, severityOf } from '../analyses/stale/findings';
import type { StaleAnalysis, StaleGroup, StaleKind, StaleTarget } from '../analyses/stale/index';
import { formatFindings } from './findings-text';

/** Lines of a target's entries named as examples; `stale --json` lists every one. */
const EXAMPLES = 3;
/** Per-entry commands shown where a group command would delete live entries too. */
const EXAMPLE_COMMANDS = 3;
/** Targets shown per destination, most entries first: after a mass redeploy each entry may record a pod of its own. */
const SHOWN_TARGETS = 3;

const ORDER: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

const CAUSES: Readonly<Record<StaleKind, string>> = {
  'endpoint-gone': 'DNATed to an address:port the rules no longer send these tuples to',
  'no-endpoints': 'DNATed, but the rules give such connections no endpoint now (none left, or none for such clients)',
  'service-gone': 'DNATed, but no rule sends the destination anywhere any more: the service was deleted',
  blackhole: 'never DNATed (created while the service had no endpoints), though every path DNATs now',
  'ipvs-real-server-gone': 'IPVS connections to a real server no longer listed',
  'ipvs-service-gone': 'IPVS connections to a virtual service no longer listed',
};

const count = (n: number) => n.toLocaleString('en-US');
const entries = (n: number) => `${count(n)} ${n === 1 ? 'entry' : 'entries'}`;

interface Section {
  readonly node: string;
  readonly severity: Severity;
  readonly kind: StaleKind;
  readonly groups: StaleGroup[];
}

/** `file:12, 40, 77 and 90 more`: the first entries' lines, each file named once. */
function examples(t: StaleTarget): string {
  const parts: string[] = [];
  let file: string | undefined;
  for (const e of t.entries.slice(0, EXAMPLES)) {
    parts.push(e.file === file ? `${e.line}` : `${e.file || '<stdin>'}:${e.line}`);
    file = e.file;
  }
  const more = t.entries.length - EXAMPLES;
  return `${parts.join(', ')}${more > 0 ? ` and ${count(more)} more` : ''}`;
}

function targetText(t: StaleTarget): string {
  const first = t.entries[0]!;
  const to = first.natTarget === null && first.table === 'conntrack' ? 'not DNATed' : `→ ${t.target}`;
  const head = `    ${to}: ${entries(t.entries.length)} (${examples(t)})\n`;
  if (t.cleanup !== null) return `${head}      ${t.cleanup}\n`;
  const shown = t.entries.slice(0, EXAMPLE_COMMANDS).map((e) => `      ${e.cleanup}\n`);
  const more = t.entries.length - EXAMPLE_COMMANDS;
  const rest = more > 0 ? `      … ${count(more)} more: \`nfwalk stale --json\` gives every entry's command\n` : '';
  return `${head}      (one command for all would delete live entries to ${endpointText(first.dst, first.dport ?? undefined)} too: each entry's own)\n${shown.join('')}${rest}`;
}

function groupText(g: StaleGroup): string {
  const first = g.entries[0]!;
  const now = first.now.length ? `go to ${first.now.join(', ')}` : 'get no endpoint';
  const head = `  ${first.proto} ${endpointText(first.dst, first.dport ?? undefined)}${first.service ? ` (${first.service})` : ''}: ${entries(g.entries.length)}; new connections ${now}\n`;
  const targets = [...g.targets].sort((a, b) => b.entries.length - a.entries.length);
  const rest = targets.slice(SHOWN_TARGETS);
  const restEntries = rest.reduce((sum, t) => sum + t.entries.length, 0);
  const more = rest.length
    ? `    … and ${count(rest.length)} more targets with ${entries(restEntries)}: \`nfwalk stale --json\` gives their commands\n`
    : '';
  return head + targets.slice(0, SHOWN_TARGETS).map(targetText).join('') + more;
}

const subjectOf = (g: StaleGroup) => {
  const first = g.entries[0]!;
  return first.service ?? endpointText(first.dst, first.dport ?? undefined);
};

function sectionText(s: Section): string {
  const total = s.groups.reduce((sum, g) => sum + g.entries.length, 0);
  const destinations = s.groups.length === 1 ? '1 destination' : `${count(s.groups.length)} destinations`;
  const head = `${s.severity.toUpperCase().padEnd(7)} ${CODES[s.kind]} on ${s.node}: ${entries(total)} to ${destinations}, ${CAUSES[s.kind]}\n`;
  const groups = [...s.groups].sort((a, b) => subjectOf(a).localeCompare(subjectOf(b)));
  return head + groups.map(groupText).join('');
}

function sectionsOf(groups: readonly StaleGroup[]): Section[] {
  const byKey = new Map<string, Section>();
  for (const g of groups) {
    const first = g.entries[0]!;
    const severity = severityOf(first.kind, first.proto);
    const key = `${first.node}|${severity}|${first.kind}`;
    let section = byKey.get(key);
    if (!section) byKey.set(key, (section = { node: first.node, severity, kind: first.kind, groups: [] }));
    section.groups.push(g);
  }
  return [...byKey.values()].sort(
    (a, b) =>
      ORDER[a.severity] - ORDER[b.severity] ||
      CODES[a.kind].localeCompare(CODES[b.kind]) ||
      a.node.localeCompare(b.node),
  );
}

const STALE_CODES: ReadonlySet<string> = new Set(Object.values(CODES));

export function formatStale(a: StaleAnalysis): string {
  if (a.nodes.length === 0) return 'no conntrack or IPVS connection table among the inputs\n';
  const limited = new Set(a.findings.filter((f) => f.subject === 'input').map((f) => f.node));
  const lines = a.nodes.map((n) => {
    const undecided = n.undecided.reduce((sum, u) => sum + u.count, 0);
    const partial = limited.has(n.node) ? ' (of a partial input: INPUT findings below)' : '';
    return `${n.node}: ${count(n.checked)} entries checked, ${count(n.stale)} stale${undecided ? `, ${count(undecided)} undecided` : ''}${partial}`;
  });
  const sections = sectionsOf(a.groups).map(sectionText);
  const others: Finding[] = a.findings.filter((f) => !STALE_CODES.has(f.code));
  const rest = others.length || !sections.length ? formatFindings(others) : '';
  return `${lines.join('\n')}\n\n${sections.join('\n')}${sections.length && rest ? '\n' : ''}${rest}`;
}
