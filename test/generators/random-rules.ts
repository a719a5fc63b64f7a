/**
 * Random iptables rules in the spellings people and tools feed to iptables-restore (implicit protocol
 * matches, names for ICMP types, `--syn`, dotted masks, uncanonical order of conntrack states, …).
 * Every rule is one the kernel accepts in a user chain of its table, so the same rulesets serve the
 * property test (print → parse → print) and the kernel differential test (iptables-restore + iptables-save).
 */
import fc from 'fast-check';

export type TableKind = 'filter' | 'nat' | 'mangle' | 'raw';

const ifaces = fc.constantFrom('eth0', 'lo', 'cali+', 'veth1234ab', 'cni0', 'flannel.1', 'kube-ipvs0');
const neg = fc.boolean().map((b) => (b ? '! ' : ''));

const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const cidr = fc.oneof(
  ipv4,
  fc.tuple(ipv4, fc.integer({ min: 1, max: 32 })).map(([a, p]) => `${a}/${p}`),
  fc.tuple(ipv4, fc.integer({ min: 1, max: 32 })).map(([a, p]) => `${a}/${maskOf(p)}`),
);
/** The kernel refuses `! -s 0.0.0.0/0`; a plain `/0` is accepted and left out by iptables-save. */
const address = fc.oneof(
  fc.tuple(neg, cidr).map(([n, c]) => `${n}${c}`),
  ipv4.map((a) => `${a}/0`),
);
const byAddress = (a: string, b: string) => {
  const n = (s: string) => s.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return n(a) - n(b);
};

function maskOf(prefix: number): string {
  const m = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 255).join('.');
}

const port = fc.integer({ min: 1, max: 65535 });
const portRange = fc.oneof(
  port.map(String),
  fc.tuple(port, port).map(([a, b]) => `${Math.min(a, b)}:${Math.max(a, b)}`),
);
const portList = fc.uniqueArray(port, { minLength: 1, maxLength: 6 }).map((ps) => ps.join(','));
const commentText = fc
  .stringMatching(/^[A-Za-z0-9 _:/.$"'\\-]{0,40}$/)
  .map((s) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`);
const mark = fc
  .tuple(fc.nat(0xffff), fc.constantFrom('', '/0xffff', '/0x4000', '/0xffffffff'))
  .map(([v, m]) => `0x${v.toString(16)}${m}`);
const states = fc
  .subarray(['ESTABLISHED', 'RELATED', 'NEW', 'INVALID', 'DNAT', 'SNAT', 'UNTRACKED'], { minLength: 1 })
  .map((s) => s.join(','));

const tcpOpts = fc
  .tuple(
    fc.option(
      fc.tuple(neg, portRange).map(([n, p]) => `${n}--sport ${p}`),
      { nil: '' },
    ),
    fc.option(
      fc.tuple(neg, portRange).map(([n, p]) => `${n}--dport ${p}`),
      { nil: '' },
    ),
    fc.option(
      fc.constantFrom('--syn', '--tcp-flags SYN,RST SYN', '--tcp-flags ALL NONE', '! --tcp-flags FIN,SYN,RST,ACK SYN'),
      { nil: '' },
    ),
  )
  .map((parts) => parts.filter(Boolean).join(' '));
const udpOpts = fc
  .tuple(
    fc.option(
      fc.tuple(neg, portRange).map(([n, p]) => `${n}--sport ${p}`),
      { nil: '' },
    ),
    fc.option(
      fc.tuple(neg, portRange).map(([n, p]) => `${n}--dport ${p}`),
      { nil: '' },
    ),
  )
  .map((parts) => parts.filter(Boolean).join(' '));

/** One `-p` clause and its protocol match, explicit (`-m tcp`) or implicit. */
const protocolPart = fc.oneof(
  fc.constant(''),
  fc.tuple(fc.boolean(), tcpOpts).map(([explicit, o]) => (o ? `-p tcp ${explicit ? '-m tcp ' : ''}${o}` : '-p tcp')),
  fc.tuple(fc.boolean(), udpOpts).map(([explicit, o]) => (o ? `-p udp ${explicit ? '-m udp ' : ''}${o}` : '-p udp')),
  fc.constantFrom(
    '-p icmp -m icmp --icmp-type 8',
    '-p icmp --icmp-type echo-reply',
    '-p icmp -m icmp --icmp-type 3/4',
    '-p icmp -m icmp ! --icmp-type any',
  ),
  fc
    .tuple(fc.constantFrom('tcp', 'udp'), fc.constantFrom('--dports', '--sports', '! --dports'), portList)
    .map(([p, o, l]) => `-p ${p} -m multiport ${o} ${l}`),
);

const extraMatch = fc.oneof(
  commentText.map((c) => `-m comment --comment ${c}`),
  fc.tuple(neg, mark).map(([n, m]) => `-m mark ${n}--mark ${m}`),
  fc.tuple(neg, states).map(([n, s]) => `-m conntrack ${n}--ctstate ${s}`),
  fc
    .tuple(neg, states)
    .map(([n, s]) => `-m state ${n}--state ${s.replace(/,?(DNAT|SNAT)/g, '').replace(/^,/, '') || 'NEW'}`),
  fc
    .tuple(neg, fc.constantFrom('LOCAL', 'UNICAST', 'BROADCAST', 'MULTICAST', 'LOCAL,UNICAST'))
    .map(([n, tp]) => `-m addrtype ${n}--dst-type ${tp}`),
  fc
    .integer({ min: 1, max: 10 ** 10 - 1 })
    .map((n) => `-m statistic --mode random --probability 0.${String(n).padStart(10, '0')}`),
  fc.integer({ min: 2, max: 10 }).map((n) => `-m statistic --mode nth --every ${n} --packet 0`),
  fc.tuple(ipv4, ipv4).map(([a, b]) => `-m iprange --src-range ${[a, b].sort(byAddress).join('-')}`),
  fc
    .tuple(
      fc.integer({ min: 1, max: 100 }),
      fc.constantFrom('second', 'sec', 'minute', 'hour'),
      fc.integer({ min: 1, max: 20 }),
    )
    .map(([r, u, b]) => `-m limit --limit ${r}/${u} --limit-burst ${b}`),
  fc.tuple(neg, ipv4).map(([n, a]) => `-m conntrack ${n}--ctorigdst ${a}`),
  fc.constantFrom('-m pkttype --pkt-type multicast', '-m length --length 0:64', '-m physdev --physdev-is-bridged'),
);

const filterTarget = fc.oneof(
  fc.constantFrom(
    '-j ACCEPT',
    '-j DROP',
    '-j RETURN',
    '-j REJECT',
    '-j REJECT --reject-with icmp-host-prohibited',
    '-j Y',
    '-g Y',
    '',
  ),
  fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9 :_-]{1,20}$/), fc.constantFrom('', ' --log-level 7', ' --log-level info'))
    .map(([p, l]) => `-j LOG --log-prefix "${p}"${l}`),
  mark.map((m) => `-j MARK --set-xmark ${m.includes('/') ? m : `${m}/0xffffffff`}`),
  mark.map((m) => `-j MARK --set-mark ${m}`),
);
const natTarget = fc.oneof(
  fc.constantFrom(
    '-j ACCEPT',
    '-j RETURN',
    '-j Y',
    '-j MASQUERADE',
    '-j MASQUERADE --random-fully',
    '-j MARK --set-xmark 0x4000/0x4000',
  ),
  fc
    .tuple(ipv4, fc.option(port, { nil: undefined }))
    .map(([a, p]) => `-j DNAT --to-destination ${a}${p ? `:${p}` : ''}`),
  fc.tuple(ipv4, fc.boolean()).map(([a, r]) => `-j SNAT --to-source ${a}${r ? ' --random-fully' : ''}`),
);

export function ruleText(table: TableKind): fc.Arbitrary<string> {
  const target = table === 'nat' ? natTarget : filterTarget;
  return fc
    .tuple(
      fc.option(
        address.map((a) => (a.startsWith('! ') ? `! -s ${a.slice(2)}` : `-s ${a}`)),
        { nil: '' },
      ),
      fc.option(
        address.map((a) => (a.startsWith('! ') ? `! -d ${a.slice(2)}` : `-d ${a}`)),
        { nil: '' },
      ),
      fc.option(
        fc.tuple(neg, ifaces).map(([n, i]) => `${n}-i ${i}`),
        { nil: '' },
      ),
      fc.option(
        fc.tuple(neg, ifaces).map(([n, i]) => `${n}-o ${i}`),
        { nil: '' },
      ),
      protocolPart,
      fc.array(extraMatch, { maxLength: 3 }),
      target,
    )
    .map(([s, d, i, o, p, ms, j]) => {
      // nat targets that need ports need a protocol; REJECT with tcp-reset would too, so it is not generated.
      const needsProto = /--to-destination \S+:\d+/.test(j) && !/-p (tcp|udp)/.test(p);
      return [s, d, i, o, needsProto ? '-p tcp' : p, ...ms, j].filter(Boolean).join(' ');
    });
}

/** A ruleset of one table: chains X and Y and the given rules in X (restore input). */
export function rulesetText(table: TableKind, rules: readonly string[]): string {
  const builtins = {
    filter: ['INPUT', 'FORWARD', 'OUTPUT'],
    nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
    mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
    raw: ['PREROUTING', 'OUTPUT'],
  }[table];
  return [
    `*${table}`,
    ...builtins.map((b) => `:${b} ACCEPT [0:0]`),
    ':X - [0:0]',
    ':Y - [0:0]',
    ...rules.map((r) => `-A X ${r}`),
    'COMMIT',
    '',
  ].join('\n');
}

export const rulesetArbitrary = fc
  .constantFrom<TableKind>('filter', 'nat')
  .chain((table) =>
    fc.array(ruleText(table), { minLength: 1, maxLength: 25 }).map((rules) => rulesetText(table, rules)),
  );
