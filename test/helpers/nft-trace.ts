/**
 * `nft monitor trace` as steps nfwalk can be held to: per trace id, the rule and policy events of the tables
 * a test watches, each as one line (`ip kube-proxy services rule … (verdict goto …)`), and the packet the id
 * first showed. nfwalk's nft steps print the same way (`nftStepLine`).
 */
import type { TraceStep } from '../../src/analyses/trace/index';

export interface NftTracedPacket {
  readonly id: string;
  readonly src: string;
  readonly dst: string;
  readonly proto: 'tcp' | 'udp';
  readonly sport?: number;
  readonly dport?: number;
  readonly in?: string;
  readonly steps: string[];
}

const EVENT = /^trace id (\S+) (ip6?|inet) (\S+) (\S+) (packet:|rule|policy) ?(.*?)\s*$/;

/** The packets of a monitor's output, in the order their ids first appear, with the steps of tables `keep` accepts. */
export function nftTracedPackets(output: string, keep: (table: string) => boolean): NftTracedPacket[] {
  const byId = new Map<string, { packet?: Omit<NftTracedPacket, 'steps' | 'id'>; steps: string[] }>();
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
      if (!src || !dst || !l4) continue;
      const iif = /\biif "([^"]*)"/.exec(rest!)?.[1];
      entry.packet = {
        src,
        dst,
        proto: l4[1] as 'tcp' | 'udp',
        sport: Number(l4[2]),
        dport: Number(l4[3]),
        ...(iif ? { in: iif } : {}),
      };
      continue;
    }
    if (!keep(table!)) continue;
    entry.steps.push(
      kind === 'policy'
        ? `${family} ${table} ${chain} policy ${rest!.split(' ')[0]}`
        : `${family} ${table} ${chain} rule ${rest!.replace(/ # handle \d+/, '')}`,
    );
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
