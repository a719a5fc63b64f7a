/**
 * IP protocol numbers and the names the tools print for them: the name /etc/protocols gives (what iptables-save
 * prints for `-p 6`, and what a rule may be written with), and the name conntrack prints where it has its own
 * (libnetfilter_conntrack's proto table: `icmpv6`, where /etc/protocols says `ipv6-icmp`).
 */
interface Protocol {
  readonly number: number;
  readonly name: string;
  /** conntrack's name, for the protocols conntrack tracks by name. */
  readonly conntrack?: string;
}

const PROTOCOLS: readonly Protocol[] = [
  { number: 1, name: 'icmp', conntrack: 'icmp' },
  { number: 2, name: 'igmp' },
  { number: 4, name: 'ipencap' },
  { number: 6, name: 'tcp', conntrack: 'tcp' },
  { number: 17, name: 'udp', conntrack: 'udp' },
  { number: 33, name: 'dccp', conntrack: 'dccp' },
  { number: 41, name: 'ipv6' },
  { number: 47, name: 'gre', conntrack: 'gre' },
  { number: 50, name: 'esp' },
  { number: 51, name: 'ah' },
  { number: 58, name: 'ipv6-icmp', conntrack: 'icmpv6' },
  { number: 89, name: 'ospf' },
  { number: 103, name: 'pim' },
  { number: 112, name: 'vrrp' },
  { number: 132, name: 'sctp', conntrack: 'sctp' },
  { number: 135, name: 'mh' },
  { number: 136, name: 'udplite', conntrack: 'udplite' },
];

const BY_NAME = new Map<string, number>([
  ...PROTOCOLS.map((p) => [p.name, p.number] as const),
  ...PROTOCOLS.flatMap((p) => (p.conntrack ? [[p.conntrack, p.number] as const] : [])),
]);
const NAME_BY_NUMBER_TEXT = new Map(PROTOCOLS.map((p) => [`${p.number}`, p.name]));

/** The number of a protocol written by name (either tool's spelling) or as a decimal number. */
export function protocolNumber(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : BY_NAME.get(text);
}

/** The /etc/protocols name of a number written as text (`6` → `tcp`), as iptables-save prints it. */
export const protocolNameOf = (numberText: string): string | undefined => NAME_BY_NUMBER_TEXT.get(numberText);

/** conntrack's protocol names and their numbers. */
export const CONNTRACK_PROTOCOLS: ReadonlyMap<string, number> = new Map(
  PROTOCOLS.flatMap((p) => (p.conntrack ? [[p.conntrack, p.number] as const] : [])),
);
