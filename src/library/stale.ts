/** `stale`: conntrack and IPVS entries the current rules could not produce (= `nfwalk stale --json`). */
import { readingFindings } from '../analyses/analyze/input-findings';
import { type StaleAnalysis, analyzeStale } from '../analyses/stale/index';
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
  const nodes = nodesOfInputs(inputs.sections);
  const analysis = analyzeStale(nodes, { nodeIps: options.nodeIps ?? [] });
  if (analysis.nodes.length === 0)
    throw new NfwalkError('NO_ENTRIES', 'no conntrack -L or ipvsadm -Lnc dump among the inputs: no entries to check');
  // What was not read or not shown limits the answer: said beside it (analyze says it among its own findings).
  const checked = new Set(analysis.nodes.map((n) => n.node));
  return withFindings(analysis, nodes.filter((n) => checked.has(n.name)).flatMap(readingFindings));
}

export type StaleReport = Json<ReturnType<typeof staleJson>>;

export function stale(inputs: Inputs, options: StaleOptions = {}): StaleReport {
  return plain(staleJson(staleAnalysis(inputs, options)));
}
