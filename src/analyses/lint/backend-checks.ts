/**
 * A node whose rules live in both iptables backends. The kernel runs x_tables and nf_tables tables side by
 * side: a packet must get through each, an ACCEPT in one does not spare it the other, and neither flavour
 * of `iptables` shows the other's rules. It is how kube-proxy and a CNI or Docker on one node come to
 * disagree (the iptables-wrapper exists for it).
 */
import { type NodeDumps, rulesetsOf } from '../../model/node';
import { backendOf } from '../../model/node-backend';
import type { Ruleset } from '../../model/ruleset';
import type { RulesetSection } from '../../model/section';
import type { Family } from '../../model/values';
import type { Finding } from '../finding';
import { isKubeChain } from '../../model/kube-proxy-chains';

const holdsKube = (r: Ruleset) => r.tables.some((t) => t.chains.some((c) => isKubeChain(c.name) && c.rules.length > 0));

function describe(section: RulesetSection): string {
  const n = section.records;
  return `${n} rule${n === 1 ? '' : 's'} in iptables-${backendOf(section)}${holdsKube(section.ruleset) ? " (kube-proxy's KUBE- chains among them)" : ''}`;
}

export function backendFindings(node: NodeDumps): Finding[] {
  return (['ipv4', 'ipv6'] as const satisfies readonly Family[]).flatMap((family) => {
    const live = rulesetsOf(node, family);
    if (live.length < 2 || !live.every((s) => s.records > 0)) return [];
    const [first, second] = live as [RulesetSection, RulesetSection];
    const tool = family === 'ipv4' ? 'iptables' : 'ip6tables';
    return [
      {
        code: 'LINT_BOTH_BACKENDS',
        severity: 'warning' as const,
        node: node.name,
        subject: `${tool} legacy and nft`,
        message: `this node has ${family} rules in both iptables backends: ${describe(first)} and ${describe(second)}. The kernel runs both: a packet has to get through the tables of each, an ACCEPT in one does not spare it the other's DROP, and \`${tool}\` of one backend does not show the other's rules. nfwalk walks both, ${backendOf(first)}'s table first where two have the same priority (the kernel runs the one made last first, which the dumps do not say)`,
        evidence: live.map((s) => ({ path: s.source.path, line: s.source.startLine, column: 1 })),
        remedy: `make every agent on the node use one backend: kube-proxy and kubelet choose by the KUBE-IPTABLES-HINT and KUBE-KUBELET-CANARY chains (iptables-wrapper); once nothing writes to the other backend, flush its tables (\`${tool}-legacy-save\` or \`${tool}-nft-save\` shows them)`,
      },
    ];
  });
}
