/**
 * Everything the services analysis needs about one node and address family, built once: the tracer over
 * its ruleset, the probe addresses, the services its iptables rules and IPVS tables program.
 */
import { type IpvsEntry, ipvsNotes, ipvsServices } from '../../graph/ipvs-services';
import { kubeServices } from '../../graph/kube-services';
import type { KubeService } from '../../graph/service-model';
import { type IpvsSection, nodeIpvsTable } from '../../model/ipvs-table';
import { type NodeDumps, rulesetsOf } from '../../model/node';
import type { RulesetSection } from '../../model/section';
import type { Family } from '../../model/values';
import type { Ruleset } from '../../model/ruleset';
import { type Tracer, prepareTracer } from '../trace/index';
import { type Clients, clientsOf, clusterCidrOf } from './clients';
import { kubeNftServices, kubeProxyTable, nftClusterCidr, nftNodePortIps } from '../../graph/kube-nft-services';
import { nftRulesetOf } from '../../model/nft-node';
import type { NftTable } from '../../model/nft';
import { KUBE_SERVICES } from '../../model/kube-proxy-chains';

export interface NodeContext {
  readonly node: NodeDumps;
  readonly family: Family;
  readonly tracer?: Tracer;
  readonly clients?: Clients;
  readonly services: readonly KubeService[];
  /** The IPVS table the virtual services come from (the node's listings together: model/ipvs-table.ts). */
  readonly ipvsTable?: IpvsSection;
  /** IPVS virtual services by entry point key (`kind ip port protocol`). */
  readonly ipvs: ReadonlyMap<string, IpvsEntry>;
  /** Every address a NodePort of this node answers on: its interfaces' and the one its probes use. */
  readonly addresses: readonly string[];
  readonly warnings: readonly string[];
}

export const entryKey = (kind: string, ip: string | null, port: number, protocol: string) =>
  `${kind} ${ip ?? '*'} ${port} ${protocol}`;

const interfaceAddresses = (node: NodeDumps) => node.interfaces.flatMap((i) => i.addresses.map((a) => a.address));

function nodeAddresses(node: NodeDumps): Set<string> {
  return new Set(
    node.interfaces
      .filter((i) => i.name !== 'kube-ipvs0' && i.name !== 'lo')
      .flatMap((i) => i.addresses.map((a) => a.address)),
  );
}

/**
 * kube-proxy writes every service with endpoints into the nat table: its filter chains in dumps without one (taken
 * with `-t filter`, or a part) leave those services out, which is said rather than taken as the node having none.
 * A nat table iptables-nft could not print is said by its own gap.
 */
function natLeftOut(sections: readonly RulesetSection[]): string[] {
  const tables = sections.flatMap((s) => s.ruleset.tables);
  if (tables.some((t) => t.name === 'nat')) return [];
  if (sections.some((s) => s.ruleset.gaps?.some((g) => g.kind === 'unprintable' && g.table === 'nat'))) return [];
  const kube = sections.find((s) =>
    s.ruleset.tables.some((t) => t.name === 'filter' && t.chains.some((c) => c.name === KUBE_SERVICES)),
  );
  return kube
    ? [
        `the ${kube.kind} dump at ${kube.source.path}:${kube.source.startLine} holds kube-proxy's filter chains but no nat table, where kube-proxy writes every service with endpoints: those services are not in this answer (was it taken with \`-t filter\`?)`,
      ]
    : [];
}

const contextsByNode = new WeakMap<NodeDumps, Map<string, NodeContext[]>>();

/**
 * Built once per node and `--node-ip` list: `nfwalk analyze` runs the services and stale analyses on the same
 * nodes, and preparing a tracer (chain index, compiled chains) for a 10,000-service node takes seconds.
 */
export function nodeContexts(node: NodeDumps, givenNodeIps: readonly string[]): NodeContext[] {
  const byIps = contextsByNode.get(node) ?? new Map<string, NodeContext[]>();
  contextsByNode.set(node, byIps);
  const key = givenNodeIps.join(' ');
  let contexts = byIps.get(key);
  if (!contexts) byIps.set(key, (contexts = buildContexts(node, givenNodeIps)));
  return contexts;
}

/** Read once per ruleset: stale builds a node's contexts twice (again with the addresses it doubts as the node's). */
const servicesByRuleset = new WeakMap<Ruleset, readonly KubeService[]>();

function kubeServicesOf(ruleset: Ruleset): readonly KubeService[] {
  let services = servicesByRuleset.get(ruleset);
  if (!services) servicesByRuleset.set(ruleset, (services = kubeServices(ruleset)));
  return services;
}

/** The same for kube-proxy's nft table, by family and the listing's path. */
const servicesByNftTable = new WeakMap<NftTable, Map<string, readonly KubeService[]>>();

function kubeNftServicesOf(table: NftTable, path: string, family: Family): readonly KubeService[] {
  let byFamily = servicesByNftTable.get(table);
  if (!byFamily) servicesByNftTable.set(table, (byFamily = new Map()));
  const key = `${family} ${path}`;
  let services = byFamily.get(key);
  if (!services) byFamily.set(key, (services = kubeNftServices(table, path, family)));
  return services;
}

/** kube-proxy's services in every backend the node runs, each once: the first backend's word on a service stands. */
function servicesOfRules(sections: readonly RulesetSection[]): KubeService[] {
  // Names by protocol: no key string per service.
  const seen: Record<KubeService['protocol'], Set<string>> = { tcp: new Set(), udp: new Set(), sctp: new Set() };
  const out: KubeService[] = [];
  for (const { ruleset } of sections) {
    const services = kubeServicesOf(ruleset);
    for (let i = 0; i < services.length; i++) {
      const s = services[i]!;
      const names = seen[s.protocol];
      if (names.has(s.name)) continue;
      names.add(s.name);
      out.push(s);
    }
  }
  return out;
}

function buildContexts(node: NodeDumps, givenNodeIps: readonly string[]): NodeContext[] {
  const ipvsTable = nodeIpvsTable(node);
  const ipvsAll = ipvsTable
    ? ipvsServices(ipvsTable.source.path, ipvsTable.services, node.sets, nodeAddresses(node))
    : [];
  const ipvsLeftOut = ipvsTable ? ipvsNotes(ipvsTable.source.path, ipvsTable.services) : [];
  const nft = nftRulesetOf(node);
  const nftPath = node.sections.find((s) => s.kind === 'nft')?.source.path ?? '';
  const kubeNft = (family: Family) => nft && kubeProxyTable(nft.tables, family);
  const families = new Set<Family>([
    ...node.rulesets.map((r) => r.ruleset.family),
    ...ipvsAll.map((s) => s.family),
    ...(['ipv4', 'ipv6'] as const).filter((f) => kubeNft(f)),
  ]);
  return [...families].map((family) => {
    const sections = rulesetsOf(node, family);
    const nftTable = kubeNft(family);
    const natMissing = nftTable ? [] : natLeftOut(sections);
    // kube-proxy's, when only one backend holds its rules (rulesetsOf puts it first): its cluster CIDR counts.
    const section = sections[0];
    const ipvsServicesOfFamily = ipvsAll.filter((s) => s.family === family);
    const ipvs = new Map(
      ipvsServicesOfFamily.flatMap((s) =>
        s.virtualServices.map((v) => [entryKey(v.entry.kind, v.entry.ip, v.entry.port, s.protocol), v] as const),
      ),
    );
    const table = ipvsTable ? { ipvsTable } : {};
    if (!section && !nftTable)
      return {
        node,
        family,
        ...table,
        services: ipvsServicesOfFamily,
        ipvs,
        addresses: interfaceAddresses(node),
        warnings: [...ipvsLeftOut, ...natMissing],
      };
    const cidr = (section && clusterCidrOf(section.ruleset)) ?? (nftTable && nftClusterCidr(nftTable));
    const clients = clientsOf(node, family, cidr, givenNodeIps, nftTable ? nftNodePortIps(nftTable) : []);
    const nodeIpsFrom =
      clients.assumedFrom ??
      (clients.assumedNodeIps.length ? 'a documentation address standing in for the node' : '--node-ip');
    // Services and stale read where paths go, never the text of the rules on them.
    const tracer = prepareTracer(node, family, {
      nodeIps: [...givenNodeIps, ...clients.assumedNodeIps],
      nodeIpsFrom,
      stepText: false,
    });
    return {
      node,
      family,
      tracer,
      clients,
      services: [
        ...servicesOfRules(sections),
        ...(nftTable ? kubeNftServicesOf(nftTable, nftPath, family) : []),
        ...ipvsServicesOfFamily,
      ],
      ...table,
      ipvs,
      addresses: [...new Set([...interfaceAddresses(node), clients.nodeIp])],
      warnings: [...tracer.network.assumed, ...clients.notes, ...ipvsLeftOut, ...natMissing],
    };
  });
}
