/**
 * Which node a file of a support bundle describes, from the collector's layout (bundles.md §1, §3 step 1):
 * Calico cluster diags `nodes/<node>/`, Troubleshoot `host-collectors/<node>/run-host/`, sos report
 * `sosreport-<host>-…`, EKS `eks_<instance-id>_…`, supportconfig `scc_<host>_…`, Rancher `<host>-<date>/`,
 * Cilium `cilium-bugtool-<pod>-<time>`, AKS Periscope `<runId>/<node>/`. Otherwise the name of the input directory
 * or file (contracts.md). A sos dump of a named network namespace is a node of its own, `<host> netns <ns>`.
 */
import { netnsNodeName } from '../model/netns';
import { withoutArchiveSuffix } from './archive-names';

const LAYOUTS: readonly RegExp[] = [
  /(?:^|\/)nodes\/([^/]+)\//,
  /(?:^|\/)host-collectors\/(?!run-host\/|system\/)([^/]+)\/run-host\//,
  /(?:^|\/)sosreport-(.+?)(?:-\d{4}-\d{2}-\d{2}-[a-z0-9]+|-\d{14}|\.[^/]*-\d{14})(?:-obfuscated)?(?:\.tar\.\w+)?\//,
  /(?:^|\/)eks_(i-[0-9a-f]+)_/,
  /(?:^|\/)scc_(.+?)_\d{6}_\d{4}/,
  /(?:^|\/)([^/]+?)-\d{4}-\d{2}-\d{2}_\d{2}_\d{2}_\d{2}\/(?:networking|systeminfo)\//,
  /(?:^|\/)cilium-bugtool-(.+?)-\d{8}-\d{6}/,
  // AKS Periscope: `<runId>/<node>/iptables` and `<runId>/<node>/<node>.zip`; AKS names nodes
  // `aks-<pool>-<n>-vmss<id>`.
  /(?:^|\/)([^/]+)\/\1\.zip\//,
  /(?:^|\/)(aks-[a-z0-9]+-\d+-vmss[0-9a-z]{6})\//,
];

/**
 * sos's dumps of a named network namespace (`…/namespaces/<ns>/ip_netns_exec_<ns>_iptables-save`,
 * `…/conntrack/ip_netns_exec_<ns>_conntrack_-L_-o_extended`): a pod's or a CNI's own rules and connections, not
 * the host's.
 */
const NETNS =
  /(?:^|\/)namespaces\/([^/]+)\/|(?:^|\/)ip_netns_exec_([^/]+?)_(?:ip6?tables|conntrack|nft|ipset|ipvsadm|ip|sysctl)[_-]/;

/** `path` is the file's path from the input's root, the input's own name first. */
export function nodeOf(inputName: string, path: string): string {
  const host = hostOf(inputName, path);
  const netns = NETNS.exec(path);
  return netns ? netnsNodeName(host, netns[1] ?? netns[2]!) : host;
}

function hostOf(inputName: string, path: string): string {
  for (const layout of LAYOUTS) {
    const m = layout.exec(path);
    if (m) return m[1]!;
  }
  return withoutArchiveSuffix(inputName);
}
