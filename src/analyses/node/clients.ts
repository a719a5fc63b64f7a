/**
 * The addresses the services analysis sends its probes between: a pod on this node (for cluster IPs), a
 * client outside the cluster (for NodePorts and external IPs, the load balancer's view) and the node
 * address a NodePort is reached on. Taken from the dumps where they say; documentation addresses
 * (RFC 5737 / RFC 3849) otherwise, and said so.
 */
import type { Rule, Ruleset } from '../../model/ruleset';
import type { NodeDumps } from '../../model/node';
import { type Family, isUnknownAddress } from '../../model/values';
import { ADDRESS_BITS, formatIp, makePrefix, parseIp } from '../../model/address';
import { CLUSTER_CIDR_CHAIN, KUBE_MARK_MASQ, serviceChainName } from '../../model/kube-proxy-chains';

export interface Clients {
  /** A pod address of this cluster, when the cluster CIDR can be read from the masquerade rules. */
  readonly pod: string | undefined;
  readonly external: string;
  readonly nodeIp: string;
  /** Node addresses given to the walk because the dumps have none. */
  readonly assumedNodeIps: readonly string[];
  /** Where the assumed address comes from, when not from --node-ip or a documentation address. */
  readonly assumedFrom?: string;
  readonly notes: readonly string[];
}

const EXTERNAL: Readonly<Record<Family, string>> = { ipv4: '203.0.113.2', ipv6: '2001:db8:ffff::2' };
const PLACEHOLDER_NODE: Readonly<Record<Family, string>> = { ipv4: '192.0.2.1', ipv6: '2001:db8:ffff::1' };
/** Interfaces kube-proxy (IPVS) and CNIs bind service or pod gateway addresses to: not where a NodePort client arrives. */
const NOT_NODE_DEVICES = /^(kube-ipvs0|lo|cni|docker|cali|flannel|cilium|vxlan|weave|tunl|nodelocaldns)/;

/**
 * The cluster CIDR kube-proxy's local detector uses: `! -s CIDR -j KUBE-MARK-MASQ` in service chains (in
 * KUBE-SERVICES itself before kube-proxy 1.2x), `-s CIDR` in KUBE-EXT.
 */
export function clusterCidrOf(ruleset: Ruleset): string | undefined {
  const nat = ruleset.tables.find((t) => t.name === 'nat');
  const isCidr = (r: Rule) =>
    r.source &&
    !isUnknownAddress(r.source.value) &&
    r.source.value.prefix > 0 &&
    r.source.value.prefix < (ruleset.family === 'ipv4' ? 32 : 128);
  for (const chain of nat?.chains ?? []) {
    if (!CLUSTER_CIDR_CHAIN.test(chain.name)) continue;
    const rule = chain.rules.find(
      (r) =>
        isCidr(r) &&
        r.target?.kind === 'jump' &&
        (r.source!.negated
          ? r.target.chain === KUBE_MARK_MASQ
          : r.target.chain.startsWith(serviceChainName('SVC', ''))),
    );
    const cidr = rule?.source?.value;
    if (cidr && !isUnknownAddress(cidr)) return `${cidr.address}/${cidr.prefix}`;
  }
  return undefined;
}

/** The last usable address of the cluster CIDR: a pod address that is unlikely to be an endpoint. */
function podIn(cidr: string | undefined): string | undefined {
  const [address, length] = cidr?.split('/') ?? [];
  const ip = address ? parseIp(address) : undefined;
  if (!ip || !length) return undefined;
  const prefix = makePrefix(ip, Number(length));
  const last = prefix.network | (~prefix.mask & ((1n << BigInt(ADDRESS_BITS[ip.family])) - 1n));
  return formatIp({ family: ip.family, value: last - 1n });
}

/** The node's address a load balancer sends to: a global address on the default route's interface first. */
function nodeAddress(node: NodeDumps, family: Family): string | undefined {
  const want = family === 'ipv4' ? 'inet' : 'inet6';
  const defaultDev = node.routes.find((r) => r.dst === 'default' && r.table === 'main' && r.family === want)?.dev;
  const candidates = node.interfaces.flatMap((i) =>
    i.addresses
      .filter(
        (a) => a.family === want && !a.masked && (a.scope ?? 'global') === 'global' && !a.flags.includes('secondary'),
      )
      .map((a) => ({ dev: i.name, ip: a.address })),
  );
  return (candidates.find((c) => c.dev === defaultDev) ?? candidates.find((c) => !NOT_NODE_DEVICES.test(c.dev)))?.ip;
}

/**
 * `cidr`: the cluster CIDR kube-proxy's rules show (`clusterCidrOf`, or its nft table's), when they show one;
 * `nodePortIps`: the addresses kube-proxy's nft table accepts NodePorts on (its `nodeport-ips` set), which are the
 * node's own when the dumps have no `ip addr`.
 */
export function clientsOf(
  node: NodeDumps,
  family: Family,
  cidr: string | undefined,
  givenNodeIps: readonly string[],
  nodePortIps: readonly string[] = [],
): Clients {
  const notes: string[] = [];
  const pod = podIn(cidr);
  if (!pod)
    notes.push(
      `the cluster CIDR is not in the rules: cluster IPs are probed from ${EXTERNAL[family]}, outside the cluster`,
    );
  const fromDumps = nodeAddress(node, family);
  const given = givenNodeIps.find((ip) => parseIp(ip)?.family === family);
  const fromSet = given ? undefined : nodePortIps.find((ip) => parseIp(ip)?.family === family);
  const nodeIp = fromDumps ?? given ?? fromSet ?? PLACEHOLDER_NODE[family];
  if (!fromDumps && !given)
    notes.push(
      fromSet
        ? `no ${family} node address in the dumps and no --node-ip: NodePorts are probed on ${nodeIp}, from kube-proxy's nodeport-ips set`
        : `no ${family} node address in the dumps and no --node-ip: NodePorts are probed on ${nodeIp}`,
    );
  const assumed = { assumedNodeIps: fromDumps ? [] : [nodeIp] };
  const from = !fromDumps && fromSet ? { assumedFrom: "kube-proxy's nodeport-ips set" } : {};
  return { pod, external: EXTERNAL[family], nodeIp, ...assumed, ...from, notes };
}
