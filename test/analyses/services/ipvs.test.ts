/**
 * IPVS mode: services from ipvsadm with kube-proxy's ipsets naming and classifying the virtual services,
 * and shares from each scheduler's rule (ip_vs_rr.c, ip_vs_wrr.c, ip_vs_lc.c, ip_vs_wlc.c, ip_vs_sed.c,
 * ip_vs_nq.c, ip_vs_fo.c).
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { analyzeAll } from '../../../src/analyses/analyze/index';
import { analyzeServices } from '../../../src/analyses/services/index';
import { analyzeStale } from '../../../src/analyses/stale/index';
import { servicesAnalysis } from '../../../src/library/services';
import { findSections, findSectionsInText } from '../../../src/input/sections';
import { nodesOfInputs } from '../../../src/model/node';

const samples = ['ipvsadm', 'ipset', 'ip'].map((k) => `samples/kube-node-ipvs.${k}.txt`);
const found = await findSections(samples);
const sample = analyzeServices(nodesOfInputs(found.sections));
const byName = (name: string) => sample.services.find((v) => v.service.name === name)!;
const shares = (name: string, kind = 'clusterIP') =>
  Object.fromEntries(
    byName(name)
      .nodes[0]!.outcomes.find((o) => o.entry.kind === kind)!
      .endpoints.map((e) => [`${e.ip}:${e.port}`, e.probability]),
  );

test('the sample files are one node in IPVS mode, its services named by the ipset comments', (t) => {
  t.deepEqual(
    sample.nodes.map((n) => [n.name, n.proxyMode]),
    [['kube-node-ipvs.ipvsadm.txt', 'ipvs']],
  );
  t.true(
    ['default/kubernetes:https', 'kube-system/kube-dns:dns', 'kube-system/kube-dns:dns-tcp', 'shop/web:http'].every(
      (n) => sample.services.some((v) => v.service.name === n),
    ),
  );
  // FWM services are not Kubernetes services: they have no address to send to.
  t.false(sample.services.some((v) => v.service.entryPoints.some((e) => e.port === 0)));
});

test('rr spreads evenly over servers with weight, a weight-0 (terminating) server gets nothing new', (t) => {
  t.deepEqual(shares('shop/web:http'), { '10.244.1.5:8080': 0.5, '10.244.1.6:8080': 0.5, '10.244.2.9:8080': 0 });
  t.deepEqual(shares('shop/web:http', 'nodePort'), shares('shop/web:http'));
  t.is(byName('shop/web:http').service.affinitySeconds, 10800);
  t.deepEqual(
    byName('shop/web:http').service.entryPoints.map((e) => `${e.kind} ${e.ip ?? '*'}:${e.port}`),
    ['clusterIP 10.96.120.7:80', 'nodePort *:30080'],
  );
});

test('wrr follows the weights; the load-balancer set says what the address is', (t) => {
  const lb = sample.services.find((v) => v.service.entryPoints.some((e) => e.ip === '203.0.113.10'))!;
  t.is(lb.service.entryPoints[0]!.kind, 'loadBalancer');
  t.deepEqual(Object.values(lb.nodes[0]!.outcomes[0]!.endpoints.map((e) => e.probability)), [0.75, 0.25]);
});

test('IPVS connections are counted per real server against the shares', (t) => {
  const web = byName('shop/web:http').nodes[0]!.observed.find((o) => o.entry.kind === 'clusterIP')!;
  t.is(web.source, 'ipvs');
  t.deepEqual(
    web.counts.map((c) => [c.ip, c.connections]),
    [
      ['10.244.1.5', 1],
      ['10.244.1.6', 0],
    ],
  );
  // The weight-0 server still carries a TIME_WAIT entry; the IP persistence template is not a connection.
  t.is(web.elsewhere, 1);
  t.is(web.chiSquare, null);
});

function scheduled(scheduler: string, rows: string): Record<string, number> {
  const text = `root@n:~# ipvsadm -Ln\nIP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  10.96.0.9:80 ${scheduler}\n${rows}`;
  const a = analyzeServices(nodesOfInputs(findSectionsInText(text, 'n.txt', 'n').sections));
  const o = a.services[0]!.nodes[0]!.outcomes[0]!;
  return Object.fromEntries(o.endpoints.map((e) => [e.ip, e.probability]));
}

const ROWS = [
  '  -> 10.244.0.1:80                 Masq    1      4          0         ',
  '  -> 10.244.0.2:80                 Masq    3      6          0         ',
  '  -> 10.244.0.3:80                 Masq    2      3          400       ',
  '  -> 10.244.0.4:80                 Masq    0      0          0         ',
].join('\n');

test('lc, wlc, sed, nq and fo send the next connection where the counters say', (t) => {
  // lc: overhead = 256·active + inactive → 1024, 1536, 1168: the first server.
  t.deepEqual(scheduled('lc', ROWS), { '10.244.0.1': 1, '10.244.0.2': 0, '10.244.0.3': 0, '10.244.0.4': 0 });
  // wlc: overhead / weight → 1024, 512, 584: the second.
  t.deepEqual(scheduled('wlc', ROWS), { '10.244.0.1': 0, '10.244.0.2': 1, '10.244.0.3': 0, '10.244.0.4': 0 });
  // sed: (active + 1) / weight → 5, 2.33, 2: the third.
  t.deepEqual(scheduled('sed', ROWS), { '10.244.0.1': 0, '10.244.0.2': 0, '10.244.0.3': 1, '10.244.0.4': 0 });
  // fo: the highest weight.
  t.deepEqual(scheduled('fo', ROWS), { '10.244.0.1': 0, '10.244.0.2': 1, '10.244.0.3': 0, '10.244.0.4': 0 });
  // nq: an idle server with weight wins outright; the weight-0 one is never chosen.
  t.deepEqual(scheduled('nq', ROWS.replace('Masq    1      4', 'Masq    1      0')), {
    '10.244.0.1': 1,
    '10.244.0.2': 0,
    '10.244.0.3': 0,
    '10.244.0.4': 0,
  });
  t.deepEqual(scheduled('wrr', ROWS), { '10.244.0.1': 1 / 6, '10.244.0.2': 0.5, '10.244.0.3': 1 / 3, '10.244.0.4': 0 });
});

test('a virtual service whose servers all have weight 0 rejects new connections', (t) => {
  const text = `root@n:~# ipvsadm -Ln\nIP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  10.96.0.9:80 rr\n  -> 10.244.0.1:80                 Masq    0      4          0         \n`;
  const a = analyzeServices(nodesOfInputs(findSectionsInText(text, 'n.txt', 'n').sections));
  t.is(a.services[0]!.nodes[0]!.outcomes[0]!.verdict, 'reject');
});

test('every sample file of the IPVS node, /proc/net/ip_vs beside ipvsadm -Ln, is one node, and each virtual service counts once', async (t) => {
  const all = await findSections(
    ['ipvsadm', 'proc-net-ip_vs', 'ipset', 'ip', 'sysctl'].map((k) => `samples/kube-node-ipvs.${k}.txt`),
  );
  const nodes = nodesOfInputs(all.sections);
  t.deepEqual(
    nodes.map((n) => n.name),
    ['kube-node-ipvs.ipvsadm.txt'],
  );
  const report = analyzeAll(nodes, {}, all.skipped);
  t.is(report.nodes[0]!.ipvsServices, 10, 'the ten virtual services of ipvsadm -Ln, however many listings show them');
  t.false(
    report.findings.some((f) => f.code === 'SVC_ENDPOINTS_DIFFER'),
    'two views of one table are not two nodes that disagree',
  );
  const ln = readFileSync('samples/kube-node-ipvs.ipvsadm.txt', 'utf8');
  const two = ['node-a.txt', 'node-b.txt'].flatMap((name) => findSectionsInText(ln, name, name).sections);
  t.deepEqual(
    nodesOfInputs(two).map((n) => n.name),
    ['node-a.txt', 'node-b.txt'],
    'two ipvsadm -Ln files are two nodes',
  );
});

test('a virtual service with no real server is a service without endpoints: IPVS refuses its connections', (t) => {
  t.deepEqual(
    sample.findings.filter((f) => f.code === 'SVC_NO_ENDPOINTS'),
    [],
  );
  // The sample's listing with the web service's real servers gone, as kube-proxy leaves it when no pod is ready.
  const listing = readFileSync('samples/kube-node-ipvs.ipvsadm.txt', 'utf8');
  const lines = listing.split('\n');
  const at = lines.findIndex((l) => /^TCP {2}10\.96\.\d+\.\d+:80 /.test(l));
  t.true(at > 0);
  let end = at + 1;
  while (lines[end]?.startsWith('  -> ')) end++;
  const emptied = [...lines.slice(0, at + 1), ...lines.slice(end)].join('\n');
  const others = samples.slice(1).map((f) => readFileSync(f, 'utf8'));
  const report = analyzeServices(
    nodesOfInputs(findSectionsInText([emptied, ...others].join('\n'), 'n.txt', 'n').sections),
  );
  const found = report.findings.filter((f) => f.code === 'SVC_NO_ENDPOINTS');
  t.deepEqual(
    found.map((f) => [f.severity, f.evidence[0]!.line]),
    [['warning', at + 1]],
  );
  t.regex(found[0]!.message, /has no endpoints: its IPVS virtual services have no real server, and the node refuses/);
});

/** The output of one command of the sample's ipvsadm file, with its prompt line. */
function sampleOutput(command: string): string {
  const lines = readFileSync('samples/kube-node-ipvs.ipvsadm.txt', 'utf8').split('\n');
  const at = lines.indexOf(`root@node-b:~# ${command}`);
  const end = lines.findIndex((l, i) => i > at && l.startsWith('root@'));
  return `${lines.slice(at, end < 0 ? undefined : end).join('\n')}\n`;
}
const others = samples.slice(1).map((f) => readFileSync(f, 'utf8'));
const servicesOf = (...texts: string[]) =>
  analyzeServices(nodesOfInputs(findSectionsInText([...texts, ...others].join('\n'), 'n.txt', 'n').sections));
const sharesOf = (a: ReturnType<typeof analyzeServices>) =>
  a.services
    .flatMap((v) =>
      v.nodes[0]!.outcomes.map(
        (o) =>
          `${o.entry.kind} ${o.entry.ip}:${o.entry.port} ${o.endpoints.map((e) => `${e.ip}:${e.port}=${e.probability}`).join(' ')}`,
      ),
    )
    .sort();

const estimatesOf = (a: ReturnType<typeof analyzeServices>) =>
  a.services
    .flatMap((v) => v.nodes[0]!.outcomes.map((o) => `${o.entry.ip}:${o.entry.port} ${o.estimate ?? ''}`))
    .sort();

test('--stats prints no scheduler nor weights: beside -Sn the shares are -Ln’s; alone, kube-proxy’s rr is assumed and said', (t) => {
  const stats = sampleOutput('ipvsadm -Ln --stats');
  const save = sampleOutput('ipvsadm -Sn');
  const ln = servicesOf(sampleOutput('ipvsadm -Ln'));
  const whole = { shares: sharesOf(ln), estimates: estimatesOf(ln) };
  for (const texts of [
    [stats, save],
    [save, stats],
  ]) {
    const a = servicesOf(...texts);
    t.deepEqual(sharesOf(a), whole.shares);
    t.deepEqual(estimatesOf(a), whole.estimates);
  }
  const alone = servicesOf(stats).services.flatMap((v) => v.nodes[0]!.outcomes);
  t.true(alone.length > 0);
  for (const o of alone) {
    t.regex(o.estimate ?? '', /shows no scheduler .*rr, is assumed/);
    t.deepEqual(
      o.endpoints.map((e) => e.probability),
      o.endpoints.map(() => 1 / o.endpoints.length),
    );
  }
});

test('ipvsadm -Ln -t VIP:PORT lists one service: such listings add up, are said partial, and leave what they do not show undecided in stale', (t) => {
  const listing = sampleOutput('ipvsadm -Ln').split('\n');
  const header = listing.slice(2, 4);
  const one = (service: RegExp) => {
    const at = listing.findIndex((l) => service.test(l));
    let end = at + 1;
    while (listing[end]?.startsWith('  -> ')) end++;
    const [proto, vip] = listing[at]!.split(/\s+/);
    return `root@node-b:~# ipvsadm -Ln -${proto === 'TCP' ? 't' : 'u'} ${vip}\n${[...header, ...listing.slice(at, end)].join('\n')}\n`;
  };
  const web = one(/^TCP {2}10\.96\.120\.7:80 /);
  const dns = one(/^TCP {2}10\.96\.0\.10:53 /);
  const a = servicesOf(web, dns);
  const found = findSectionsInText([web, dns, ...others].join('\n'), 'n.txt', 'n');
  t.deepEqual(
    a.services.flatMap((v) => v.service.entryPoints.map((e) => `${v.service.protocol} ${e.ip}:${e.port}`)).sort(),
    ['tcp 10.96.0.10:53', 'tcp 10.96.120.7:80'],
  );
  t.deepEqual(
    servicesAnalysis(found)
      .findings.filter((f) => f.code === 'INPUT_PARTIAL')
      .map((f) => /filtered \(`(.*?)`\)/.exec(f.message)?.[1]),
    ['ipvsadm -Ln -t 10.96.120.7:80', 'ipvsadm -Ln -t 10.96.0.10:53'],
  );
  // -Lnc's connections to the UDP DNS service, which neither listing shows, are undecided, not stale.
  const connections = sampleOutput('ipvsadm -Lnc');
  const nodes = nodesOfInputs(findSectionsInText([web, dns, connections, ...others].join('\n'), 'n.txt', 'n').sections);
  const report = analyzeStale(nodes);
  t.deepEqual(
    report.stale.map((e) => `${e.kind} ${e.dst}:${e.dport}`),
    [],
  );
  t.true(
    report.nodes[0]!.undecided.some((u) => /IPVS listing at n\.txt:\d+ was filtered \(`ipvsadm -Ln -t/.test(u.why)),
    JSON.stringify(report.nodes[0]!.undecided),
  );
  const wholeReport = analyzeStale(
    nodesOfInputs(
      findSectionsInText([sampleOutput('ipvsadm -Ln'), connections, ...others].join('\n'), 'n.txt', 'n').sections,
    ),
  );
  t.deepEqual(
    wholeReport.stale.map((e) => `${e.kind} ${e.dst}:${e.dport}`),
    ['ipvs-real-server-gone 10.96.0.10:53'],
  );
});

test("EKS's ipvsadm.txt (--save without -n, then --rate and --stats): a service the save names by host is read from the numeric listings", (t) => {
  const body = (command: string) => sampleOutput(command).split('\n').slice(1).join('\n');
  const save = body('ipvsadm -Sn').replace('-t 10.96.0.1:443', '-t ip-10-96-0-1.ec2.internal:https');
  const text = [save, body('ipvsadm -Ln --rate'), body('ipvsadm -Ln --stats')].join('\n');
  const a = servicesOf(text);
  const entries = a.services.flatMap((v) => v.service.entryPoints.map((e) => `${e.ip}:${e.port}`));
  t.true(entries.includes('10.96.0.1:443'), entries.join(', '));
  t.false(entries.some((e) => e.startsWith('ip-10-96-0-1')));
});
