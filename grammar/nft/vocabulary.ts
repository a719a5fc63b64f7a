/** The selectors and statement keywords of nft's listing syntax (nft(8) EXPRESSIONS and STATEMENTS). */

/** Payload headers and their fields: a protocol word is a selector only when one of its fields follows. */
export const PAYLOAD_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = Object.fromEntries(
  Object.entries({
    ip: 'saddr daddr protocol version hdrlength dscp ecn length id frag-off ttl checksum',
    ip6: 'saddr daddr nexthdr version dscp ecn flowlabel length hoplimit',
    tcp: 'sport dport sequence ackseq doff reserved flags window checksum urgptr',
    udp: 'sport dport length checksum',
    udplite: 'sport dport csumcov checksum',
    sctp: 'sport dport vtag checksum',
    dccp: 'sport dport type',
    th: 'sport dport',
    icmp: 'type code checksum id sequence gateway mtu',
    icmpv6: 'type code checksum id sequence mtu max-delay parameter-problem packet-too-big',
    igmp: 'type mrt checksum group',
    ether: 'saddr daddr type',
    vlan: 'id dei pcp cfi type',
    arp: 'htype ptype hlen plen operation saddr daddr',
    ah: 'nexthdr hdrlength reserved spi sequence',
    esp: 'spi sequence',
    comp: 'nexthdr flags cpi',
    gre: 'flags version protocol',
  }).map(([k, v]) => [k, new Set(v.split(' '))]),
);

/** meta keys nft prints without `meta` (meta.c, META_KEY_UNQUALIFIED). */
export const BARE_META = new Set([
  'iif',
  'oif',
  'iifname',
  'oifname',
  'iiftype',
  'oiftype',
  'mark',
  'skuid',
  'skgid',
  'rtclassid',
  'ibrname',
  'obrname',
  'ibriport',
  'obriport',
  'pkttype',
  'cpu',
  'iifgroup',
  'oifgroup',
  'cgroup',
  'priority',
  'nftrace',
]);

export const CT_DIRECTIONS = new Set(['original', 'reply']);

export const BINOPS: Readonly<Record<string, { op: '&' | '|' | '^' | '<<' | '>>'; spelled?: boolean }>> = {
  '&': { op: '&' },
  '|': { op: '|' },
  '^': { op: '^' },
  '<<': { op: '<<' },
  '>>': { op: '>>' },
  and: { op: '&', spelled: true },
  or: { op: '|', spelled: true },
  xor: { op: '^', spelled: true },
};

/** The comparisons a match may spell out, verdicts without a chain, NAT statements, and what a rule does to a set. */
export const REL_OPS: ReadonlySet<string> = new Set(['==', '!=', '<', '>', '<=', '>=']);
export const PLAIN_VERDICTS: ReadonlySet<string> = new Set(['accept', 'drop', 'continue', 'return']);
export const NAT_KINDS: ReadonlySet<string> = new Set(['dnat', 'snat', 'masquerade', 'redirect']);
export const SET_OPS: ReadonlySet<string> = new Set(['add', 'update', 'delete']);

export const NAT_FLAGS = new Set(['random', 'fully-random', 'persistent', 'netmap', 'prefix']);

/** Statements that take options no analysis reads yet: kept as keyword and arguments. */
export const KEYWORD_STMTS = new Set(['log', 'limit', 'quota', 'queue', 'tproxy', 'flow', 'dup', 'fwd', 'synproxy']);

/** Words that start a statement; a keyword statement's arguments end before one. */
export const STMT_WORDS = new Set([
  'accept',
  'drop',
  'continue',
  'return',
  'jump',
  'goto',
  'counter',
  'reject',
  'dnat',
  'snat',
  'masquerade',
  'redirect',
  'notrack',
  'xt',
  'update',
  'add',
  'delete',
  'comment',
  'meta',
  'ct',
  ...KEYWORD_STMTS,
]);
