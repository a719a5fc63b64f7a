/**
 * `nfwalk lint`: what is wrong with the rules themselves, per node and ruleset, from the model alone:
 * missing and unused chains, loops (iptables and nft alike, through the ruleset view), dead and duplicate rules,
 * empty sets looked up (nft), base chains tied on a hook, idle counters, kube-proxy's masquerade plumbing, client
 * ranges that collide with the cluster CIDR, and rules split over both iptables backends.
 */
import { ruleGraphOf } from '../../graph/rule-graph';
import { unshownOf } from '../../model/gaps';
import { sectionView } from '../../model/iptables-view';
import { nftTableView, nodeNftTables } from '../../model/nft-view';
import type { NodeDumps } from '../../model/node';
import type { RulesetView } from '../../model/ruleset-view';
import type { Finding } from '../finding';
import { backendFindings } from './backend-checks';
import { chainFindings } from './chain-checks';
import { hookTieFindings } from './hook-checks';
import { kubeFindings } from './kube-checks';
import { nftRuleFindings } from './nft-rule-checks';
import { ruleFindings } from './rule-checks';

export interface LintOptions {
  /** `--client-cidr`: networks clients reach the services from. */
  readonly clientCidrs?: readonly string[];
}

function nodeFindings(node: NodeDumps, options: LintOptions): Finding[] {
  const nft = nodeNftTables(node);
  const nftView: RulesetView = { format: 'nft', tables: nft.map(nftTableView) };
  // Every base chain hooks, iptables-nft's tables seen only through nft included.
  const hooked: RulesetView = {
    format: 'nft',
    tables: nodeNftTables(node, true).map(nftTableView),
  };
  return [
    ...backendFindings(node),
    ...node.rulesets.flatMap((section) => {
      // Part of a ruleset: a chain, jump or rule it does not show may be in the part that is missing or not read.
      const whole = unshownOf(section).length === 0;
      return [
        ...chainFindings(node.name, sectionView(section)),
        ...ruleFindings(node.name, section.ruleset),
        ...(whole
          ? kubeFindings(node.name, section.ruleset, ruleGraphOf(section.ruleset), options.clientCidrs ?? [])
          : []),
      ];
    }),
    ...chainFindings(node.name, nftView),
    ...nftRuleFindings(node.name, nft),
    ...hookTieFindings(node.name, [...node.rulesets.map(sectionView), hooked]),
  ];
}

export function analyzeLint(nodes: readonly NodeDumps[], options: LintOptions = {}): Finding[] {
  return nodes.flatMap((node) => nodeFindings(node, options));
}
