/**
 * `nfwalk analyze`, the main job: every analysis on every node found, one list of findings ranked by
 * severity, and a one-line summary per node of what its dumps hold and what was found.
 */
import { nodeNftTables } from '../../model/nft-view';
import { type NodeDumps, rulesetsOf } from '../../model/node';
import type { SkippedLines } from '../../model/section';
import { analyzeCapacity } from '../capacity/index';
import {
  foreignDumpFindings,
  unwrappedFindings,
  mixedHostFindings,
  snapshotFindings,
  readingFindings,
  unreadLinesOf,
  unwalkedRulesetFindings,
} from './input-findings';
import type { Finding, Severity } from '../finding';
import { analyzeLint } from '../lint/index';
import { type ServicesAnalysis, analyzeServices } from '../services/index';
import { type StaleAnalysis, analyzeStale } from '../stale/index';

export interface AnalyzeOptions {
  readonly nodeIps?: readonly string[];
  readonly clientCidrs?: readonly string[];
}

export interface NodeReport {
  readonly node: string;
  /** iptables rules of the live backends, and rules of the node's own nft tables (iptables-nft's not twice). */
  readonly rules: number;
  readonly conntrackEntries: number;
  readonly ipvsServices: number;
  readonly services: number;
  readonly stale: number;
  readonly conntrackFill: number | null;
  readonly findings: Readonly<Record<Severity, number>>;
  /** Lines of the node's dumps that could not be read: they fail the run as error findings do. */
  readonly unreadLines: number;
}

export interface AnalyzeReport {
  readonly nodes: readonly NodeReport[];
  readonly findings: readonly Finding[];
  /** What the services and stale analyses found in full, for reports that draw it. */
  readonly services: ServicesAnalysis;
  readonly stale: StaleAnalysis;
}

/** Virtual services, each once however many listings (`-Ln`, `--stats`, `/proc/net/ip_vs`) show it. */
function virtualServiceCount(node: NodeDumps): number {
  const keys = new Set<string>();
  for (const s of node.sections) {
    if (s.kind !== 'ipvsadm') continue;
    for (const v of s.services)
      keys.add(`${v.protocol} ${v.fwmark ?? `${v.endpoint?.address} ${v.endpoint?.port ?? v.endpoint?.portName}`}`);
  }
  return keys.size;
}

/** `skipped`: the input lines that belong to no dump, for what they say about the analyses' reach. */
export function analyzeAll(
  nodes: readonly NodeDumps[],
  options: AnalyzeOptions = {},
  skipped: readonly SkippedLines[] = [],
): AnalyzeReport {
  const services = analyzeServices(nodes, { nodeIps: options.nodeIps ?? [] });
  const stale = analyzeStale(nodes, { nodeIps: options.nodeIps ?? [] });
  const capacity = analyzeCapacity(nodes);
  const lint = analyzeLint(nodes, { clientCidrs: options.clientCidrs ?? [] });
  const findings = [
    ...nodes.flatMap(readingFindings),
    ...nodes.flatMap(snapshotFindings),
    ...nodes.flatMap(mixedHostFindings),
    ...nodes.flatMap(unwalkedRulesetFindings),
    ...foreignDumpFindings(nodes, skipped),
    ...unwrappedFindings(nodes, skipped),
    ...services.findings,
    ...stale.findings,
    ...capacity.findings,
    ...lint,
  ];
  const reports = nodes.map((n): NodeReport => {
    const mine = findings.filter((f) => f.node === n.name);
    const count = (s: Severity) => mine.filter((f) => f.severity === s).length;
    const cap = capacity.nodes.find((c) => c.node === n.name);
    return {
      node: n.name,
      rules:
        (['ipv4', 'ipv6'] as const).flatMap((f) => rulesetsOf(n, f)).reduce((sum, r) => sum + r.records, 0) +
        nodeNftTables(n).reduce((sum, { table }) => sum + table.chains.reduce((k, c) => k + c.rules.length, 0), 0),
      conntrackEntries: n.conntrack.reduce((sum, s) => sum + s.entries.length, 0),
      ipvsServices: virtualServiceCount(n),
      services: services.services.filter((v) => v.nodes.some((o) => o.node === n.name && o.present)).length,
      stale: stale.nodes.find((s) => s.node === n.name)?.stale ?? 0,
      conntrackFill: cap?.count != null && cap.max ? cap.count / cap.max : null,
      findings: { error: count('error'), warning: count('warning'), info: count('info') },
      unreadLines: unreadLinesOf(n).length,
    };
  });
  return { nodes: reports, findings, services, stale };
}
