/** `analyze`: every analysis on every node, findings ranked (= `nfwalk analyze --json`). */
import { type AnalyzeReport as FullReport, analyzeAll } from '../analyses/analyze/index';
import { nodesOfInputs } from '../model/node';
import type { Inputs } from './inputs';
import { type Json, plain } from './plain';

export interface AnalyzeOptions {
  /** Node addresses, for nodes whose dumps have no `ip addr` (NodePorts are probed on them). */
  readonly nodeIps?: readonly string[];
  /** Networks clients reach the services from, checked against the cluster CIDR. */
  readonly clientCidrs?: readonly string[];
}

/** Everything the analyses found, for the text and Markdown reports as well as the JSON one. */
export function fullAnalysis(inputs: Inputs, options: AnalyzeOptions = {}): FullReport {
  return analyzeAll(
    nodesOfInputs(inputs.sections),
    { nodeIps: options.nodeIps ?? [], clientCidrs: options.clientCidrs ?? [] },
    inputs.skipped,
  );
}

/** The document `nfwalk analyze --json` prints, before it is JSON. */
export const analyzeDocument = (report: FullReport) => ({ nodes: report.nodes, findings: report.findings });

export type AnalyzeReport = Json<ReturnType<typeof analyzeDocument>>;

export function analyze(inputs: Inputs, options: AnalyzeOptions = {}): AnalyzeReport {
  return plain(analyzeDocument(fullAnalysis(inputs, options)));
}
