/** `services`: every Service's entry points and endpoint shares per node (= `nfwalk services --json`). */
import { rulesReadingFindings } from '../analyses/analyze/input-findings';
import {
  type ServiceView,
  type ServicesAnalysis,
  type ServicesStream,
  collected,
  servicesStream,
} from '../analyses/services/index';
import { nodesOfInputs } from '../model/node';
import { servicesJson } from '../report/services-json';
import { NfwalkError } from './errors';
import type { Inputs } from './inputs';
import { kubeChainsInListings, unwalkedRulesets } from './no-dump';
import { type Json, plain } from './plain';

export interface ServicesOptions {
  /** Node addresses, for nodes whose dumps have no `ip addr` (NodePorts are probed on them). */
  readonly nodeIps?: readonly string[];
  /** Only services (and findings about them) whose name contains one of these texts. */
  readonly services?: readonly string[];
}

/**
 * The analysis behind the report as a stream of services (`nfwalk services --json` writes each as it is made).
 * Throws NfwalkError NO_RULES when no dump programs services.
 */
export function servicesReportStream(inputs: Inputs, options: ServicesOptions = {}): ServicesStream {
  const nodes = nodesOfInputs(inputs.sections);
  const full = servicesStream(nodes, { nodeIps: options.nodeIps ?? [] });
  if (!full.programmed) {
    const nft = [...kubeChainsInListings(inputs.sections), ...unwalkedRulesets(inputs.sections)];
    const none = inputs.sections.some((s) => s.kind === 'nft')
      ? 'no iptables-save or ipvsadm dump and no kube-proxy nft table among the inputs'
      : 'no iptables-save, ipvsadm or nft dump among the inputs';
    throw new NfwalkError('NO_RULES', `${none}: nothing programs services${nft.length ? ` (${nft.join('; ')})` : ''}`);
  }
  // What was not read or shown limits every service's answer: said whichever services are asked for.
  const reading = nodes.flatMap(rulesReadingFindings);
  const wanted = options.services;
  if (!wanted && reading.length === 0) return full;
  const asked = (text: string) => !wanted || wanted.some((w) => text.includes(w));
  // Every service is still walked: what the walks warn of is said of the node whichever services are shown.
  function* services(): Generator<ServiceView> {
    for (const v of full.services) if (asked(v.service.name)) yield v;
  }
  return {
    programmed: true,
    services: services(),
    rest() {
      const rest = full.rest();
      return {
        ...rest,
        findings: [...reading, ...(wanted ? rest.findings.filter((f) => asked(f.subject)) : rest.findings)],
      };
    },
  };
}

/** The analysis behind the report, whole. Throws NfwalkError NO_RULES when no dump programs services. */
export function servicesAnalysis(inputs: Inputs, options: ServicesOptions = {}): ServicesAnalysis {
  return collected(servicesReportStream(inputs, options));
}

export type ServicesReport = Json<ReturnType<typeof servicesJson>>;

export function services(inputs: Inputs, options: ServicesOptions = {}): ServicesReport {
  return plain(servicesJson(servicesAnalysis(inputs, options)));
}
