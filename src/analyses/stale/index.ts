/**
 * `nfwalk stale`: every conntrack entry and IPVS connection of every node, checked against that node's
 * current rules. Answers are cached per flow key, so a million entries to a few thousand services cost a
 * few thousand walks.
 */
import { Counter } from '../../model/counter';
import { type AddressKey, addressKey } from '../address-key';
import { columnsOf } from '../../model/conntrack-columns';
import { nftFamilyOf } from '../../model/nft';
import { kubeChainsOnlyInNft } from '../../model/nft-iptables';
import type { NodeDumps } from '../../model/node';
import type { Section } from '../../model/section';
import { nodeContexts } from '../node/index';
import { type Judged, VALID, judgeEntry, judgeRow, recordedTarget, walkedAs } from './conntrack-stale';
import type { AnswerCache } from './answer-cache';
import type { ProbeProtocol } from '../trace/index';
import type { TableOrigin } from './conntrack-stale-entry';
import { EntryRow } from './entry-row';
import { type FamilyContext, familyContext } from './family-context';
import { staleFindings, type Terminating } from './findings';
import { groupKey, groupStale, targetOf } from './groups';
import { IPVS_CLEANUP, judgeConnection } from './ipvs-stale';
import type { NodeStaleSummary, StaleAnalysis, StaleEntry } from './model';
import { StaleList, analysisOf } from './stale-list';
import { endpointText } from '../finding-text';
import { saveCommandOf } from '../../model/ruleset';
import type { Family } from '../../model/values';

export type * from './model';

export interface StaleOptions {
  /** `--node-ip`: node addresses for nodes whose dumps have no `ip addr`. */
  readonly nodeIps?: readonly string[];
}

/**
 * When much has just become garbage: a node's first-look contexts, before its NodePort doubts' are built; the
 * inputs, once the entries are judged; the grouping's work, once grouped.
 */
export type GarbageMoment = 'first-look' | 'judged' | 'grouped';

/** `garbage` is told each GarbageMoment; whether to collect then is the caller's (the CLI's) choice. */
export interface JudgingOptions extends StaleOptions {
  readonly garbage?: (moment: GarbageMoment) => void;
}

type IpvsTableSection = Extract<Section, { kind: 'ipvsadm' }>;

/**
 * The groups (destination and reply source) of stale entries that live entries share: there a group
 * command would delete live ones too. A second look, at the entries the first found valid, to the stale
 * destinations only (those of the list's entries from `from` on: this node's).
 */
function sharedGroups(
  tables: readonly TableOrigin[],
  valid: readonly Uint8Array[],
  stale: StaleList,
  from: number,
  validGroups: Set<string>,
): void {
  // The stale destinations, each address of each table looked at once.
  const seen = new Map<TableOrigin, Uint8Array>();
  const destinations = new Set<AddressKey>();
  for (let i = from; i < stale.length; i++) {
    const origin = stale.originOf(i);
    if (!origin) continue;
    const columns = origin.columns;
    let marked = seen.get(origin);
    if (!marked) seen.set(origin, (marked = new Uint8Array(columns.addresses.length)));
    const dst = columns.origDstId(stale.rowOf(i));
    if (marked[dst]) continue;
    marked[dst] = 1;
    destinations.add(addressKey(columns.addresses.textOf(dst)));
  }
  if (destinations.size === 0) return;
  const row = new EntryRow();
  tables.forEach(({ columns }, t) => {
    const flags = valid[t]!;
    // Per address of the table: 1 a stale destination, 2 not one.
    const isDestination = new Uint8Array(columns.addresses.length);
    for (let i = 0; i < columns.length; i++) {
      if (!flags[i]) continue;
      const dst = columns.origDstId(i);
      if (!isDestination[dst]) isDestination[dst] = destinations.has(addressKey(columns.addresses.textOf(dst))) ? 1 : 2;
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
 * one they would send elsewhere is stale either way, and that verdict says where new connections go. The node's
 * entries are those of `judged` from `from` on.
 */
function settleNodePortDoubts(
  node: NodeDumps,
  nodeIps: readonly string[],
  nodeAddressUnknown: ReadonlySet<Family>,
  judged: StaleList,
  from: number,
  garbage: JudgingOptions['garbage'],
): NodePortDoubts | undefined {
  const doubtful: number[] = [];
  const verdicts = judged.verdicts.values;
  for (let i = from; i < judged.length; i++) {
    const origin = judged.originOf(i)!;
    if (
      verdicts[judged.verdictIdOf(i)]!.kind === 'service-gone' &&
      nodeAddressUnknown.has(origin.columns.family(judged.rowOf(i)))
    )
      doubtful.push(i);
  }
  if (!doubtful.length) return undefined;
  // The first look's contexts are garbage now: once collected, the doubts' are built in their room, not beside them.
  garbage?.('first-look');
  const dstOf = (i: number) => {
    const c = judged.originOf(i)!.columns;
    return c.addresses.textOf(c.origDstId(judged.rowOf(i)));
  };
  const asNode = [...new Set(doubtful.map(dstOf))];
  const alternatives = new Map(
    nodeContexts(node, [...nodeIps, ...asNode]).map((c) => [c.family, familyContext(c, judged.verdicts)]),
  );
  const row = new EntryRow();
  return {
    entries: doubtful,
    again: doubtful.map((i) => {
      const e = row.load(judged.originOf(i)!.columns, judged.rowOf(i));
      return judgeEntry(alternatives.get(e.family)!, e);
    }),
  };
}

/** The list's entries in doubt (ascending), and each one's verdict with the destination as the node's. */
interface NodePortDoubts {
  readonly entries: readonly number[];
  readonly again: readonly Judged[];
}

/** The context's rows can be judged from their columns (judgeRow): those of IPVS nodes are loaded. */
const judgesRows = (ctx: FamilyContext | undefined): ctx is FamilyContext & { readonly answers: AnswerCache } =>
  ctx !== undefined && !ctx.blocked && !ctx.hasIpvs && ctx.answers !== undefined;

/** An IPVS connection's outcome, told after the node's conntrack rows are settled (the report's order). */
type IpvsOutcome =
  | { readonly undecided: string }
  | { readonly valid: true }
  | { readonly terminating: Terminating }
  | { readonly stale: StaleEntry };

/** What the first look at a node's entries leaves, its contexts gone: the NodePort doubts build their own. */
interface FirstLook {
  /** Which entries were found valid, per table: sharedGroups looks at them again. */
  readonly valid: readonly Uint8Array[];
  readonly checked: number;
  /** The families whose node addresses are unknown: their `service-gone` entries are in doubt. */
  readonly nodeAddressUnknown: ReadonlySet<Family>;
  readonly ipvs: readonly IpvsOutcome[];
  /** servicesBySource: where a group command could cut live connections of other clients. */
  readonly bySource: ReadonlySet<string>;
}

/**
 * The node's rows judged with its contexts, the stale ones pushed to `stale`, and its IPVS connections. The
 * contexts (the walk's compiled chains, the answers, the address numbers) live only in here: the NodePort doubts'
 * contexts are built once these are garbage, not beside them at the analysis's peak.
 */
function firstLook(
  node: NodeDumps,
  nodeIps: readonly string[],
  tables: readonly TableOrigin[],
  connections: readonly IpvsTableSection[],
  stale: StaleList,
  undecided: Counter,
): FirstLook {
  const contexts = new Map<Family, FamilyContext>(
    nodeContexts(node, nodeIps).map((c) => [c.family, familyContext(c, stale.verdicts)]),
  );
  let checked = 0;
  // kube-proxy's iptables-mode chains seen through nft only: the services stale judges by are read from iptables-save.
  const inNft = kubeChainsOnlyInNft(node);
  const noRules = (family: Family) => {
    const ofFamily = inNft.filter((x) => x.table.family === nftFamilyOf(family));
    const seen = ofFamily.find((x) => x.table.name === 'nat') ?? ofFamily[0];
    return seen
      ? `kube-proxy's iptables-mode chains are only in the nft listing at ${seen.section.source.path}:${seen.section.source.startLine} (table ${seen.table.family} ${seen.table.name}), and their services are read from ${saveCommandOf(family)} dumps`
      : `no ${saveCommandOf(family)} dump or IPVS table`;
  };
  const valid = tables.map((table) => new Uint8Array(table.columns.length));
  const row = new EntryRow();
  const ipv4 = contexts.get('ipv4');
  const ipv6 = contexts.get('ipv6');
  const rows4 = judgesRows(ipv4) ? ipv4 : undefined;
  const rows6 = judgesRows(ipv6) ? ipv6 : undefined;
  tables.forEach((table, t) => {
    const columns = table.columns;
    const flags = valid[t]!;
    // The protocol each of the table's protocol indices is walked as (null: not walked).
    const walked: (ProbeProtocol | null)[] = [];
    for (let i = 0; i < columns.length; i++) {
      if (columns.isEvent(i)) {
        undecided.add('conntrack -E event lines are changes, not a table snapshot');
        continue;
      }
      if (columns.isAnonymised(i)) {
        undecided.add('an address of the entry was anonymised before the paste');
        continue;
      }
      let verdict: Judged;
      const ctx = columns.isObject(i) ? undefined : columns.family(i) === 'ipv4' ? rows4 : rows6;
      const p = ctx && columns.protoIndex(i);
      const proto = ctx && (walked[p!] ?? (walked[p!] = walkedAs(columns.protoName(p!)) ?? null));
      if (ctx && proto) verdict = judgeRow(ctx, ctx.answers, columns, i, proto);
      else {
        const e = row.load(columns, i);
        const context = contexts.get(e.family);
        verdict = context ? judgeEntry(context, e) : noRules(e.family);
      }
      if (verdict === VALID) {
        checked++;
        flags[i] = 1;
      } else if (typeof verdict === 'string') undecided.add(verdict);
      else stale.pushNumbered(table, i, verdict);
    }
  });
  const nodeAddressUnknown = new Set([...contexts].filter(([, c]) => c.nodeAddressUnknown).map(([family]) => family));
  return {
    valid,
    checked,
    nodeAddressUnknown,
    ipvs: connections.flatMap((s) => ipvsOutcomes(node, contexts, s)),
    bySource: servicesBySource(node, nodeIps),
  };
}

/**
 * Services whose rules send a connection by its source: externalTrafficPolicy Local (pods still reach every endpoint
 * through the NodePort) and load balancers with source ranges. An entry stale for one client may name an endpoint
 * others are sent to now, so a command for its whole destination and target would cut live connections.
 */
function servicesBySource(node: NodeDumps, nodeIps: readonly string[]): ReadonlySet<string> {
  return new Set(
    nodeContexts(node, nodeIps).flatMap((ctx) =>
      ctx.services
        .filter((s) => s.externalTrafficPolicy === 'Local' || s.entryPoints.some((e) => e.sourceRanges?.length))
        .map((s) => s.name),
    ),
  );
}

function ipvsOutcomes(
  node: NodeDumps,
  contexts: ReadonlyMap<Family, FamilyContext>,
  section: IpvsTableSection,
): IpvsOutcome[] {
  return section.connections.map((c): IpvsOutcome => {
    const family = c.client.address.includes(':') ? 'ipv6' : 'ipv4';
    const ctx = contexts.get(family);
    if (!ctx?.hasIpvs) return { undecided: 'IPVS connections without an ipvsadm -Ln listing of the virtual services' };
    const verdict = judgeConnection(ctx, c);
    if (verdict.verdict === 'valid') return { valid: true };
    const shown = ctx.ipvsShown;
    if (verdict.verdict === 'stale' && shown && (verdict.kind === 'ipvs-service-gone' || !shown.serversWhole))
      return { undecided: shown.reason };
    if (verdict.verdict === 'terminating')
      return {
        terminating: {
          node: node.name,
          service: verdict.service,
          server: verdict.server,
          file: section.source.path,
          line: c.line,
        },
      };
    return {
      stale: {
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
      },
    };
  });
}

function scanNode(
  node: NodeDumps,
  nodeIps: readonly string[],
  stale: StaleList,
  validGroups: Set<string>,
  terminating: Terminating[],
  garbage: JudgingOptions['garbage'],
): NodeStaleSummary | undefined {
  const tables: TableOrigin[] = node.conntrack
    .filter((s) => s.entries.length > 0)
    .map((s) => ({ columns: columnsOf(s.entries), node: node.name, file: s.source.path }));
  const connections = node.sections.filter(
    (s): s is IpvsTableSection => s.kind === 'ipvsadm' && s.connections.length > 0,
  );
  if (!tables.length && !connections.length) return undefined;
  // The node's entries the first look finds stale go to the list from here on, settled once the NodePort doubts are.
  const from = stale.length;
  const undecided = new Counter();
  const first = firstLook(node, nodeIps, tables, connections, stale, undecided);
  let checked = first.checked;
  let found = 0;
  const doubts = settleNodePortDoubts(node, nodeIps, first.nodeAddressUnknown, stale, from, garbage);
  const verdicts = stale.verdicts.values;
  let d = 0;
  stale.settle(from, (j, origin) => {
    const verdict = stale.verdictIdOf(j);
    if (!doubts || doubts.entries[d] !== j) {
      checked++;
      found++;
      return verdict;
    }
    const again = doubts.again[d++]!;
    if (typeof again === 'string' || again === VALID) {
      const c = origin!.columns;
      undecided.add(
        `a NodePort connection if ${c.addresses.textOf(c.origDstId(stale.rowOf(j)))} is an address of this node: no ip addr dump or --node-ip says which addresses are the node's`,
      );
      return -1;
    }
    checked++;
    found++;
    return verdicts[again]!.kind !== 'service-gone' ? again : verdict;
  });
  sharedGroups(tables, first.valid, stale, from, validGroups);
  if (first.bySource.size)
    for (let i = from; i < stale.length; i++) {
      const v = stale.verdictOf(i);
      if (v.service === null || !first.bySource.has(v.service)) continue;
      const e = stale.entry(i);
      validGroups.add(groupKey(e.family, e.proto, e.dst, e.dport, targetOf(e)));
    }
  for (const outcome of first.ipvs) {
    if ('undecided' in outcome) {
      undecided.add(outcome.undecided);
      continue;
    }
    checked++;
    if ('terminating' in outcome) terminating.push(outcome.terminating);
    else if ('stale' in outcome) {
      found++;
      stale.push(outcome.stale);
    }
  }
  return {
    node: node.name,
    checked,
    stale: found,
    undecided: undecided.top().map((t) => ({ why: t.key, count: t.entries })),
  };
}

/** Every node's entries judged: what the analysis is made of, holding nothing of the rules. */
export interface Judging {
  readonly stale: StaleList;
  readonly validGroups: ReadonlySet<string>;
  readonly terminating: readonly Terminating[];
  readonly summaries: readonly NodeStaleSummary[];
}

export function judgeNodes(nodes: readonly NodeDumps[], options: JudgingOptions = {}): Judging {
  const stale = new StaleList();
  const validGroups = new Set<string>();
  const terminating: Terminating[] = [];
  const summaries = nodes.flatMap(
    (n) => scanNode(n, options.nodeIps ?? [], stale, validGroups, terminating, options.garbage) ?? [],
  );
  return { stale, validGroups, terminating, summaries };
}

/** The analysis of judged entries: their groups and findings; `grouped` is told once the grouping's work is garbage. */
export function analysisOfJudging(
  { stale, validGroups, terminating, summaries }: Judging,
  grouped?: () => void,
): StaleAnalysis {
  const groups = groupStale(stale, validGroups);
  grouped?.();
  return analysisOf(stale, { groups, nodes: summaries, findings: staleFindings(groups, terminating, summaries) });
}

export function analyzeStale(nodes: readonly NodeDumps[], options: StaleOptions = {}): StaleAnalysis {
  return analysisOfJudging(judgeNodes(nodes, options));
}
