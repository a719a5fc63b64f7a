/** Every match and target that appears on Kubernetes nodes is decoded into typed fields. */
import test from 'ava';
import { parseIptablesSave } from '../../../grammar/iptables-save/index';
import type { Rule } from '../../../src/model/ruleset';

/** Parses one rule in a table (declaring the chains it jumps to) and returns it. */
function rule(text: string, table = 'filter', family: 'ipv4' | 'ipv6' = 'ipv4'): Rule {
  const r = parseIptablesSave(`*${table}\n:X - [0:0]\n:KUBE-SEP-A - [0:0]\n-A X ${text}\nCOMMIT\n`, 't', family);
  if (r.diagnostics.length) throw new Error(JSON.stringify(r.diagnostics));
  return r.ruleset.tables[0]!.chains.find((c) => c.name === 'X')!.rules[0]!;
}
const yes = <T>(value: T) => ({ negated: false, value });
const no = <T>(value: T) => ({ negated: true, value });

test('base: addresses, interfaces with + wildcards, protocol, fragments', (t) => {
  const r = rule('! -s 10.244.0.0/16 -d 10.96.0.10/32 -i cali+ ! -o eth0 -p udp -f -j ACCEPT');
  t.deepEqual(r.source, no({ family: 'ipv4', address: '10.244.0.0', prefix: 16 }));
  t.deepEqual(r.destination, yes({ family: 'ipv4', address: '10.96.0.10', prefix: 32 }));
  t.deepEqual(r.inInterface, yes('cali+'));
  t.deepEqual(r.outInterface, no('eth0'));
  t.deepEqual(r.protocol, yes('udp'));
  t.deepEqual(r.fragment, yes(true));
  t.deepEqual(r.target, { kind: 'ACCEPT' });
});

test('tcp/udp ports and ranges, tcp flags, multiport lists', (t) => {
  t.deepEqual(rule('-p tcp -m tcp --sport 1024:65535 ! --dport 22 --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT').matches, [
    {
      module: 'tcp',
      sport: yes({ from: 1024, to: 65535 }),
      dport: no({ from: 22, to: 22 }),
      tcpFlags: yes({ mask: ['FIN', 'SYN', 'RST', 'ACK'], compare: ['SYN'] }),
    },
  ]);
  t.deepEqual(rule('-p tcp -m multiport --dports 80,443,8000:8080 -j ACCEPT').matches, [
    {
      module: 'multiport',
      dports: yes([
        { from: 80, to: 80 },
        { from: 443, to: 443 },
        { from: 8000, to: 8080 },
      ]),
    },
  ]);
  t.deepEqual(rule('-p tcp -m tcp --syn -j ACCEPT').matches[0], {
    module: 'tcp',
    tcpFlags: yes({ mask: ['FIN', 'SYN', 'RST', 'ACK'], compare: ['SYN'] }),
  });
});

test('icmp and icmpv6 types, numeric or named', (t) => {
  t.deepEqual(rule('-p icmp -m icmp --icmp-type 3/4 -j ACCEPT').matches[0], {
    module: 'icmp',
    icmpType: yes({ type: 3, codeFrom: 4, codeTo: 4 }),
  });
  t.deepEqual(rule('-p icmp -m icmp --icmp-type echo-request -j ACCEPT').matches[0], {
    module: 'icmp',
    icmpType: yes({ type: 8 }),
  });
  t.deepEqual(
    rule('-p ipv6-icmp -m icmp6 --icmpv6-type neighbour-solicitation -j ACCEPT', 'filter', 'ipv6').matches[0],
    { module: 'icmp6', icmpv6Type: yes({ type: 135 }) },
  );
});

test('kube-proxy matches: addrtype, statistic, mark, conntrack, comment, recent, set', (t) => {
  t.deepEqual(rule('-m addrtype --dst-type LOCAL -j ACCEPT').matches[0], {
    module: 'addrtype',
    dstType: yes(['LOCAL']),
  });
  t.deepEqual(rule('-m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-A', 'nat').matches[0], {
    module: 'statistic',
    mode: 'random',
    probability: yes(715827883 / 2 ** 31),
  });
  t.deepEqual(rule('-m statistic --mode nth --every 3 --packet 0 -j ACCEPT').matches[0], {
    module: 'statistic',
    mode: 'nth',
    every: yes(3),
    packet: 0,
  });
  t.deepEqual(rule('-m mark ! --mark 0x4000/0x4000 -j RETURN').matches[0], {
    module: 'mark',
    mark: no({ value: 0x4000, mask: 0x4000 }),
  });
  t.deepEqual(
    rule(
      '-m conntrack --ctstate RELATED,ESTABLISHED --ctorigdst 10.96.0.10 --ctorigdstport 53 --ctdir ORIGINAL -j ACCEPT',
    ).matches[0],
    {
      module: 'conntrack',
      ctstate: yes(['RELATED', 'ESTABLISHED']),
      ctorigdst: yes({ family: 'ipv4', address: '10.96.0.10', prefix: 32 }),
      ctorigdstport: yes({ from: 53, to: 53 }),
      ctdir: 'ORIGINAL',
    },
  );
  t.deepEqual(rule('-m comment --comment "default/web:http cluster IP" -j ACCEPT').matches[0], {
    module: 'comment',
    comment: 'default/web:http cluster IP',
  });
  t.deepEqual(
    rule(
      '-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-A --mask 255.255.255.255 --rsource -j KUBE-SEP-A',
      'nat',
    ).matches[0],
    {
      module: 'recent',
      mode: yes('rcheck'),
      seconds: 10800,
      reap: true,
      name: 'KUBE-SEP-A',
      mask: '255.255.255.255',
      side: 'rsource',
    },
  );
  t.deepEqual(rule('-m set ! --match-set KUBE-LOOP-BACK dst,dst,src -j ACCEPT').matches[0], {
    module: 'set',
    matchSet: no({ name: 'KUBE-LOOP-BACK', directions: ['dst', 'dst', 'src'] }),
  });
});

test('host firewall matches: iprange, physdev, owner, limit, hashlimit, connmark, state', (t) => {
  t.deepEqual(rule('-m iprange ! --src-range 10.0.0.1-10.0.0.50 -j ACCEPT').matches[0], {
    module: 'iprange',
    srcRange: no({ family: 'ipv4', from: '10.0.0.1', to: '10.0.0.50' }),
  });
  t.deepEqual(rule('-m physdev --physdev-in veth+ ! --physdev-is-out -j ACCEPT').matches[0], {
    module: 'physdev',
    physdevIn: yes('veth+'),
    physdevIsOut: no(true),
  });
  t.deepEqual(rule('-m owner --socket-exists ! --uid-owner 1000-2000 -j RETURN').matches[0], {
    module: 'owner',
    socketExists: yes(true),
    uidOwner: no({ from: 1000, to: 2000 }),
  });
  t.deepEqual(rule('-m limit --limit 5/min --limit-burst 10 -j ACCEPT').matches[0], {
    module: 'limit',
    limit: '5/min',
    limitBurst: 10,
  });
  t.deepEqual(
    rule('-m hashlimit --hashlimit-above 1/min --hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name ssh -j DROP')
      .matches[0],
    {
      module: 'hashlimit',
      rate: { mode: 'above', rate: '1/min' },
      burst: 5,
      mode: 'srcip',
      name: 'ssh',
    },
  );
  t.deepEqual(rule('-m connmark --mark 0x1/0xff -j ACCEPT').matches[0], {
    module: 'connmark',
    mark: yes({ value: 1, mask: 0xff }),
  });
  t.deepEqual(rule('-m state --state ESTABLISHED,RELATED -j ACCEPT').matches[0], {
    module: 'state',
    state: yes(['RELATED', 'ESTABLISHED']),
  });
});

test('NAT targets: DNAT, SNAT, MASQUERADE, REDIRECT with ranges and flags', (t) => {
  t.deepEqual(rule('-p tcp -m tcp -j DNAT --to-destination 10.244.1.5:8080', 'nat').target, {
    kind: 'DNAT',
    toDestination: [
      { family: 'ipv4', addresses: { from: '10.244.1.5', to: '10.244.1.5' }, ports: { from: 8080, to: 8080 } },
    ],
  });
  t.deepEqual(rule('-j DNAT --to-destination [fd00::5-fd00::9]:8080-8090', 'nat', 'ipv6').target, {
    kind: 'DNAT',
    toDestination: [{ family: 'ipv6', addresses: { from: 'fd00::5', to: 'fd00::9' }, ports: { from: 8080, to: 8090 } }],
  });
  t.deepEqual(rule('-j SNAT --to-source 1.2.3.4-1.2.3.10:1000-2000 --random --persistent', 'nat').target, {
    kind: 'SNAT',
    toSource: [{ family: 'ipv4', addresses: { from: '1.2.3.4', to: '1.2.3.10' }, ports: { from: 1000, to: 2000 } }],
    random: true,
    persistent: true,
  });
  t.deepEqual(rule('-j MASQUERADE --random-fully', 'nat').target, { kind: 'MASQUERADE', randomFully: true });
  t.deepEqual(rule('-p tcp -j REDIRECT --to-ports 15001', 'nat').target, {
    kind: 'REDIRECT',
    toPorts: { from: 15001, to: 15001 },
  });
});

test('mark, conntrack, logging and proxy targets', (t) => {
  t.deepEqual(rule('-j MARK --set-xmark 0x4000/0x4000', 'nat').target, {
    kind: 'MARK',
    xmark: { value: 0x4000, mask: 0x4000 },
  });
  t.deepEqual(rule('-j MARK --or-mark 0x4000', 'nat').target, { kind: 'MARK', xmark: { value: 0x4000, mask: 0x4000 } });
  t.deepEqual(rule('-j MARK --and-mark 0xff', 'nat').target, { kind: 'MARK', xmark: { value: 0, mask: 0xffffff00 } });
  t.deepEqual(rule('-j MARK --set-mark 0x10/0xff', 'nat').target, { kind: 'MARK', xmark: { value: 0x10, mask: 0xff } });
  t.deepEqual(rule('-j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff', 'mangle').target, {
    kind: 'CONNMARK',
    copy: 'restore-mark',
    nfmask: 0xff,
    ctmask: 0xff,
  });
  t.deepEqual(rule('-j CONNMARK --restore-mark --mask 0xff', 'mangle').target, {
    kind: 'CONNMARK',
    copy: 'restore-mark',
    nfmask: 0xff,
    ctmask: 0xff,
  });
  t.deepEqual(rule('-j CONNMARK --save-mark', 'mangle').target, {
    kind: 'CONNMARK',
    copy: 'save-mark',
    nfmask: 0xffffffff,
    ctmask: 0xffffffff,
  });
  t.deepEqual(rule('-j REJECT').target, { kind: 'REJECT', rejectWith: 'icmp-port-unreachable' });
  t.deepEqual(rule('-j LOG --log-prefix "IPTABLES DROP " --log-level 7 --log-uid').target, {
    kind: 'LOG',
    logPrefix: 'IPTABLES DROP ',
    logLevel: 7,
    logUid: true,
  });
  t.deepEqual(rule('-j CT --zone 7', 'raw').target, { kind: 'CT', zone: '7' });
  t.deepEqual(rule('-j CT --notrack', 'raw').target, { kind: 'CT', notrack: true });
  t.deepEqual(rule('-j NOTRACK', 'raw').target, { kind: 'NOTRACK' });
  t.deepEqual(rule('-p tcp -j TPROXY --on-port 15006 --on-ip 0.0.0.0 --tproxy-mark 0x1/0xffffffff', 'mangle').target, {
    kind: 'TPROXY',
    onPort: 15006,
    onIp: '0.0.0.0',
    tproxyMark: { value: 1, mask: 0xffffffff },
  });
});

test('an unknown option of a known module keeps that match verbatim with a warning', (t) => {
  const r = parseIptablesSave(
    '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m tcp --dport 1 --future-flag -j ACCEPT\nCOMMIT\n',
    't',
  );
  t.deepEqual(
    r.diagnostics.map((d) => [d.severity, d.column, d.message]),
    [['warning', 27, "unknown option '--future-flag' for tcp; match kept verbatim"]],
  );
  t.is(r.ruleset.tables[0]!.chains[0]!.rules[0]!.matches[0]!.module, 'opaque');
});
