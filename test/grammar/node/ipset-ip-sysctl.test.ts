/** ipset, ip addr, ip route and sysctl: real tool output (samples/) parses clean and agrees across its forms. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import type { Section } from '../../../src/model/section';
import { errorsOf, only, sectionsOf } from '../../helpers/sections';
import { repoRoot } from '../../helpers/shared';

const sample = (name: string) => readFileSync(join(repoRoot, 'samples', name), 'utf8');
type Of<K extends Section['kind']> = Extract<Section, { kind: K }>;

test('ipset list and ipset save of the same sets agree', (t) => {
  const [list, save] = sectionsOf(sample('kube-node-ipvs.ipset.txt')).sections as Of<'ipset'>[];
  t.is(list!.format, 'list');
  t.is(save!.format, 'save');
  t.deepEqual([...errorsOf(list!), ...errorsOf(save!)], []);
  const members = (s: Of<'ipset'>) =>
    s.sets.map((x) => [x.name, x.type, x.family, x.members.map((m) => [m.value, m.options])]);
  t.deepEqual(members(list!), members(save!));
  t.is(list!.sets.length, 12);
  const clusterIp = list!.sets.find((s) => s.name === 'KUBE-CLUSTER-IP')!;
  t.like(clusterIp, {
    type: 'hash:ip,port',
    family: 'inet',
    revision: 7,
    references: 1,
    declaredEntries: 4,
    options: { hashsize: '1024', maxelem: '65536', comment: true },
  });
  t.deepEqual(clusterIp.members[0], {
    line: clusterIp.members[0]!.line,
    value: '10.96.0.1,tcp:443',
    options: { comment: 'default/kubernetes:https cluster IP' },
  });
  const calico = list!.sets.find((s) => s.name === 'cali40masq-ipam-pools')!;
  t.deepEqual(
    calico.members.map((m) => [m.value, m.options]),
    [
      ['10.10.0.0/24', { nomatch: true }],
      ['10.244.0.0/16', {}],
    ],
  );
  t.deepEqual(list!.sets.find((s) => s.name === 'cilium_node_set_v4')!.members[1]!.options, {
    timeout: '0',
    packets: '12',
    bytes: '3400',
  });
  t.deepEqual(
    list!.sets.find((s) => s.name === 'KUBE-ALL-SETS')!.members.map((m) => m.value),
    ['KUBE-CLUSTER-IP', 'KUBE-LOAD-BALANCER'],
  );
});

test('ip addr and ip -o addr give the same addresses; routes keep types, tables and nexthops', (t) => {
  const { sections, skipped } = sectionsOf(sample('kube-node-ipvs.ip.txt'));
  t.deepEqual(
    sections.map((s) => [s.kind, s.source.command]),
    [
      ['ip-addr', 'ip addr'],
      ['ip-addr', 'ip -o addr'],
      ['ip-route', 'ip route show table all'],
      ['ip-route', 'ip -6 route'],
    ],
  );
  t.deepEqual(sections.flatMap(errorsOf), []);
  t.is(skipped.length, 4);
  const [plain, oneLine, all, v6] = sections as [Of<'ip-addr'>, Of<'ip-addr'>, Of<'ip-route'>, Of<'ip-route'>];
  const addrs = (s: Of<'ip-addr'>) =>
    s.interfaces.flatMap((i) =>
      i.addresses.map((a) => [i.name, a.family, a.address, a.prefixLength, a.scope, a.label ?? null]),
    );
  t.deepEqual(addrs(oneLine), addrs(plain));
  t.deepEqual(addrs(plain)[1], ['lo', 'inet', '172.18.0.3', 32, 'global', 'lo']);
  t.like(plain.interfaces[1]!, { name: 'veth-node', link: 'if2', mtu: 1500, state: 'DOWN', mac: '6e:28:12:a3:83:f8' });
  t.deepEqual(plain.interfaces[1]!.addresses[1]!.flags, ['nodad']);
  t.like(all.routes.find((r) => r.type === 'blackhole')!, { dst: '192.0.2.0/24', table: 'main' });
  t.like(all.routes.find((r) => r.table === '100')!, { dst: '10.0.0.0/8', via: '10.244.1.5' });
  t.deepEqual(all.routes.find((r) => r.nexthops)!.nexthops, [
    { via: '10.244.1.5', dev: 'veth-node', weight: 1 },
    { via: '10.244.1.6', dev: 'veth-node', weight: 2 },
  ]);
  t.like(all.routes.find((r) => r.type === 'local' && r.dst === '172.18.0.3/32')!, {
    table: 'local',
    src: '172.18.0.3',
    scope: 'host',
  });
  t.like(v6.routes[1]!, {
    family: 'inet6',
    dst: 'default',
    via: 'fd00:10:244:1::5',
    metric: 1024,
    attributes: { linkdown: true, pref: 'medium' },
  });
});

test('sysctl: key = value, /proc/sys paths, sysctl complaints kept as warnings', (t) => {
  const s = only(sample('kube-node-ipvs.sysctl.txt'), 'sysctl');
  t.deepEqual(s.diagnostics, []);
  t.is(s.entries.find((e) => e.key === 'net.netfilter.nf_conntrack_max')!.value, '262144');
  const other = only(
    "/proc/sys/net/ipv4/ip_forward = 1\nnet.ipv4.ip_local_port_range = 32768\t60999\nkernel.domainname = \nsysctl: permission denied on key 'net.ipv6.conf.all.stable_secret'\nnet.ipv4.conf.eth0/100.forwarding = 1\n",
    'sysctl',
  );
  t.deepEqual(
    other.entries.map((e) => [e.key, e.value]),
    [
      ['net.ipv4.ip_forward', '1'],
      ['net.ipv4.ip_local_port_range', '32768\t60999'],
      ['kernel.domainname', ''],
      ['net.ipv4.conf.eth0/100.forwarding', '1'],
    ],
  );
  t.regex(other.diagnostics[0]!.message, /permission denied/);
});
