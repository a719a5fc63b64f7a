/**
 * Conntrack capacity per node: how full the table is (sysctl, `conntrack -C`, the listing), what the kernel
 * dropped (`conntrack -S`), the state mix, destinations whose connections go unanswered (a blackhole: a
 * dead endpoint, a NetworkPolicy, a broken route) and the sources that fill the table.
 */
import type { ConntrackEntry } from '../../model/conntrack';
import type { NodeDumps } from '../../model/node';
import type { Section } from '../../model/section';
import type { SourceRef } from '../../model/source';
import { shownMismatch } from '../../model/conntrack-summary';
import { filterOf } from '../../model/gaps';
import type { Finding } from '../finding';
import { endpointText } from '../finding-text';
import type { CapacityAnalysis, NodeCapacity } from './model';
import { Counter, type Tally, topTallies } from '../../model/counter';
import { type AddressKey, addressKey, endpointKey } from '../address-key';
import { canonicalAddress } from '../../../grammar/shared/address';

export type * from './model';

/** Fill levels: past the first, bursts start to hit the limit; past the second, new connections are being dropped. */
const WARN_FILL = 0.75;
const ERROR_FILL = 0.9;
/** Average hash chain length at a full table beyond which lookups get slow. */
const LONG_CHAINS = 8;
/** A destination is a blackhole suspect when at least this many entries go to it and this share of them is unanswered. */
const SUSPECT_ENTRIES = 20;
const SUSPECT_UNREPLIED = 0.5;
/** A source that holds this share of a table of at least TALKER_MIN entries is named. */
const TALKER_SHARE = 0.2;
const TALKER_MIN = 1000;
const TOP = 10;
/** A filter that keeps entries by whether they were answered. */
const REPLY_STATE = /UNREPLIED|SYN_SENT|SYN_RECV|ASSURED/i;

const sysctlNumber = (node: NodeDumps, ...keys: string[]) => {
  for (const k of keys) {
    const v = node.sysctl.get(k);
    if (v !== undefined && /^\d+$/.test(v.trim())) return Number(v);
  }
  return null;
};

function sysctlRef(node: NodeDumps): SourceRef[] {
  const s = node.sections.find((x) => x.kind === 'sysctl');
  return s ? [{ path: s.source.path, line: s.source.startLine, column: 1 }] : [];
}

const connectionState = (e: ConntrackEntry) => e.state ?? e.proto.toUpperCase();
const awaitsReply = (e: ConntrackEntry) => e.unreplied || e.state === 'SYN_SENT';
/** An address an anonymised paste hid (`x.x.x.x`): tallied as no source or destination, since all would look like one. */
const hiddenAddress = (e: ConntrackEntry, address: string) =>
  e.anonymised === true && canonicalAddress(address) === undefined;

/** A count whose text (the key a report shows) is made once, when it is first seen. */
interface Seen {
  readonly key: string;
  entries: number;
}

/** Where connections go (`proto ip:port`, the reply's source), and how many of them never got a reply. */
interface Destination extends Seen {
  unanswered: number;
  first?: SourceRef;
}

/**
 * How many entries the node's conntrack listings say the table holds. A listing filtered or cut (conntrack's own
 * "N flow entries have been shown" says more than it holds) shows part: its own count is then a floor (conntrack
 * counts before the paste's `grep`, after its own `-p`/`-s` filters), and without one the count is unknown.
 */
function shownCount(
  tables: NodeDumps['conntrack'],
  listedBy: readonly number[],
): { count: number | null; from: 'conntrack -L' | 'conntrack -L shown'; partial: boolean } | undefined {
  if (!tables.length) return undefined;
  let count = 0;
  let said = false;
  let partial = false;
  for (const [i, t] of tables.entries()) {
    const listed = listedBy[i]!;
    const mismatch = shownMismatch(t.summaries, t.entries.length);
    if (mismatch && mismatch.count > listed) {
      count += mismatch.count;
      said = true;
      partial = true;
      continue;
    }
    if (filterOf(t.source) !== undefined || t.source.cut !== undefined || mismatch) {
      partial = true;
      if (!t.summaries.some((x) => x.what === 'shown')) return { count: null, from: 'conntrack -L', partial };
    }
    count += listed;
  }
  return { count, from: said ? 'conntrack -L shown' : 'conntrack -L', partial };
}

function nodeCapacity(node: NodeDumps, findings: Finding[]): NodeCapacity | undefined {
  const tables = node.conntrack;
  const counts = node.sections.filter(
    (s): s is Extract<Section, { kind: 'conntrack-count' }> => s.kind === 'conntrack-count' && s.count !== undefined,
  );
  const stats = node.sections.filter(
    (s): s is Extract<Section, { kind: 'conntrack-stats' }> => s.kind === 'conntrack-stats',
  );
  const max = sysctlNumber(node, 'net.netfilter.nf_conntrack_max', 'net.nf_conntrack_max');
  const buckets = sysctlNumber(node, 'net.netfilter.nf_conntrack_buckets');
  const sysctlCount = sysctlNumber(node, 'net.netfilter.nf_conntrack_count');
  if (!tables.length && !counts.length && !stats.length && max === null && sysctlCount === null) return undefined;

  const states = new Counter();
  // By address key (address-key.ts): text made for every one of a million entries was most of this loop.
  const sources = new Map<AddressKey, Seen>();
  const destinations = new Map<string, Map<AddressKey, Destination>>();
  const waiting: Destination[] = [];
  let listed = 0;
  let unreplied = 0;
  const listedBy: number[] = [];
  for (const t of tables) {
    const before = listed;
    for (const e of t.entries) {
      if (e.event !== undefined) continue;
      listed++;
      states.add(connectionState(e));
      if (!hiddenAddress(e, e.orig.src)) {
        const from = addressKey(e.orig.src);
        const source = sources.get(from);
        if (source) source.entries++;
        else sources.set(from, { key: e.orig.src, entries: 1 });
      }
      if (hiddenAddress(e, e.reply.src)) {
        if (awaitsReply(e)) unreplied++;
        continue;
      }
      let byEndpoint = destinations.get(e.proto);
      if (!byEndpoint) destinations.set(e.proto, (byEndpoint = new Map()));
      const at = endpointKey(e.reply.src, e.reply.sport);
      let to = byEndpoint.get(at);
      if (!to)
        byEndpoint.set(
          at,
          (to = { key: `${e.proto} ${endpointText(e.reply.src, e.reply.sport)}`, entries: 0, unanswered: 0 }),
        );
      to.entries++;
      if (awaitsReply(e)) {
        unreplied++;
        if (to.unanswered++ === 0) {
          to.first = { path: t.source.path, line: e.line, column: 1 };
          waiting.push(to);
        }
      }
    }
    listedBy.push(listed - before);
  }
  const topSources = topTallies([...sources.values()], TOP);
  const shown = shownCount(tables, listedBy);
  const count = sysctlCount ?? counts.at(-1)?.count ?? shown?.count ?? null;
  const countFrom =
    sysctlCount !== null ? 'sysctl' : counts.length ? 'conntrack -C' : shown?.count != null ? shown.from : null;
  const filters = tables.flatMap((t) => filterOf(t.source) ?? []);
  const summed = stats.length ? sumCounters(stats.at(-1)!) : null;
  const evidence = [
    ...sysctlRef(node),
    ...counts.slice(-1).map((c) => ({ path: c.source.path, line: c.source.startLine, column: 1 })),
  ];

  if (count !== null && max !== null && max > 0) {
    const fill = count / max;
    if (fill >= WARN_FILL) {
      findings.push({
        code: 'CT_TABLE_FULL',
        severity: fill >= ERROR_FILL ? 'error' : 'warning',
        node: node.name,
        subject: 'conntrack table',
        message: `${countFrom === 'conntrack -L shown' ? 'at least ' : ''}${count.toLocaleString('en-US')} of ${max.toLocaleString('en-US')} conntrack entries in use (${(fill * 100).toFixed(0)}%, counted by ${countFrom === 'conntrack -L shown' ? "conntrack -L's own count of the entries it showed, before the paste's filter" : countFrom}): at 100% the kernel drops new connections ("nf_conntrack: table full, dropping packet")`,
        evidence,
        // The sources of a part are those the paste kept, not who fills the table.
        remedy: `raise net.netfilter.nf_conntrack_max (kube-proxy: --conntrack-min / --conntrack-max-per-core) and find who fills the table: ${
          shown?.partial
            ? 'the whole `conntrack -L` on the node, counted by source'
            : topSources
                .slice(0, 3)
                .map((s) => `${s.key} (${s.entries})`)
                .join(', ') || 'see the top sources'
        }`,
      });
    }
  }
  if (max !== null && buckets !== null && buckets > 0 && max / buckets > LONG_CHAINS) {
    findings.push({
      code: 'CT_HASH_CHAINS',
      severity: 'info',
      node: node.name,
      subject: 'conntrack table',
      message: `nf_conntrack_max ${max.toLocaleString('en-US')} over ${buckets.toLocaleString('en-US')} buckets: a full table has hash chains of ${(max / buckets).toFixed(0)} entries on average, and every packet walks one`,
      evidence: sysctlRef(node),
      remedy: `raise net.netfilter.nf_conntrack_buckets (kube-proxy sets it to max/4) to at least ${Math.ceil(max / 4).toLocaleString('en-US')}`,
    });
  }
  if (summed) statsFindings(node, summed, stats.at(-1)!, findings);
  // A listing filtered by its entries' reply state makes any share of unreplied ones what the filter chose.
  const byReply = filters.some((f) => REPLY_STATE.test(f));
  for (const { key: to, entries: total, unanswered: open, first } of byReply ? [] : waiting) {
    if (total < SUSPECT_ENTRIES || open / total < SUSPECT_UNREPLIED) continue;
    findings.push({
      code: 'CT_UNANSWERED_DESTINATION',
      severity: filters.length ? 'info' : 'warning',
      node: node.name,
      subject: to,
      message: `${open} of ${total} connections to ${to} never got a reply (SYN_SENT or [UNREPLIED]): the destination is down, filtered or unroutable${filters.length ? ` (of the entries the filter kept: \`${filters[0]}\`)` : ''}`,
      evidence: [first!],
      remedy: `check that ${to.split(' ')[1]} is up and reachable from this node (endpoint readiness, NetworkPolicy, routes); if it is a deleted pod, see nfwalk stale`,
    });
  }
  const [talker] = topSources;
  // A share of a filtered or cut listing is of what the paste kept (`grep SRC` keeps one source).
  if (talker && !shown?.partial && listed >= TALKER_MIN && talker.entries / listed >= TALKER_SHARE) {
    findings.push({
      code: 'CT_TOP_TALKER',
      severity: 'info',
      node: node.name,
      subject: talker.key,
      message: `${talker.key} holds ${talker.entries.toLocaleString('en-US')} of ${listed.toLocaleString('en-US')} listed conntrack entries (${((talker.entries / listed) * 100).toFixed(0)}%)`,
      evidence: [],
      remedy:
        'look at what runs there: a client that opens connections without reusing them, a scanner, or UDP to many ports',
    });
  }
  return {
    node: node.name,
    count,
    countFrom,
    max,
    buckets,
    states: states.top(),
    unreplied,
    topSources,
    topDestinations: topTallies(
      [...destinations.values()].flatMap((byEndpoint): Tally[] => [...byEndpoint.values()]),
      TOP,
    ),
    stats: summed,
  };
}

function sumCounters(s: Extract<Section, { kind: 'conntrack-stats' }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const cpu of s.cpus) for (const [k, v] of Object.entries(cpu.counters)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/**
 * The per-CPU counters that mean lost packets: table full (drop, early_drop), and the insert race of parallel UDP
 * (insert_failed). A lost race counts in both drop and insert_failed (nf_ct_resolve_clash), so only drops beyond
 * insert_failed are connections the table could not take.
 */
function statsFindings(
  node: NodeDumps,
  c: Record<string, number>,
  s: Extract<Section, { kind: 'conntrack-stats' }>,
  findings: Finding[],
): void {
  const evidence = [{ path: s.source.path, line: s.source.startLine, column: 1 }];
  const n = (v: number) => v.toLocaleString('en-US');
  const drop = c.drop ?? 0;
  const earlyDrop = c.early_drop ?? 0;
  const insertFailed = c.insert_failed ?? 0;
  const untracked = Math.max(0, drop - insertFailed);
  if (untracked > 0 || earlyDrop > 0) {
    const races = Math.min(drop, insertFailed);
    findings.push({
      code: 'CT_DROPS',
      severity: untracked > 0 ? 'error' : 'warning',
      node: node.name,
      subject: 'conntrack table',
      message: `the kernel dropped ${untracked === drop ? '' : 'at least '}${n(untracked)} new connections for a full table and evicted ${n(earlyDrop)} unassured entries to make room (conntrack -S drop / early_drop since boot${races > 0 ? `; drop's other ${n(races)} may be insert races, counted in insert_failed too` : ''})`,
      evidence,
      remedy:
        'raise net.netfilter.nf_conntrack_max, and compare with the current fill (CT_TABLE_FULL) to see whether it is still happening',
    });
  }
  if (insertFailed > 0) {
    findings.push({
      code: 'CT_INSERT_FAILED',
      severity: 'warning',
      node: node.name,
      subject: 'conntrack table',
      message: `${n(insertFailed)} packets were dropped because two CPUs raced to create the same entry (conntrack -S insert_failed${drop > 0 ? ', also counted in drop' : ''}): the classic 5-second DNS timeout of parallel A/AAAA lookups through a DNAT`,
      evidence,
      remedy:
        "use NodeLocal DNSCache or `options single-request-reopen` in pods' resolv.conf; kernels ≥ 5.0 resolve most clashes (clash_resolve)",
    });
  }
}

export function analyzeCapacity(nodes: readonly NodeDumps[]): CapacityAnalysis {
  const findings: Finding[] = [];
  const out = nodes.flatMap((n) => nodeCapacity(n, findings) ?? []);
  return { nodes: out, findings };
}
