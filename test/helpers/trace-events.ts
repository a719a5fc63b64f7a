/**
 * The kernel's trace, read from either monitor into one list of events per packet id. IPv4 labs read
 * `xtables-monitor --trace`; it cannot print ip6tables rules (1.8.9), so IPv6 labs read `nft -a monitor
 * trace`, whose rule lines carry the nft handle that `nft -a list` turns into a rule position.
 */

export type TraceEvent =
  | {
      readonly kind: 'packet';
      readonly id: string;
      readonly in: string;
      readonly src: string;
      readonly dst: string;
      readonly sport?: number;
      readonly dport?: number;
    }
  | {
      readonly kind: 'rule';
      readonly id: string;
      readonly table: string;
      readonly chain: string;
      readonly handle: number;
    }
  | {
      readonly kind: 'policy';
      readonly id: string;
      readonly table: string;
      readonly chain: string;
      readonly policy: string;
    };

const ports = (sport: string | undefined, dport: string | undefined) => ({
  ...(sport ? { sport: Number(sport) } : {}),
  ...(dport ? { dport: Number(dport) } : {}),
});

function field(line: string, name: string): string | undefined {
  return new RegExp(`(?:^| )${name}=(\\S*)`).exec(line)?.[1];
}

/** `xtables-monitor --trace`: PACKET lines with KEY=value fields, TRACE lines table:chain:rule:0xHANDLE. */
export function xtablesMonitorEvents(output: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('PACKET:')) {
      const [, , id] = line.split(/\s+/);
      events.push({
        kind: 'packet',
        id: id!,
        in: field(line, 'IN') ?? '',
        src: field(line, 'SRC')!,
        dst: field(line, 'DST')!,
        ...ports(field(line, 'SPORT'), field(line, 'DPORT')),
      });
      continue;
    }
    const m = /^TRACE: \d+ (\S+) (\w+):(\S+?):(rule|policy|return):(\S*)/.exec(line);
    if (!m) continue;
    const [, id, table, chain, kind, rest] = m;
    if (kind === 'policy') events.push({ kind: 'policy', id: id!, table: table!, chain: chain!, policy: rest! });
    else if (kind === 'rule')
      events.push({
        kind: 'rule',
        id: id!,
        table: table!,
        chain: chain!,
        handle: Number.parseInt(rest!.split(':')[0]!, 16),
      });
  }
  return events;
}

/** `nft -a monitor trace`: `trace id ID FAMILY TABLE CHAIN packet: …`, `… rule … # handle N (verdict …)`, `… policy accept`. */
export function nftMonitorEvents(output: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (const line of output.split('\n')) {
    const m = /^trace id (\S+) ip6? (\S+) (\S+) (packet:|rule|policy) ?(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, id, table, chain, kind, rest] = m as unknown as [string, string, string, string, string, string];
    if (kind === 'packet:') {
      const proto = /(?:tcp|udp) sport (\d+) (?:tcp|udp) dport (\d+)/.exec(rest);
      events.push({
        kind: 'packet',
        id,
        in: /iif "([^"]*)"/.exec(rest)?.[1] ?? '',
        src: /\bip6? saddr (\S+)/.exec(rest)![1]!,
        dst: /\bip6? daddr (\S+)/.exec(rest)![1]!,
        ...ports(proto?.[1], proto?.[2]),
      });
    } else if (kind === 'policy')
      events.push({ kind: 'policy', id, table, chain, policy: rest.split(' ')[0]!.toUpperCase() });
    else {
      const handle = [...rest.matchAll(/# handle (\d+)/g)].at(-1)?.[1];
      if (handle === undefined) throw new Error(`a traced rule without its handle (run nft with -a): ${line}`);
      events.push({ kind: 'rule', id, table, chain, handle: Number(handle) });
    }
  }
  return events;
}
