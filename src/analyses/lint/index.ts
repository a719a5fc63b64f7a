/**
 * `nfwalk lint`: what is wrong with the rules themselves, per node and ruleset, from the model alone:
 * missing and unused chains, loops, dead and duplicate rules, idle counters, kube-proxy's masquerade
 * plumbing, client ranges that collide with the cluster CIDR, and rules split over both iptables backends.
 */
import { ruleGraphOf } from '../../graph/rule-graph';
import { gapsOf } from '../../model/gaps';
import type { NodeDumps } from '../../model/node';
import type { Finding } from '../finding';
import { backendFindings } from './backend-checks';
import { chainFindings } from './chain-checks';
import { kubeFindings } from './kube-checks';
import { ruleFindings } from './rule-checks';

export interface LintOptions {
  /** `--client-cidr`: networks clients reach the services from. */
  readonly clientCidrs?: readonly string[];
}

export function analyzeLint(nodes: readonly NodeDumps[], options: LintOptions = {}): Finding[] {
  return nodes.flatMap((node) => [
    ...backendFindings(node),
    ...node.rulesets.flatMap((section) => {
      const graph = ruleGraphOf(section.ruleset);
      // Part of a ruleset: a chain, jump or rule it does not show may be in the part that is missing.
      const whole = gapsOf(section).length === 0;
      return [
        ...chainFindings(node.name, section.ruleset, graph, whole),
        ...ruleFindings(node.name, section.ruleset),
        ...(whole ? kubeFindings(node.name, section.ruleset, graph, options.clientCidrs ?? []) : []),
      ];
    }),
  ]);
}
