/**
 * Dumps that name different hosts are different nodes, whatever folder or paste they came in: a folder of
 * files from two machines, or a paste of `[root@node-a ~]# iptables-save` and `[root@node-b ~]# conntrack -L`,
 * must not judge one machine's conntrack table against the other's rules. A dump without a prompt of its
 * own is the host's of the prompt before it in its file (or, before any, of the file's first prompt).
 */
import type { Section } from '../model/section';
import { groupBy } from '../model/group-by';

/** One machine's prompts may name it short or in full (`node1`, `node1.example.com`): its first label names it. */
const machine = (host: string) => host.split('.')[0]!.toLowerCase();

export function splitHosts(sections: readonly Section[]): Section[] {
  const hostOf = new Map<Section, string>();
  for (const inFile of groupBy(sections, (s) => s.source.path).values()) {
    let host = inFile.find((s) => s.source.host)?.source.host;
    for (const s of inFile) {
      host = s.source.host ?? host;
      if (host) hostOf.set(s, machine(host));
    }
  }
  const renamed = new Set<Section>();
  for (const ofNode of groupBy(sections, (s) => s.source.node).values()) {
    if (new Set(ofNode.map((s) => hostOf.get(s)).filter((h) => h !== undefined)).size > 1)
      for (const s of ofNode) if (hostOf.has(s)) renamed.add(s);
  }
  return sections.map((s) => (renamed.has(s) ? { ...s, source: { ...s.source, node: hostOf.get(s)! } } : s));
}
