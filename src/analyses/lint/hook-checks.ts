/**
 * Base chains of two tables on one hook at one priority, each with rules or a drop policy. The kernel runs them in
 * the order they were registered,
 * the most recent first, and no dump says which that was (kube-proxy deletes and re-adds its chains at its first
 * sync; shared/reference/nftables.md §5, verified there). Read from every ruleset view of the node, nft listings and
 * iptables dumps alike: x_tables and iptables-nft hook at the same fixed priorities nft names `dstnat`, `filter`, ….
 */
import type { RulesetView, ViewChain, ViewTable } from '../../model/ruleset-view';
import type { Finding } from '../finding';

interface Hooked {
  readonly view: RulesetView;
  readonly table: ViewTable;
  readonly chain: ViewChain;
}

/** The families of packets a table's chains see: an inet table's both IPv4's (ip) and IPv6's (ip6). */
const packetFamilies = (family: string): readonly string[] => (family === 'inet' ? ['ip', 'ip6'] : [family]);

const name = (h: Hooked) =>
  `${h.view.format === 'iptables' ? `${h.table.family} ${h.table.name} (iptables)` : h.table.name} ${h.chain.name}`;

/**
 * nat chains are ordered among themselves, in the NAT core's slot, and the first to map a connection wins; other
 * chains among themselves. So ties are sought within each kind. iptables' own tables never tie with each other
 * (LINT_BOTH_BACKENDS covers a node with both backends); the same table seen by two dumps (iptables-nft-save and
 * the nft listing of iptables-nft's table) is counted once.
 */
export function hookTieFindings(node: string, views: readonly RulesetView[]): Finding[] {
  const buckets = new Map<string, Hooked[]>();
  const seen = new Set<string>();
  for (const view of views)
    for (const table of view.tables)
      for (const chain of table.chains) {
        const b = chain.base;
        // An empty chain that accepts does nothing to a packet, whichever order it runs in.
        if (!b || b.priority === undefined || (chain.rules.length === 0 && b.policy?.toLowerCase() !== 'drop'))
          continue;
        const id = `${table.family} ${view.format === 'iptables' ? table.name : table.name.slice(table.family.length + 1)} ${chain.name}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const key = `${b.hook} ${b.priority} ${b.type === 'nat'} ${[...(b.devices ?? [])].sort().join(',')}`;
        buckets.set(key, [...(buckets.get(key) ?? []), { view, table, chain }]);
      }
  const findings: Finding[] = [];
  for (const hooked of buckets.values()) {
    // Chains tie only on packets that reach both: an ip and an ip6 chain never, each with an inet one.
    const byPacket = new Map<string, Hooked[]>();
    for (const h of hooked)
      for (const f of packetFamilies(h.table.family)) byPacket.set(f, [...(byPacket.get(f) ?? []), h]);
    const said = new Set<string>();
    for (const meeting of byPacket.values()) {
      const tied = meeting.filter((a) =>
        meeting.some((b) => b.table !== a.table && !(a.view.format === 'iptables' && b.view.format === 'iptables')),
      );
      const names = tied.map(name).join(' and ');
      if (tied.length < 2 || said.has(names)) continue;
      said.add(names);
      findings.push(tie(node, tied, names));
    }
  }
  return findings;
}

/** One tie: the chains some packets meet on one hook at one priority, named together. */
function tie(node: string, tied: readonly Hooked[], names: string): Finding {
  const base = tied[0]!.chain.base!;
  const nat = base.type === 'nat';
  // The names the listings gave the number (`dstnat`, `filter + 10`), if any.
  const named = [...new Set(tied.map((h) => h.chain.base!.priorityText))].filter((x) => x !== String(base.priority));
  return {
    code: 'LINT_PRIORITY_TIE',
    severity: 'warning',
    node,
    subject: `${base.hook} priority ${base.priority}`,
    message: `base chains ${names} ${tied.length === 2 ? 'both' : 'all'} hook ${base.hook} at priority ${base.priority}${named.length ? ` (${named.join(', ')})` : ''}: the kernel runs the one registered last first, which no dump shows${nat ? '; for nat chains the first to map a connection decides it, and the others never see it' : ''}`,
    evidence: tied.map((h) => h.chain.location),
    remedy:
      'give one of them a priority of its own (Calico moved its chains off kube-proxy’s for this reason), or check by tracing a packet (nft monitor trace) which runs first on this node',
  };
}
