/**
 * kube-proxy's names: the chains it writes in iptables mode (KUBE-SERVICES, KUBE-SVC-<hash>, …) and the
 * ipsets and chains of IPVS mode, with what each family of names stands for. Everything that recognises
 * kube-proxy's rules by name asks here (kube-proxy v1.32 `pkg/proxy/iptables/proxier.go`, `ipvs/proxier.go`).
 */

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
/** IPVS mode's nat chain for load-balancer addresses. */
export const KUBE_LOAD_BALANCER = 'KUBE-LOAD-BALANCER';

/** The per-service chain kinds kube-proxy names `KUBE-<kind>-<hash>` (XLB: before v1.24). */
export type ServiceChainKind = 'SVC' | 'SVL' | 'EXT' | 'FW' | 'XLB';

export const serviceChainName = (kind: ServiceChainKind | 'SEP', hash: string) => `KUBE-${kind}-${hash}`;

/** A service's own chains, with the kind and the hash they share. */
export const SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|XLB)-([A-Z0-9]+)$/;
/** Where the endpoints hang (beyond are the KUBE-SEP chains). */
export const ENDPOINT_LIST_CHAIN = /^KUBE-(SVC|SVL)-/;
/** Chains that mark, masquerade or hold one endpoint: a jump to one is not a way to a service. */
export const NOT_A_SERVICE_WAY = /^KUBE-(MARK-|SEP-|POSTROUTING$|SERVICES$|NODEPORTS$)/;
/** Chains kube-proxy owns per service and endpoint: left over until its next full sync, not a mistake. */
export const PER_SERVICE_CHAIN = /^KUBE-(SVC|SVL|SEP|EXT|FW|XLB)-/;
/** The chains whose `! -s CIDR -j KUBE-MARK-MASQ` (or `-s CIDR` in KUBE-EXT) names the cluster CIDR. */
export const CLUSTER_CIDR_CHAIN = /^KUBE-(SVC-|EXT-|SERVICES$)/;
/**
 * Chains created on purpose with nothing jumping to them: canaries whose existence is the signal (KUBE-KUBELET-CANARY,
 * KUBE-PROXY-CANARY), kubelet's KUBE-IPTABLES-HINT that tells the iptables wrapper which backend is in use, and
 * kubelet's KUBE-MARK-DROP kept for others.
 */
export const KEPT_UNUSED_CHAIN = /CANARY|^KUBE-MARK-DROP$|^KUBE-IPTABLES-HINT$/;

/**
 * kube-proxy's IPVS-mode nat chains that are jumped to only through an ipset match, written at a sync only while
 * the set has members (KUBE-LOAD-BALANCER for LoadBalancer services, KUBE-FIREWALL for their source ranges,
 * KUBE-NODE-PORT for NodePorts in older releases): made at every sync, unused on a node without such services
 * (`table chain`, as the ruleset view names it; pkg/proxy/ipvs's ipsetWithIptablesChain).
 */
export const IPVS_KEPT_UNUSED_CHAIN = /^nat KUBE-(?:LOAD-BALANCER|FIREWALL|NODE-PORT)$/;

/**
 * kube-proxy's per-service and per-endpoint chains in nftables mode (`service-<hash>-ns/svc/tcp/p80`,
 * `endpoint-<hash>-ns/svc/tcp/p80__10.0.0.1/80`): the kind, then a base32 hash; every such name holds a `/`
 * (pkg/proxy/nftables/proxier.go servicePortChainNameBase, isServiceChainName).
 */
export const NFT_PER_SERVICE_CHAIN = /^(service|local|external|firewall|endpoint)-[A-Z2-7]{8}-[^/]*\//;

/**
 * kube-proxy's nft chain that the `no-endpoint-*` maps send to when a service rejects: made at every sync whether
 * a service needs it or not (`table chain`, as the ruleset view names it).
 */
export const NFT_KEPT_UNUSED_CHAIN = /^ip6? kube-proxy reject-chain$/;

/** Whether a chain is one of kube-proxy's or kubelet's. */
export const isKubeChain = (name: string) => name.startsWith('KUBE-');

/** IPVS mode's ipset of cluster IPs (`KUBE-6-` in IPv6). */
export const CLUSTER_IP_SET = /^KUBE-(6-)?CLUSTER-IP$/;
export const LOAD_BALANCER_LOCAL_SET = /^KUBE-(6-)?LOAD-BALANCER-LOCAL$/;
export const LOAD_BALANCER_SET = /^KUBE-(6-)?LOAD-BALANCER$/;
export const EXTERNAL_IP_LOCAL_SET = /^KUBE-(6-)?EXTERNAL-IP-LOCAL$/;
export const EXTERNAL_IP_SET = /^KUBE-(6-)?EXTERNAL-IP$/;
export const NODE_PORT_SET = /^KUBE-(6-)?NODE-PORT-(LOCAL-)?(TCP|UDP|SCTP)$/;
