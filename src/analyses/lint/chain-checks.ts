/**
 * The call graph of a ruleset, iptables or nft alike (model/ruleset-view.ts): jumps to chains that do not exist,
 * chains nothing calls, and loops.
 */
import { stronglyConnectedComponents } from 'graphology-components';
import { chainGraphOf, viewChainKey } from '../../graph/chain-graph';
import type { RulesetView, ViewTable } from '../../model/ruleset-view';
import type { Finding } from '../finding';
import {
  IPVS_KEPT_UNUSED_CHAIN,
  KEPT_UNUSED_CHAIN,
  NFT_KEPT_UNUSED_CHAIN,
  NFT_PER_SERVICE_CHAIN,
  PER_SERVICE_CHAIN,
} from '../../model/kube-proxy-chains';

/** The command that deletes a chain, in the tool that wrote the table. */
function deleteCommand(view: RulesetView, table: ViewTable, chain: string): string {
  switch (view.format) {
    case 'iptables':
      return `${view.family === 'ipv6' ? 'ip6tables' : 'iptables'} -t ${table.name} -X ${chain}`;
    case 'nft':
      return `nft delete chain ${table.name} ${chain}`;
  }
}

/** One of the chains kube-proxy writes per service and endpoint, which it leaves until its next full sync. */
function perServiceChain(view: RulesetView, table: ViewTable, chain: string): boolean {
  switch (view.format) {
    case 'iptables':
      return PER_SERVICE_CHAIN.test(chain);
    case 'nft':
      return NFT_PER_SERVICE_CHAIN.test(chain);
  }
}

/** Made on purpose with nothing calling it: canaries, kubelet's hint, kube-proxy's nft reject chain and IPVS chains. */
const keptUnused = (view: RulesetView, table: ViewTable, chain: string) =>
  KEPT_UNUSED_CHAIN.test(chain) ||
  (view.format === 'nft' ? NFT_KEPT_UNUSED_CHAIN : IPVS_KEPT_UNUSED_CHAIN).test(`${table.name} ${chain}`);

/** Only tables whose listing is whole: a chain a part lacks, or one nothing in it calls, proves nothing. */
export function chainFindings(node: string, view: RulesetView): Finding[] {
  const graph = chainGraphOf(view);
  const findings: Finding[] = [];
  for (const table of view.tables) {
    if (!table.whole) continue;
    for (const chain of table.chains) {
      for (const rule of chain.rules) {
        for (const call of rule.calls) {
          if (graph.hasNode(viewChainKey(table.name, call.chain))) continue;
          findings.push({
            code: 'LINT_MISSING_CHAIN',
            severity: 'error',
            node,
            subject: `${table.name} ${chain.name}`,
            message: `rule ${rule.index} of ${table.name} ${chain.name} jumps to ${call.chain}, which the ${table.name} table does not have: ${view.format === 'nft' ? 'nft -f' : 'iptables-restore'} rejects this dump`,
            evidence: [rule.location],
            remedy: `create the chain (${view.format === 'nft' ? `nft add chain ${table.name} ${call.chain}` : `:${call.chain} - [0:0]`}) or delete the rule; a dump cut short (| head, a size limit) shows this too`,
          });
        }
      }
      const key = viewChainKey(table.name, chain.name);
      if (chain.base || keptUnused(view, table, chain.name) || graph.inDegree(key) > 0) continue;
      const kube = perServiceChain(view, table, chain.name);
      findings.push({
        code: 'LINT_UNUSED_CHAIN',
        severity: 'info',
        node,
        subject: `${table.name} ${chain.name}`,
        message: `no rule jumps to ${table.name} ${chain.name}${chain.rules.length ? ` (${chain.rules.length} rule${chain.rules.length === 1 ? '' : 's'})` : ' (empty)'}${kube ? ': kube-proxy leaves the chains of deleted services and endpoints until its next full sync' : ''}`,
        evidence: [chain.location],
        remedy: kube
          ? `nothing, unless it stays after kube-proxy's next full sync (${view.format === 'nft' ? 'its nftables sync period' : '--iptables-sync-period'}): then kube-proxy is not syncing`
          : `delete it (${deleteCommand(view, table, chain.name)}) if nothing is meant to use it`,
      });
    }
  }
  for (const component of stronglyConnectedComponents(graph)) {
    const selfLoop = component.length === 1 && graph.hasEdge(component[0]!, component[0]!);
    if (component.length < 2 && !selfLoop) continue;
    const chains = [...component].sort().map((k) => graph.getNodeAttributes(k));
    const table = chains[0]!.table.name;
    findings.push({
      code: 'LINT_LOOP',
      severity: 'error',
      node,
      subject: `${table} ${chains.map((c) => c.chain.name).join(' → ')}`,
      message: `chains ${chains.map((c) => c.chain.name).join(', ')} of the ${table} table jump to each other in a loop: the kernel refuses to load it (ELOOP)`,
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
