/** `services`: every Service's entry points and endpoint shares per node (= `nfwalk services --json`). */
import { rulesReadingFindings } from '../analyses/analyze/input-findings';
import { type ServicesAnalysis, analyzeServices } from '../analyses/services/index';
import { nodesOfInputs } from '../model/node';
import { servicesJson } from '../report/services-json';
import { NfwalkError } from './errors';
import type { Inputs } from './inputs';
import { unwalkedRulesets } from './no-dump';
import { type Json, plain } from './plain';

export interface ServicesOptions {
  /** Node addresses, for nodes whose dumps have no `ip addr` (NodePorts are probed on them). */
  readonly nodeIps?: readonly string[];
  /** Only services (and findings about them) whose name contains one of these texts. */
  readonly services?: readonly string[];
}

/** The analysis behind the report. Throws NfwalkError NO_RULES when no dump programs services. */
export function servicesAnalysis(inputs: Inputs, options: ServicesOptions = {}): ServicesAnalysis {
  const nodes = nodesOfInputs(inputs.sections);
  const full = analyzeServices(nodes, { nodeIps: options.nodeIps ?? [] });
  if (full.nodes.every((n) => n.families.length === 0)) {
    const nft = unwalkedRulesets(inputs.sections);
    throw new NfwalkError(
      'NO_RULES',
      `no iptables-save, ipvsadm or nft dump among the inputs: nothing programs services${nft.length ? ` (${nft.join('; ')})` : ''}`,
    );
  }
  // What was not read or shown limits every service's answer: said whichever services are asked for.
  const reading = nodes.flatMap(rulesReadingFindings);
  const wanted = options.services;
  if (!wanted) return reading.length ? { ...full, findings: [...reading, ...full.findings] } : full;
  return {
    ...full,
    services: full.services.filter((v) => wanted.some((w) => v.service.name.includes(w))),
    findings: [...reading, ...full.findings.filter((f) => wanted.some((w) => f.subject.includes(w)))],
  };
}

export type ServicesReport = Json<ReturnType<typeof servicesJson>>;

export function services(inputs: Inputs, options: ServicesOptions = {}): ServicesReport {
  return plain(servicesJson(servicesAnalysis(inputs, options)));
}
