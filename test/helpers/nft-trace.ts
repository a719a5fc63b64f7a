/**
 * `nft monitor trace` as steps nfwalk can be held to: per trace id, the rule and policy events of the tables
 * a test watches, each as one line (`ip kube-proxy services rule … (verdict goto …)`), and the packet the id
 * first showed. nfwalk's nft steps print the same way (`nftStepLine`).
 */
import type { TraceStep } from '../../src/analyses/trace/index';
import { dedent } from './dedent';

/** The lab's node: the client's side on nr-cn, the pods' on nr-pn, default route back to the client. */
export const LAB_NODE = dedent`
  # ip -o addr
  1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
  2: nr-cn    inet 192.168.0.2/24 brd 192.168.0.255 scope global nr-cn\       valid_lft forever preferred_lft forever
  3: nr-pn    inet 10.180.255.254/16 brd 10.180.255.255 scope global nr-pn\       valid_lft forever preferred_lft forever
  # ip route
  default via 192.168.0.100 dev nr-cn
  10.180.0.0/16 dev nr-pn proto kernel scope link src 10.180.255.254
  192.168.0.0/24 dev nr-cn proto kernel scope link src 192.168.0.2
`;

/** kube-proxy v1.34's table as the lab loaded and listed it, the ruleset of the captured traces. */
export const RULESET = 'captures/nft/kube-proxy-v1.34-TestOverallNFTablesRules.nft-list-ruleset.txt';

/** A rule or policy event of the trace; `handle` when the monitor ran with `-a`. */
export type NftTraceStep =
  | {
      readonly family: string;
      readonly table: string;
      readonly chain: string;
      readonly text: string;
      readonly verdict: string;
      readonly handle?: number;
    }
  | { readonly family: string; readonly table: string; readonly chain: string; readonly policy: string };

/** A step as one line, the way `nftStepLine` prints nfwalk's. */
export const traceStepLine = (s: NftTraceStep) =>
  'policy' in s
    ? `${s.family} ${s.table} ${s.chain} policy ${s.policy}`
    : `${s.family} ${s.table} ${s.chain} rule ${s.text} (verdict ${s.verdict})`;

export interface NftTracedPacket {
  readonly id: string;
  readonly src: string;
  readonly dst: string;
  readonly proto: 'tcp' | 'udp' | 'icmp';
  readonly sport?: number;
  readonly dport?: number;
  /** For icmp (ICMPv6 too): `echo-request`, `destination-unreachable`, `nd-neighbor-solicit`, … */
  readonly icmpType?: string;
  readonly in?: string;
  readonly steps: NftTraceStep[];
}

const EVENT = /^trace id (\S+) (ip6?|inet|netdev) (\S+) (\S+) (packet:|rule|policy) ?(.*?)\s*$/;

/** The packets of a monitor's output, in the order their ids first appear, with the steps of tables `keep` accepts. */
export function nftTracedPackets(output: string, keep: (table: string) => boolean): NftTracedPacket[] {
  const byId = new Map<string, { packet?: Omit<NftTracedPacket, 'steps' | 'id'>; steps: NftTraceStep[] }>();
  for (const line of output.split('\n')) {
    const m = EVENT.exec(line.trim());
    if (!m) continue;
    const [, id, family, table, chain, kind, rest] = m as unknown as string[];
    let entry = byId.get(id!);
    if (!entry) byId.set(id!, (entry = { steps: [] }));
    if (kind === 'packet:') {
      if (entry.packet) continue;
      const l4 = /\b(tcp|udp) sport (\d+) \1 dport (\d+)/.exec(rest!);
      const src = /\bip6? saddr (\S+)/.exec(rest!)?.[1];
      const dst = /\bip6? daddr (\S+)/.exec(rest!)?.[1];
      const icmp = /\bicmp(?:v6)? type /.test(rest!);
      if (!src || !dst || (!l4 && !icmp)) continue;
      const iif = /\biif "([^"]*)"/.exec(rest!)?.[1];
      entry.packet = {
        src,
        dst,
        ...(l4
          ? { proto: l4[1] as 'tcp' | 'udp', sport: Number(l4[2]), dport: Number(l4[3]) }
          : { proto: 'icmp', icmpType: /\bicmp(?:v6)? type (\S+)/.exec(rest!)![1]! }),
        ...(iif ? { in: iif } : {}),
      };
      continue;
    }
    if (!keep(table!)) continue;
    if (kind === 'policy') {
      entry.steps.push({ family: family!, table: table!, chain: chain!, policy: rest!.split(' ')[0]! });
      continue;
    }
    const handle = /# handle (\d+)/.exec(rest!)?.[1];
    const v = /^(.*) \(verdict ([^)]*)\)$/.exec(rest!.replace(/ ?# handle \d+/, ''));
    if (!v) continue;
    entry.steps.push({
      family: family!,
      table: table!,
      chain: chain!,
      text: v[1]!,
      verdict: v[2]!,
      ...(handle !== undefined ? { handle: Number(handle) } : {}),
    });
  }
  return [...byId].flatMap(([id, e]) => (e.packet ? [{ id, ...e.packet, steps: e.steps }] : []));
}

/** An nft step as a monitor line prints it; iptables steps as their table, chain and rule number. */
export function nftStepLine(s: TraceStep): string {
  if ('family' in s)
    return 'policy' in s
      ? `${s.family} ${s.table} ${s.chain} policy ${s.policy}`
      : `${s.family} ${s.table} ${s.chain} rule ${s.text} (verdict ${s.verdict})`;
  return 'policy' in s ? `${s.table} ${s.chain} policy ${s.policy}` : `${s.table} ${s.chain} #${s.rule}`;
}
