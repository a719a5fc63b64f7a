/**
 * Files taken as one node (a folder's loose files) whose `ip addr` dumps share no address come from
 * different machines: one's conntrack table must not be judged against another's rules.
 */
import type { NodeDumps } from './node';

/** A node's global addresses as each of its `ip addr` dumps shows them, by file. */
function addressesByFile(node: NodeDumps): Map<string, Set<string>> {
  const byFile = new Map<string, Set<string>>();
  for (const s of node.sections) {
    if (s.kind !== 'ip-addr') continue;
    const own = byFile.get(s.source.path) ?? new Set<string>();
    for (const i of s.interfaces)
      for (const a of i.addresses)
        if ((a.scope ?? 'global') === 'global' && i.name !== 'lo' && !a.masked) own.add(a.address);
    byFile.set(s.source.path, own);
  }
  return byFile;
}

/** The files whose addresses some other file of the node shares none of, with those addresses; fewer than two: one machine. */
export function strangerFiles(node: NodeDumps): [string, Set<string>][] {
  const files = [...addressesByFile(node)].filter(([, a]) => a.size > 0);
  return files.filter(([, a], i) => files.some(([, b], j) => j !== i && ![...a].some((x) => b.has(x))));
}
