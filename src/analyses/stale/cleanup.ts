/** The commands that remove stale entries: conntrack(8) `-D` with exactly the tuple fields that pick them out. */
import type { EntryRow } from './entry-row';

const familyFlag = (family: string) => (family === 'ipv6' ? ' -f ipv6' : '');
const protoOf = (e: EntryRow) => (e.proto === 'icmpv6' ? 'icmpv6' : e.proto);

/** Deletes this one entry: both addresses and ports of the original direction and the reply's source. */
export function entryCleanup(e: EntryRow): string {
  const o = e.orig;
  const r = e.reply;
  const ports = o.sport !== undefined ? ` --sport ${o.sport} --dport ${o.dport}` : '';
  const icmp =
    o.type !== undefined
      ? ` --icmp-type ${o.type} --icmp-code ${o.code ?? 0}${o.id !== undefined ? ` --icmp-id ${o.id}` : ''}`
      : '';
  const replyPort = r.sport !== undefined ? ` --reply-port-src ${r.sport}` : '';
  const zone = e.zone !== undefined ? ` -w ${e.zone}` : '';
  return `conntrack -D${familyFlag(e.family)} -p ${protoOf(e)} -s ${o.src} -d ${o.dst}${ports}${icmp} -r ${r.src}${replyPort}${zone}`;
}

export interface GroupTuple {
  readonly family: string;
  readonly proto: string;
  readonly dst: string;
  readonly dport: number | null;
  /** The reply source the entries carry: the stale DNAT target, or the service address itself for a blackhole. */
  readonly replySrc: string;
  readonly replySport: number | null;
}

/** Deletes every entry to one destination that the reply side shows going to one place. */
export function groupCleanup(g: GroupTuple): string {
  const port = g.dport !== null ? ` --dport ${g.dport}` : '';
  const replyPort = g.replySport !== null ? ` --reply-port-src ${g.replySport}` : '';
  return `conntrack -D${familyFlag(g.family)} -p ${g.proto} -d ${g.dst}${port} -r ${g.replySrc}${replyPort}`;
}
