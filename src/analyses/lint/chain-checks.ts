/** The jump graph of a ruleset: jumps to chains that do not exist, chains nothing jumps to, and loops. */
import { stronglyConnectedComponents } from 'graphology-components';
import { type RuleGraph, chainKey } from '../../graph/rule-graph';
import type { Ruleset } from '../../model/ruleset';
import type { Finding } from '../finding';
import { KEPT_UNUSED_CHAIN, PER_SERVICE_CHAIN } from '../../model/kube-proxy-chains';

/** `whole`: the dump shows the whole ruleset, so a chain it lacks, or one nothing in it jumps to, is real. */
export function chainFindings(node: string, ruleset: Ruleset, graph: RuleGraph, whole = true): Finding[] {
  const findings: Finding[] = [];
  for (const table of whole ? ruleset.tables : []) {
    for (const chain of table.chains) {
      for (const rule of chain.rules) {
        if (rule.target?.kind !== 'jump' || graph.hasNode(chainKey(table.name, rule.target.chain))) continue;
        findings.push({
          code: 'LINT_MISSING_CHAIN',
          severity: 'error',
          node,
          subject: `${table.name} ${chain.name}`,
          message: `rule ${rule.index} of ${table.name} ${chain.name} jumps to ${rule.target.chain}, which the ${table.name} table does not have: iptables-restore rejects this dump`,
          evidence: [rule.location],
          remedy: `create the chain (:${rule.target.chain} - [0:0]) or delete the rule; a dump cut short (| head, a size limit) shows this too`,
        });
      }
      const key = chainKey(table.name, chain.name);
      if (chain.builtin || KEPT_UNUSED_CHAIN.test(chain.name) || !graph.hasNode(key) || graph.inDegree(key) > 0)
        continue;
      const kube = PER_SERVICE_CHAIN.test(chain.name);
      findings.push({
        code: 'LINT_UNUSED_CHAIN',
        severity: 'info',
        node,
        subject: `${table.name} ${chain.name}`,
        message: `no rule jumps to ${table.name} ${chain.name}${chain.rules.length ? ` (${chain.rules.length} rule${chain.rules.length === 1 ? '' : 's'})` : ' (empty)'}${kube ? ': kube-proxy leaves the chains of deleted services and endpoints until its next full sync' : ''}`,
        evidence: [chain.location],
        remedy: kube
          ? "nothing, unless it stays after kube-proxy's next full sync (--iptables-sync-period): then kube-proxy is not syncing"
          : `delete it (iptables -t ${table.name} -X ${chain.name}) if nothing is meant to use it`,
      });
    }
  }
  for (const component of stronglyConnectedComponents(graph)) {
    const selfLoop = component.length === 1 && graph.hasEdge(component[0]!, component[0]!);
    if (component.length < 2 && !selfLoop) continue;
    const chains = [...component].sort().map((k) => graph.getNodeAttributes(k));
    findings.push({
      code: 'LINT_LOOP',
      severity: 'error',
      node,
      subject: `${chains[0]!.table} ${chains.map((c) => c.chain.name).join(' → ')}`,
      message: `chains ${chains.map((c) => c.chain.name).join(', ')} of the ${chains[0]!.table} table jump to each other in a loop: the kernel refuses to load it (ELOOP)`,
      evidence: component.flatMap((k) =>
        graph
          .outEdges(k)
          .filter((e) => component.includes(graph.target(e)))
          .map((e) => graph.getEdgeAttributes(e).rule.location),
      ),
      remedy: 'break the loop: one of these jumps must go (a RETURN where a jump back was meant)',
    });
  }
  return findings;
}
