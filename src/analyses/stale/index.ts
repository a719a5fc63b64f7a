/**
 * `nfwalk stale`: every conntrack entry and IPVS connection of every node, checked against that node's
 * current rules. Answers are cached per flow key, so a million entries to a few thousand services cost a
 * few thousand walks.
 */
import { Counter } from '../../model/counter';
import { addressKey } from '../address-key';
import { columnsOf } from '../../model/conntrack-columns';
import type { NodeDumps } from '../../model/node';
import type { Section } from '../../model/section';
import { nodeContexts } from '../node/index';
import { type EntryVerdict, judgeEntry, recordedTarget } from './conntrack-stale';
import { ConntrackStaleEntry, type TableOrigin } from './conntrack-stale-entry';
import { EntryRow } from './entry-row';
import { type FamilyContext, familyContext } from './family-context';
import { staleFindings, type Terminating } from './findings';
import { groupKey, groupStale } from './groups';
import { IPVS_CLEANUP, judgeConnection } from './ipvs-stale';
import type { NodeStaleSummary, StaleAnalysis, StaleEntry } from './model';
import { endpointText } from '../finding-text';
import { saveCommandOf } from '../../model/ruleset';
import type { Family } from '../../model/values';

export type * from './model';

export interface StaleOptions {
  /** `--node-ip`: node addresses for nodes whose dumps have no `ip addr`. */
  readonly nodeIps?: readonly string[];
}

type IpvsTableSection = Extract<Section, { kind: 'ipvsadm' }>;

/**
 * The groups (destination and reply source) of stale entries that live entries share: there a group
 * command would delete live ones too. A second look, at the entries the first found valid, to the stale
 * destinations only.
 */
function sharedGroups(
  tables: readonly TableOrigin[],
  valid: readonly Uint8Array[],
  stale: readonly StaleEntry[],
  validGroups: Set<string>,
): void {
  const destinations = new Set(stale.filter((s) => s.table === 'conntrack').map((s) => addressKey(s.dst)));
  if (destinations.size === 0) return;
  const row = new EntryRow();
  tables.forEach(({ columns }, t) => {
    const flags = valid[t]!;
    // Per address of the table: 1 a stale destination, 2 not one.
    const isDestination = new Uint8Array(columns.addresses.length);
    for (let i = 0; i < columns.length; i++) {
      if (!flags[i]) continue;
      const dst = columns.origDstId(i);
      if (!isDestination[dst]) isDestination[dst] = destinations.has(addressKey(columns.addresses[dst]!)) ? 1 : 2;
      if (isDestination[dst] !== 1) continue;
      const e = row.load(columns, i);
      validGroups.add(groupKey(e.family, e.proto, e.orig.dst, e.orig.dport ?? null, recordedTarget(e)));
    }
  });
}

/**
 * Entries to a deleted service's address, on a node whose own addresses are unknown, judged again as if
 * those destinations were the node's. Only `service-gone` is in doubt: a NodePort's address has no rule of
 * its own. An entry the rules would then produce may be a live NodePort connection and is not called stale;
 * one they would send elsewhere is stale either way, and that verdict says where new connections go.
 */
function settleNodePortDoubts(
  node: NodeDumps,
  nodeIps: readonly string[],
  contexts: ReadonlyMap<Family, FamilyContext>,
  judged: readonly ConntrackStaleEntry[],
): Map<ConntrackStaleEntry, EntryVerdict> {
  const doubtful = judged.filter(
    (j) => j.verdict.kind === 'service-gone' && contexts.get(j.family)?.nodeAddressUnknown,
  );
  if (!doubtful.length) return new Map();
  const asNode = [...new Set(doubtful.map((j) => j.dst))];
  const alternatives = new Map(nodeContexts(node, [...nodeIps, ...asNode]).map((c) => [c.family, familyContext(c)]));
  const row = new EntryRow();
  return new Map(doubtful.map((j) => [j, judgeEntry(alternatives.get(j.family)!, row.load(j.origin.columns, j.row))]));
}

function scanNode(
  node: NodeDumps,
  nodeIps: readonly string[],
  stale: StaleEntry[],
  validGroups: Set<string>,
  terminating: Terminating[],
): NodeStaleSummary | undefined {
  const tables: TableOrigin[] = node.conntrack
    .filter((s) => s.entries.length > 0)
    .map((s) => ({ columns: columnsOf(s.entries), node: node.name, file: s.source.path }));
  const connections = node.sections.filter(
    (s): s is IpvsTableSection => s.kind === 'ipvsadm' && s.connections.length > 0,
  );
  if (!tables.length && !connections.length) return undefined;
  const contexts = new Map<Family, FamilyContext>(nodeContexts(node, nodeIps).map((c) => [c.family, familyContext(c)]));
  const undecided = new Counter();
  let checked = 0;
  let found = 0;
  const noRules = (family: Family) => `no ${saveCommandOf(family)} dump or IPVS table`;
  // Which entries were found valid, per table: sharedGroups looks at them again.
  const valid = tables.map((table) => new Uint8Array(table.columns.length));
  // Entries the first look found stale, kept until a NodePort doubt is settled.
  const judged: ConntrackStaleEntry[] = [];
  const row = new EntryRow();
  tables.forEach((table, t) => {
    const columns = table.columns;
    for (let i = 0; i < columns.length; i++) {
      if (columns.isEvent(i)) {
        undecided.add('conntrack -E event lines are changes, not a table snapshot');
        continue;
      }
      if (columns.isAnonymised(i)) {
        undecided.add('an address of the entry was anonymised before the paste');
        continue;
      }
      const e = row.load(columns, i);
      const ctx = contexts.get(e.family);
      const verdict: EntryVerdict = ctx ? judgeEntry(ctx, e) : { verdict: 'undecided', why: noRules(e.family) };
      if (verdict.verdict === 'undecided') {
        undecided.add(verdict.why);
        continue;
      }
      if (verdict.verdict === 'valid') {
        checked++;
        valid[t]![i] = 1;
        continue;
      }
      judged.push(new ConntrackStaleEntry(table, i, verdict));
    }
  });
  const asNodePort = settleNodePortDoubts(node, nodeIps, contexts, judged);
  for (const j of judged) {
    const again = asNodePort.get(j);
    if (again && again.verdict !== 'stale') {
      undecided.add(
        `a NodePort connection if ${j.dst} is an address of this node: no ip addr dump or --node-ip says which addresses are the node's`,
      );
      continue;
    }
    checked++;
    found++;
    stale.push(
      again?.verdict === 'stale' && again.kind !== 'service-gone' ? new ConntrackStaleEntry(j.origin, j.row, again) : j,
    );
  }
  sharedGroups(tables, valid, stale.slice(stale.length - found), validGroups);
  for (const section of connections) {
    for (const c of section.connections) {
      const family = c.client.address.includes(':') ? 'ipv6' : 'ipv4';
      const ctx = contexts.get(family);
      if (!ctx?.hasIpvs) {
        undecided.add('IPVS connections without an ipvsadm -Ln listing of the virtual services');
        continue;
      }
      checked++;
      const verdict = judgeConnection(ctx, c);
      if (verdict.verdict === 'valid') continue;
      if (verdict.verdict === 'terminating') {
        terminating.push({
          node: node.name,
          service: verdict.service,
          server: verdict.server,
          file: section.source.path,
          line: c.line,
        });
        continue;
      }
      found++;
      stale.push({
        proto: c.protocol.toLowerCase(),
        src: c.client.address,
        sport: c.client.port ?? null,
        dst: c.virtual.address,
        dport: c.virtual.port ?? null,
        natTarget: endpointText(c.destination.address, c.destination.port),
        reason: verdict.reason,
        service: verdict.service,
        line: c.line,
        kind: verdict.kind,
        node: node.name,
        family,
        file: section.source.path,
        state: c.state,
        table: 'ipvs',
        now: verdict.now,
        cleanup: IPVS_CLEANUP,
      });
    }
  }
  return {
    node: node.name,
    checked,
    stale: found,
    undecided: undecided.top().map((t) => ({ why: t.key, count: t.entries })),
  };
}

export function analyzeStale(nodes: readonly NodeDumps[], options: StaleOptions = {}): StaleAnalysis {
  const stale: StaleEntry[] = [];
  const validGroups = new Set<string>();
  const terminating: Terminating[] = [];
  const summaries = nodes.flatMap((n) => scanNode(n, options.nodeIps ?? [], stale, validGroups, terminating) ?? []);
  const groups = groupStale(stale, validGroups);
  return { stale, groups, nodes: summaries, findings: staleFindings(groups, terminating, summaries) };
}
