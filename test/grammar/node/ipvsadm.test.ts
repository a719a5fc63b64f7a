/** ipvsadm listings and /proc/net/ip_vs: the samples parse clean and every listing of the same services agrees. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import type { IpvsService } from '../../../src/model/ipvs';
import type { Section } from '../../../src/model/section';
import { errorsOf, only, sectionsOf } from '../../helpers/sections';
import { readShared, repoRoot, sharedTest } from '../../helpers/shared';

type Ipvs = Extract<Section, { kind: 'ipvsadm' }>;
const sample = (name: string) => readFileSync(join(repoRoot, 'samples', name), 'utf8');
const listings = () => {
  const { sections } = sectionsOf(sample('kube-node-ipvs.ipvsadm.txt'));
  return new Map((sections as Ipvs[]).map((s) => [s.listing, s]));
};
const shape = (services: readonly IpvsService[]) =>
  services.map(
    (s) =>
      `${s.protocol} ${s.endpoint ? `${s.endpoint.address}:${s.endpoint.port}` : s.fwmark} ${s.scheduler} p=${s.persistent ?? '-'} [${s.destinations.map((d) => `${d.endpoint.address}:${d.endpoint.port}/${d.forward}/${d.weight}`).join(' ')}]`,
  );

test('the ipvsadm sample: one section per listing, no diagnostics', (t) => {
  const { sections, skipped } = sectionsOf(sample('kube-node-ipvs.ipvsadm.txt'));
  t.deepEqual(
    sections.map((s) => (s as Ipvs).listing),
    ['list', 'stats', 'rate', 'persistent-conn', 'connections', 'timeout', 'save'],
  );
  t.deepEqual(
    sections.flatMap((s) => s.diagnostics),
    [],
  );
  t.deepEqual(
    skipped.map((s) => s.reason),
    ['shell prompt', 'ipvsadm version', ...Array(7).fill('shell prompt')],
  );
});

test('-Ln, -Sn and /proc/net/ip_vs describe the same services', (t) => {
  const l = listings();
  const list = shape(l.get('list')!.services);
  t.deepEqual(shape(l.get('save')!.services), list);
  const proc = only(sample('kube-node-ipvs.proc-net-ip_vs.txt'), 'ipvsadm');
  t.is(proc.listing, 'proc');
  t.deepEqual(errorsOf(proc), []);
  t.deepEqual(
    shape(proc.services),
    list.filter((s) => !s.startsWith('SCTP')),
    '/proc/net/ip_vs of this kernel lists no SCTP service',
  );
  const affinity = l.get('list')!.services.find((s) => s.persistent)!;
  t.like(affinity, { scheduler: 'rr', persistent: 10800, endpoint: { address: '10.96.120.7', port: 80 } });
  t.is(affinity.destinations.filter((d) => d.weight === 0).length, 1, 'a terminating endpoint keeps weight 0');
  const fwm = l.get('list')!.services.find((s) => s.protocol === 'FWM')!;
  t.like(fwm, { fwmark: 100, netmask: '255.255.255.0', persistent: 300 });
  t.deepEqual(l.get('list')!.services.find((s) => s.protocol === 'SCTP')!.schedulerFlags, ['sh-fallback', 'sh-port']);
  t.is(proc.services.find((s) => s.protocol === 'FWM')!.fwmark, 100);
});

test('--stats counters, --rate, connections, timeouts', (t) => {
  const l = listings();
  const api = l.get('stats')!.services[0]!;
  t.deepEqual(api.counters, {
    kind: 'stats',
    values: [1843, 2290112, 2112345, 251_000_000, 3_123_000_000],
    approximate: true,
  });
  t.is(l.get('rate')!.services[0]!.counters!.approximate, false);
  const conns = l.get('connections')!.connections;
  t.is(conns.length, 6);
  t.like(conns[0]!, {
    protocol: 'TCP',
    expires: 898,
    state: 'ESTABLISHED',
    client: { address: '10.244.1.20', port: 51234 },
    destination: { address: '10.244.1.5', port: 8080 },
  });
  t.like(conns[5]!, { protocol: 'IP', state: 'NONE', expires: 179 * 60 + 52 });
  t.deepEqual(l.get('timeout')!.timeouts, { tcp: 900, tcpfin: 120, udp: 300 });
  t.deepEqual(
    l.get('persistent-conn')!.services[0]!.destinations.map((d) => d.persistConn),
    [2, 2, 0],
  );
});

sharedTest('the prometheus/procfs /proc/net/ip_vs fixture: hex addresses, ports and marks decoded', (t) => {
  const s = only(readShared('realworld/procfs-fixture_proc-net-ip_vs.txt'), 'ipvsadm');
  t.deepEqual(errorsOf(s), []);
  t.like(s.services[0]!, { protocol: 'TCP', scheduler: 'wlc', endpoint: { address: '192.168.0.22', port: 3306 } });
  t.like(s.services[0]!.destinations[0]!, {
    endpoint: { address: '192.168.82.22', port: 3306 },
    forward: 'Tunnel',
    weight: 100,
    activeConn: 248,
    inactConn: 2,
  });
  t.like(s.services[3]!, { family: 'ipv6', endpoint: { address: '2620::1', port: 80 }, scheduler: 'sh' });
  t.is(s.services[4]!.fwmark, 0x10001000);
  const stats = only(readShared('realworld/procfs-fixture_proc-net-ip_vs_stats.txt'), 'ipvsadm');
  t.is(stats.listing, 'proc-stats');
  t.like(stats.totals!, {
    conns: 0x16aa370,
    inPackets: 0xe33656e5,
    outPackets: 0,
    inBytes: 0x51d8c8883ab3,
    connsPerSecond: 4,
    inPacketsPerSecond: 0x1fb3c,
  });
});

test('EKS ipvsadm.txt: save, rate and stats listings back to back without headers become three sections', (t) => {
  const l = sample('kube-node-ipvs.ipvsadm.txt').split('\n');
  const from = (title: string, n: number) => l.slice(l.indexOf(title) + 1, l.indexOf(title) + 1 + n).join('\n');
  const text = `${from('root@node-b:~# ipvsadm -Sn', 29)}\n\n${from('root@node-b:~# ipvsadm -Ln --rate', 32)}\n\n${from('root@node-b:~# ipvsadm -Ln --stats', 32)}\n`;
  const { sections } = sectionsOf(text);
  t.deepEqual(
    sections.map((s) => [(s as Ipvs).listing, s.records, s.diagnostics.length]),
    [
      ['save', 19, 0],
      ['rate', 19, 0],
      ['stats', 19, 0],
    ],
  );
});

test('listings without -n: host and service names, cut names, redacted addresses are kept and marked non-numeric', (t) => {
  const text = [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    'TCP  ip-10-0-62-121.ec2.internal: rr',
    '  -> 100.98.125.10:http            Masq    1      0          0         ',
    'TCP  <ipv4-public-prefix>.20:3129 rr',
    '  -> 10.0.0.5:3129                 Masq    1      0          0         ',
  ].join('\n');
  const s = only(text, 'ipvsadm');
  t.deepEqual(errorsOf(s), []);
  t.deepEqual(
    s.services[0]!.endpoint,
    { address: 'ip-10-0-62-121.ec2.internal', numeric: false, cut: true },
    'ipvsadm cut it at 28 characters',
  );
  t.deepEqual(s.services[0]!.destinations[0]!.endpoint, {
    address: '100.98.125.10',
    port: 80,
    portName: 'http',
    numeric: false,
  });
  t.deepEqual(s.services[1]!.endpoint, { address: '<ipv4-public-prefix>.20', port: 3129, numeric: false });
});

test('a line the listing refuses notes nothing in it: the names warning and the /proc spelling go with the kept lines', (t) => {
  const rate = sectionsOf(
    ['Prot LocalAddress:Port                CPS    InPPS   OutPPS    InBPS   OutBPS', 'TCP #0A60000A:23C1 rr'].join(
      '\n',
    ),
  ).sections as Ipvs[];
  t.deepEqual(
    rate.map((s) => [s.listing, s.source.startLine, s.diagnostics.map((d) => d.line)]),
    [
      ['rate', 1, []],
      ['list', 2, [2]],
    ],
    'the rate listing refused the service line, which starts a listing of its own and warns there',
  );
  const list = only(
    [
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
      'TCP  10.96.0.1:443 rr',
      '  -> 0A000005:01BB Masq 1 0',
      '  -> 10.0.0.6:443 Masq 1 0 0',
    ].join('\n'),
    'ipvsadm',
  );
  t.is(list.listing, 'list', 'the refused real server in /proc hex does not make the listing /proc/net/ip_vs');
  t.deepEqual(
    list.diagnostics.map((d) => [d.severity, d.line]),
    [['error', 4]],
  );
});

test('ipvsadm -S: tunnel checksum modes are flags, --tun-type and --tun-port are kept', (t) => {
  const s = only(
    '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 192.0.2.5:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum\n-a -t 10.0.0.1:80 -r 192.0.2.6:80 -i -w 2 --tun-csum --tun-type gre\n',
    'ipvsadm',
  ) as Ipvs;
  t.deepEqual(s.diagnostics, []);
  t.deepEqual(
    s.services[0]!.destinations.map((d) => [
      d.endpoint.address,
      d.forward,
      d.weight,
      d.tunnel,
      d.tunnelPort,
      d.tunnelChecksum,
    ]),
    [
      ['192.0.2.5', 'Tunnel', 1, 'gue', 6080, 'nocsum'],
      ['192.0.2.6', 'Tunnel', 2, 'gre', undefined, 'csum'],
    ],
  );
});
