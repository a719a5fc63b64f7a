/** `stale`: conntrack and IPVS entries the current rules could not produce (= `nfwalk stale --json`). */
import { readingFindings } from '../analyses/analyze/input-findings';
import {
  type Judging,
  type JudgingOptions,
  type StaleAnalysis,
  analysisOfJudging,
  judgeNodes,
} from '../analyses/stale/index';
import type { Finding } from '../analyses/finding';
import { withFindings } from '../analyses/stale/stale-list';
import { nodesOfInputs } from '../model/node';
import { staleJson } from '../report/stale-json';
import { NfwalkError } from './errors';
import type { Inputs } from './inputs';
import { type Json, plain } from './plain';

export interface StaleOptions {
  /** Node addresses, for nodes whose dumps have no `ip addr`. */
  readonly nodeIps?: readonly string[];
}

/** The analysis behind the report. Throws NfwalkError NO_ENTRIES when there is no listing to check. */
export function staleAnalysis(inputs: Inputs, options: StaleOptions = {}): StaleAnalysis {
  return staleAnalysisTaking(() => inputs, options);
}

/**
 * staleAnalysis of the inputs `take` hands over: nothing here holds them once the entries are judged, so a caller
 * that keeps no reference of its own lets the rules' model (some 50 MB for 10,000 services) go before the groups
 * and findings are made. `garbage` is told where much has just become garbage: a node's first-look contexts, before
 * its NodePort doubts are judged; the inputs, once the entries are judged; the grouping's work, once grouped.
 */
export function staleAnalysisTaking(take: () => Inputs, options: JudgingOptions = {}): StaleAnalysis {
  const { judging, reading } = judged(take, options);
  if (judging.summaries.length === 0)
    throw new NfwalkError('NO_ENTRIES', 'no conntrack -L or ipvsadm -Lnc dump among the inputs: no entries to check');
  options.garbage?.('judged');
  // What was not read or not shown limits the answer: said beside it (analyze says it among its own findings).
  return withFindings(
    analysisOfJudging(judging, () => options.garbage?.('grouped')),
    reading,
  );
}

/** The entries judged and the reading findings of the nodes checked: the inputs are not held past this call. */
function judged(take: () => Inputs, options: JudgingOptions): { judging: Judging; reading: Finding[] } {
  const nodes = nodesOfInputs(take().sections);
  const judging = judgeNodes(nodes, { ...options, nodeIps: options.nodeIps ?? [] });
  const checked = new Set(judging.summaries.map((n) => n.node));
  return { judging, reading: nodes.filter((n) => checked.has(n.name)).flatMap(readingFindings) };
}

export type StaleReport = Json<ReturnType<typeof staleJson>>;

export function stale(inputs: Inputs, options: StaleOptions = {}): StaleReport {
  return plain(staleJson(staleAnalysis(inputs, options)));
}
