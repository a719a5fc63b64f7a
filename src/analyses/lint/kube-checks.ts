/**
 * kube-proxy's own plumbing (iptables mode): the masquerade mark and the POSTROUTING rule that acts on it,
 * the cluster CIDR its rules reveal, and client ranges (`--client-cidr`) that collide with it.
 */
import { chainAt, chainKey, type RuleGraph } from '../../graph/rule-graph';
import type { Ruleset } from '../../model/ruleset';
import type { Finding } from '../finding';
import { clusterCidrOf } from '../node/index';
import { inPrefix, parsePrefix } from '../../model/address';
import { KUBE_MARK_MASQ, KUBE_POSTROUTING, KUBE_SERVICES } from '../../model/kube-proxy-chains';

function masqueradeFindings(node: string, ruleset: Ruleset, graph: RuleGraph): Finding[] {
  const services = chainAt(graph, 'nat', KUBE_SERVICES);
  if (!services) return [];
  const missing: string[] = [];
  const markMasq = chainAt(graph, 'nat', KUBE_MARK_MASQ);
  if (!markMasq?.rules.some((r) => r.target?.kind === 'MARK'))
    missing.push('KUBE-MARK-MASQ (the chain that marks packets for masquerading) with its MARK rule');
  const post = chainAt(graph, 'nat', KUBE_POSTROUTING);
  if (!post?.rules.some((r) => r.target?.kind === 'MASQUERADE'))
    missing.push('KUBE-POSTROUTING with its MASQUERADE rule');
  if (post && !graph.inNeighbors(chainKey('nat', KUBE_POSTROUTING)).includes(chainKey('nat', 'POSTROUTING')))
    missing.push('the nat POSTROUTING jump to KUBE-POSTROUTING');
  if (!missing.length) return [];
  return [
    {
      code: 'LINT_KUBE_MASQ_MISSING',
      severity: 'error',
      node,
      subject: 'nat KUBE-POSTROUTING',
      message: `kube-proxy's service rules are here but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not: connections that need masquerading (NodePorts, hairpin, traffic from outside the cluster CIDR) leave with their own source and the replies never come back through this node`,
      evidence: [services.location, ...(post ? [post.location] : [])],
      remedy:
        'restart kube-proxy so it rewrites its chains; if another agent flushed nat POSTROUTING (a firewall manager, a CNI reinstall), stop it from doing so',
    },
  ];
}

function overlapFindings(node: string, ruleset: Ruleset, clientCidrs: readonly string[]): Finding[] {
  const cidr = clusterCidrOf(ruleset);
  const cluster = cidr ? parsePrefix(cidr) : undefined;
  if (!cidr || !cluster) return [];
  return clientCidrs.flatMap((text) => {
    const client = parsePrefix(text);
    if (!client || client.family !== cluster.family) return [];
    const overlap =
      inPrefix({ family: client.family, value: client.network }, cluster) ||
      inPrefix({ family: cluster.family, value: cluster.network }, client);
    if (!overlap) return [];
    return [
      {
        code: 'LINT_CLIENT_CIDR_OVERLAP',
        severity: 'error' as const,
        node,
        subject: text,
        message: `clients in ${text} share addresses with the cluster CIDR ${cidr} that kube-proxy's rules use: their connections to services are taken for pod traffic and not masqueraded, and replies to them go to pods (or nowhere) instead of back to the client`,
        evidence: [],
        remedy: `renumber one side: move the client network out of ${cidr}, or give the cluster a pod CIDR that no client network uses`,
      },
    ];
  });
}

export function kubeFindings(
  node: string,
  ruleset: Ruleset,
  graph: RuleGraph,
  clientCidrs: readonly string[],
): Finding[] {
  return [...masqueradeFindings(node, ruleset, graph), ...overlapFindings(node, ruleset, clientCidrs)];
}
