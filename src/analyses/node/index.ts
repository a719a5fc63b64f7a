/**
 * The prepared node every analysis that walks packets shares: per node and address family, the tracer over its
 * rulesets, the addresses its probes come from, the services its iptables rules and IPVS tables program. Built
 * once per node and reused by services, stale, capacity, lint and diff.
 */
export { type NodeContext, entryKey, nodeContexts } from './node-context';
export { type Clients, clusterCidrOf } from './clients';
