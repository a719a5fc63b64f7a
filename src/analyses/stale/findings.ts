/**
 * Stale entries as findings: one per destination and recorded target on a node, with the command that
 * deletes exactly that group (or, when a group command would also hit live entries, the per-entry way).
 */
import type { SourceRef } from '../../model/source';
import type { Finding, Severity } from '../finding';
import type { NodeStaleSummary, StaleEntry, StaleGroup, StaleKind } from './model';
import { endpointText, firstOf } from '../finding-text';
import { groupBy } from '../../model/group-by';
import { type GroupHead, firstEntry, groupHead } from './groups';

export interface Terminating {
  readonly node: string;
  readonly service: string | null;
  readonly server: string;
  readonly file: string;
  readonly line: number;
}

/** Enough lines to find the entries in the dump; the count says how many there are. */
const EVIDENCE_LINES = 10;

export const CODES: Readonly<Record<StaleKind, string>> = {
  'endpoint-gone': 'STALE_ENDPOINT_GONE',
  'no-endpoints': 'STALE_NO_ENDPOINTS',
  'service-gone': 'STALE_SERVICE_GONE',
  blackhole: 'STALE_BLACKHOLE',
  'ipvs-real-server-gone': 'STALE_IPVS_REAL_SERVER_GONE',
  'ipvs-service-gone': 'STALE_IPVS_SERVICE_GONE',
};

/** A UDP or SCTP entry keeps a flow on a dead path until traffic stops for its whole timeout: DNS timeouts. */
export function severityOf(kind: StaleKind, proto: string): Severity {
  if (kind === 'blackhole') return 'error';
  if (kind === 'no-endpoints' || kind.startsWith('ipvs-')) return 'warning';
  return proto === 'tcp' ? 'warning' : 'error';
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function evidenceOf(entries: readonly { readonly file: string; readonly line: number }[]): SourceRef[] {
  return entries.slice(0, EVIDENCE_LINES).map((e) => ({ path: e.file, line: e.line, column: 1 }));
}

/** Beyond this many targets a finding names the first ones and points at the JSON for the rest. */
const LISTED_TARGETS = 10;

/** `targets` are the first targets' texts, `targetCount` how many targets there are. */
function groupMessage(first: StaleEntry, count: number, targets: readonly string[], targetCount: number): string {
  const what = `${count} ${first.proto} ${first.table === 'ipvs' ? (count === 1 ? 'IPVS connection' : 'IPVS connections') : count === 1 ? 'conntrack entry' : 'conntrack entries'} to ${endpointText(first.dst, first.dport ?? undefined)}${first.service ? ` (${first.service})` : ''}`;
  const to = firstOf(targets, LISTED_TARGETS, ', ', targetCount);
  const go = count === 1 ? 'goes' : 'go';
  const now = first.now.length ? first.now.join(', ') : 'nowhere';
  switch (first.kind) {
    case 'endpoint-gone':
      // kube-proxy leaves a terminating endpoint out while ready ones exist: its TCP connections drain on their own.
      return `${what} still ${go} to ${to}, where the rules no longer send such connections; new ones go to ${now}${first.proto === 'tcp' ? '. A pod still terminating drains its connections on its own: deleting them cuts them early' : ''}`;
    case 'no-endpoints':
      return `${what} still ${go} to ${to}, but the rules give such connections no endpoint now: the service has none, or its policy gives such clients none (externalTrafficPolicy: Local without a local endpoint, source ranges)`;
    case 'service-gone':
      return `${what} still ${go} to ${to}, but no rule sends that destination anywhere any more: the service was deleted`;
    case 'blackhole':
      return `${what} ${count === 1 ? 'was' : 'were'} never DNATed (created while the service had no endpoints) and keep its traffic from reaching ${now}`;
    case 'ipvs-real-server-gone':
      return `${what} still ${go} to real ${targetCount === 1 ? 'server' : 'servers'} ${to}, no longer listed by IPVS; the service's real servers are ${now}`;
    case 'ipvs-service-gone':
      return `${what} still ${go} to real ${targetCount === 1 ? 'server' : 'servers'} ${to}, but the virtual service is gone`;
  }
}

/** One command per recorded target where that deletes only stale entries; the per-entry way where it would not. */
function remedyOf(head: GroupHead): string {
  const first = head.entries[0]!;
  if (first.table === 'ipvs')
    return `${first.cleanup} (IPVS then drops connections to removed real servers on their next packet), or wait for them to expire`;
  const commands = head.targets
    .slice(0, LISTED_TARGETS)
    .map((t) => t.cleanup ?? t.entries.map((e) => e.cleanup).join('\n'));
  const more = head.targetCount - LISTED_TARGETS;
  return (
    commands.join('\n') + (more > 0 ? `\n… and ${more} more: \`nfwalk stale --json\` gives every entry's command` : '')
  );
}

/** The finding of one group: made when asked, as its message and remedy are most of a finding's bytes. */
function groupFinding(group: StaleGroup): Finding {
  const head = groupHead(group, EVIDENCE_LINES, LISTED_TARGETS);
  const first = head.entries[0]!;
  return {
    code: CODES[first.kind],
    severity: severityOf(first.kind, first.proto),
    node: first.node,
    subject: first.service ?? endpointText(first.dst, first.dport ?? undefined),
    message: groupMessage(
      first,
      head.size,
      head.targets.map((t) => t.target),
      head.targetCount,
    ),
    evidence: evidenceOf(head.entries),
    remedy: remedyOf(head),
  };
}

/**
 * A stale analysis's findings: one per group, made when read (`at`), then those of few entries (terminating IPVS
 * connections, undecided entries, what the caller adds), held. A million stale entries make some 14,000 groups,
 * whose messages, remedies and evidence held about 30 MB at the analysis's peak; a writer makes and writes them
 * one at a time.
 */
export class StaleFindings {
  constructor(
    private readonly groups: readonly StaleGroup[],
    private readonly rest: readonly Finding[],
  ) {}

  get length(): number {
    return this.groups.length + this.rest.length;
  }

  /** The `i`th finding, made anew for a group's. */
  at(i: number): Finding {
    const groups = this.groups;
    return i < groups.length ? groupFinding(groups[i]!) : this.rest[i - groups.length]!;
  }

  /** Every finding's severity, no finding made. */
  severities(): Severity[] {
    return [
      ...this.groups.map((g) => {
        const first = firstEntry(g);
        return severityOf(first.kind, first.proto);
      }),
      ...this.rest.map((f) => f.severity),
    ];
  }

  /** Every finding, made. */
  all(): Finding[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }

  /** These findings, then `more`. */
  with(more: readonly Finding[]): StaleFindings {
    return new StaleFindings(this.groups, [...this.rest, ...more]);
  }

  static of(findings: readonly Finding[]): StaleFindings {
    return new StaleFindings([], findings);
  }
}

export function staleFindings(
  groups: readonly StaleGroup[],
  terminating: readonly Terminating[],
  nodes: readonly NodeStaleSummary[],
): StaleFindings {
  const findings: Finding[] = [];
  for (const list of groupBy(terminating, (t) => `${t.node}|${t.service ?? ''}|${t.server}`).values()) {
    const t = list[0]!;
    findings.push({
      code: 'IPVS_TERMINATING_CONNECTIONS',
      severity: 'info',
      node: t.node,
      subject: t.service ?? t.server,
      message: `${plural(list.length, 'IPVS connection')} still ${list.length === 1 ? 'uses' : 'use'} real server ${t.server}, which has weight 0 (a terminating endpoint draining)`,
      evidence: evidenceOf(list),
      remedy:
        "nothing while the pod still serves; if it is gone, lower the connections' timeouts or set net.ipv4.vs.expire_nodest_conn=1 once kube-proxy removes the real server",
    });
  }
  for (const n of nodes) {
    for (const u of n.undecided) {
      findings.push({
        code: 'STALE_UNDECIDED',
        severity: 'info',
        node: n.node,
        subject: 'conntrack',
        message: `${plural(u.count, 'entry')} could not be checked against the rules: ${u.why}`.replace(
          /entrys/,
          'entries',
        ),
        evidence: [],
        remedy:
          "add what is missing to the input (the same node's iptables-save, ip6tables-save, ipvsadm -Ln, ip addr) or give its addresses with --node-ip",
      });
    }
  }
  return new StaleFindings(groups, findings);
}
