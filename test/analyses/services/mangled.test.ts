/**
 * Rules kube-proxy did not write the usual way: a hand-edited ladder, a last jump with a probability, a
 * duplicated KUBE-SEP jump, dumps without comments. The shares come from the walk, so they are what the
 * kernel would do, and the findings say what is off.
 */
import test, { type ExecutionContext } from 'ava';
import type { Finding } from '../../../src/analyses/finding';
import { type ServicesAnalysis, analyzeServices } from '../../../src/analyses/services/index';
import { type GeneratedService, chainHash, kubeProxyRuleset } from '../../generators/kube-proxy-dump';
import { formatServices } from '../../../src/report/services-text';
import { nodesOfText } from '../../helpers/sections';
import { readShared, sharedTest } from '../../helpers/shared';

const ADDRESSES = `root@n1:~# ip -o addr
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: eth0    inet 192.168.0.2/24 brd 192.168.0.255 scope global eth0\\       valid_lft forever preferred_lft forever
root@n1:~# ip route
default via 192.168.0.1 dev eth0
192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.2
`;

const WEB: GeneratedService = {
  name: 'shop/web:http',
  protocol: 'tcp',
  clusterIP: '10.96.0.50',
  port: 80,
  nodePort: 30050,
  endpoints: ['10.244.1.11', '10.244.1.12', '10.244.2.13'].map((ip) => ({ ip, port: 8080 })),
  svcChain: `KUBE-SVC-${chainHash('shop/web:http', 'tcp')}`,
};

function analyse(rules: string, extra = ''): ServicesAnalysis {
  return analyzeServices(nodesOfText(`${ADDRESSES}root@n1:~# iptables-save\n${rules}${extra}`));
}

const sharesOf = (a: ServicesAnalysis, kind = 'clusterIP') =>
  Object.fromEntries(
    a.services[0]!.nodes[0]!.outcomes.find((o) => o.entry.kind === kind)!.endpoints.map((e) => [
      e.ip,
      +e.probability.toFixed(9),
    ]),
  );

const codes = (a: ServicesAnalysis) => a.findings.map((f) => f.code).sort();

/** Findings there are, each information saying `pattern`: what rests on the dumps' unknowns is no warning. */
function saidAsInformation(t: ExecutionContext, findings: readonly Finding[], pattern: RegExp): void {
  t.true(findings.length > 0);
  for (const f of findings) {
    t.is(f.severity, 'info', f.message);
    t.regex(f.message, pattern);
  }
}

/**
 * WEB's ladder with its jump to the endpoint `last` made a 50 % draw and a fall-through into KUBE-SEP-EXTRA, a chain
 * of `extra` rules: connections the ladder leaves reach endpoints again.
 */
function withExtraSep(text: string, last: string, extra: readonly string[]): string {
  const lastJump = new RegExp(
    `(-A ${WEB.svcChain} -m comment --comment "shop/web:http -> ${last.replaceAll('.', '\\.')}:8080") -j (KUBE-SEP-\\w+)`,
  );
  return text
    .replace(
      lastJump,
      `$1 -m statistic --mode random --probability 0.50000000000 -j $2\n-A ${WEB.svcChain} -j KUBE-SEP-EXTRA`,
    )
    .replace(`:${WEB.svcChain} - [0:0]\n`, `:${WEB.svcChain} - [0:0]\n:KUBE-SEP-EXTRA - [0:0]\n`)
    .replace(/(-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports)/, `${extra.join('\n')}\n$1`);
}

test('a ladder edited by hand: the shares are what the kernel applies, and uneven ones are reported', (t) => {
  const rules = kubeProxyRuleset([WEB], { clusterCidr: '10.244.0.0/16' }).replace(
    '--probability 0.33333333349',
    '--probability 0.50000000000',
  );
  const a = analyse(rules);
  t.deepEqual(sharesOf(a), { '10.244.1.11': 0.5, '10.244.1.12': 0.25, '10.244.2.13': 0.25 });
  t.deepEqual(sharesOf(a, 'nodePort'), { '10.244.1.11': 0.5, '10.244.1.12': 0.25, '10.244.2.13': 0.25 });
  t.deepEqual(codes(a), ['SVC_SKEWED_SHARES', 'SVC_SKEWED_SHARES']);
  t.regex(a.findings[0]!.message, /10\.244\.1\.11:8080 50\.0%.*even would be 33\.3% each/);
});

test('a last jump with a probability lets connections fall through: shares do not sum to one', (t) => {
  const svcChainLast = new RegExp(
    `(-A ${WEB.svcChain} -m comment --comment "shop/web:http -> 10\\.244\\.2\\.13:8080") -j`,
  );
  const rules = kubeProxyRuleset([WEB], { clusterCidr: '10.244.0.0/16' }).replace(
    svcChainLast,
    '$1 -m statistic --mode random --probability 0.50000000000 -j',
  );
  const a = analyse(rules);
  const cluster = a.services[0]!.nodes[0]!.outcomes.find((o) => o.entry.kind === 'clusterIP')!;
  t.is(+cluster.endpoints.reduce((s, e) => s + e.probability, 0).toFixed(9), +(1 - (1 / 3) * 0.5).toFixed(9));
  t.true(Math.abs(cluster.unhandled - (1 / 3) * 0.5) < 1e-9);
  t.true(codes(a).includes('SVC_SHARES_INCOMPLETE'));
  t.true(codes(a).includes('SVC_SKEWED_SHARES'));
});

test('the same endpoint behind two KUBE-SEP jumps gets two shares and is reported', (t) => {
  // kube-proxy names a SEP chain after its endpoint, so a second chain to the same endpoint is an edited ruleset.
  const text = kubeProxyRuleset([WEB], { clusterCidr: '10.244.0.0/16' });
  const sep =
    /-A (KUBE-SEP-\w+) -p tcp -m comment --comment "shop\/web:http" -m tcp -j DNAT --to-destination 10\.244\.1\.11:8080/.exec(
      text,
    )![1]!;
  const edited = withExtraSep(text, '10.244.2.13', [
    '-A KUBE-SEP-EXTRA -p tcp -m tcp -j DNAT --to-destination 10.244.1.11:8080',
  ]);
  t.true(edited.includes(sep));
  const a = analyse(edited);
  const cluster = a.services[0]!.nodes[0]!.outcomes.find((o) => o.entry.kind === 'clusterIP')!;
  t.deepEqual(cluster.duplicates, ['10.244.1.11:8080']);
  t.deepEqual(sharesOf(a), {
    '10.244.1.11': +(1 / 3 + 1 / 6).toFixed(9),
    '10.244.1.12': +(1 / 3).toFixed(9),
    '10.244.2.13': +(1 / 6).toFixed(9),
  });
  t.true(codes(a).includes('SVC_DUPLICATE_ENDPOINT'));
});

test('duplicated endpoints are listed in the order first reached, the shares by address', (t) => {
  // Endpoints in the chain out of address order; the fall-through reaches two of them again, the later-listed first.
  const web = { ...WEB, endpoints: ['10.244.2.13', '10.244.1.11', '10.244.1.12'].map((ip) => ({ ip, port: 8080 })) };
  const text = kubeProxyRuleset([web], { clusterCidr: '10.244.0.0/16' });
  const edited = withExtraSep(text, '10.244.1.12', [
    '-A KUBE-SEP-EXTRA -p tcp -m statistic --mode random --probability 0.50000000000 -m tcp -j DNAT --to-destination 10.244.1.11:8080',
    '-A KUBE-SEP-EXTRA -p tcp -m tcp -j DNAT --to-destination 10.244.2.13:8080',
  ]);
  t.not(edited, text);
  const cluster = analyse(edited).services[0]!.nodes[0]!.outcomes.find((o) => o.entry.kind === 'clusterIP')!;
  t.deepEqual(cluster.duplicates, ['10.244.2.13:8080', '10.244.1.11:8080']);
  t.deepEqual(
    cluster.endpoints.map((e) => e.ip),
    ['10.244.1.11', '10.244.1.12', '10.244.2.13'],
  );
});

test('forty endpoints in the ladder out of address order: the shares come out by address, each 1/40', (t) => {
  // Past the few endpoints found in place: the shares are found by a Map and each placed by address as reached.
  const ips = Array.from({ length: 40 }, (_, i) => `10.244.${(i * 7) % 5}.${200 - ((i * 13) % 40)}`);
  const web = { ...WEB, endpoints: ips.map((ip) => ({ ip, port: 8080 })) };
  const cluster = analyse(
    kubeProxyRuleset([web], { clusterCidr: '10.244.0.0/16' }),
  ).services[0]!.nodes[0]!.outcomes.find((o) => o.entry.kind === 'clusterIP')!;
  const byAddress = [...ips].sort((a, b) => {
    const [x, y] = [a, b].map((ip) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0));
    return x! - y!;
  });
  t.notDeepEqual(ips, byAddress);
  t.deepEqual(
    cluster.endpoints.map((e) => e.ip),
    byAddress,
  );
  for (const e of cluster.endpoints) t.is(+e.probability.toFixed(9), 0.025);
  t.deepEqual(cluster.duplicates, []);
});

test('without any comments the services are found from chain structure and named by their chain', (t) => {
  const bare = kubeProxyRuleset(
    [
      WEB,
      {
        ...WEB,
        name: 'shop/db:sql',
        clusterIP: '10.96.0.51',
        port: 5432,
        nodePort: null,
        svcChain: `KUBE-SVC-${chainHash('shop/db:sql', 'tcp')}`,
      },
    ],
    {
      clusterCidr: '10.244.0.0/16',
    },
  ).replace(/ -m comment --comment "[^"]*"/g, '');
  const a = analyse(bare);
  t.deepEqual(
    a.services.map((v) => v.service.name).sort(),
    [WEB.svcChain, `KUBE-SVC-${chainHash('shop/db:sql', 'tcp')}`].sort(),
  );
  t.true(a.services.every((v) => !v.service.named));
  const web = a.services.find((v) => v.service.name === WEB.svcChain)!;
  t.deepEqual(web.service.entryPoints.map((e) => `${e.kind} ${e.ip ?? '*'}:${e.port}`).sort(), [
    'clusterIP 10.96.0.50:80',
    'nodePort *:30050',
  ]);
  t.is(web.service.externalTrafficPolicy, 'Cluster');
  for (const o of web.nodes[0]!.outcomes) t.is(o.endpoints.length, 3);
});

test('live connections that do not fit the shares are reported with the chi-square test, fitting ones are not', (t) => {
  const rules = kubeProxyRuleset([WEB], { clusterCidr: '10.244.0.0/16' });
  const table = (counts: Record<string, number>) =>
    `root@n1:~# conntrack -L\n${Object.entries(counts)
      .flatMap(([ip, n]) =>
        Array.from(
          { length: n },
          (_, i) =>
            `tcp      6 86300 ESTABLISHED src=10.244.9.${(i % 200) + 2} dst=10.96.0.50 sport=${20000 + i} dport=80 src=${ip} dst=10.244.9.${(i % 200) + 2} sport=8080 dport=${20000 + i} [ASSURED] mark=0 use=1`,
        ),
      )
      .join(
        '\n',
      )}\nconntrack v1.4.7 (conntrack-tools): ${Object.values(counts).reduce((a, b) => a + b, 0)} flow entries have been shown.\n`;
  const skewed = analyse(rules, table({ '10.244.1.11': 120, '10.244.1.12': 30, '10.244.2.13': 30, '10.244.7.7': 4 }));
  const obs = skewed.services[0]!.nodes[0]!.observed[0]!;
  t.is(obs.elsewhere, 4);
  t.deepEqual(
    obs.counts.map((c) => c.connections),
    [120, 30, 30],
  );
  t.is(obs.chiSquare!.degreesOfFreedom, 2);
  t.true(obs.chiSquare!.pValue < 1e-6);
  t.deepEqual(codes(skewed), ['SVC_OBSERVED_SKEW']);
  const even = analyse(rules, table({ '10.244.1.11': 58, '10.244.1.12': 63, '10.244.2.13': 59 }));
  t.true(even.services[0]!.nodes[0]!.observed[0]!.chiSquare!.pValue > 0.05);
  t.deepEqual(codes(even), []);
});

test('a filter rule that drops one endpoint after the DNAT: the ladder is whole, the drop is its own finding', (t) => {
  const rules = kubeProxyRuleset([WEB], { clusterCidr: '10.244.0.0/16' }).replace(
    '\n-A FORWARD ',
    '\n-A FORWARD -d 10.244.2.13/32 -j DROP\n-A FORWARD ',
  );
  const a = analyse(rules);
  const cluster = a.services[0]!.nodes[0]!.outcomes.find((o) => o.entry.kind === 'clusterIP')!;
  t.true(Math.abs(cluster.afterDnat!.drop - 1 / 3) < 1e-9);
  t.deepEqual(cluster.afterDnat!.rules, ['filter FORWARD rule 1']);
  t.false(codes(a).includes('SVC_SHARES_INCOMPLETE'), 'kube-proxy sent every connection to an endpoint');
  const stopped = a.findings.filter((f) => f.code === 'SVC_STOPPED_AFTER_DNAT');
  t.deepEqual(
    stopped.map((f) => f.severity),
    ['warning', 'warning'],
    'cluster IP and NodePort, decided without assumptions',
  );
  t.regex(
    stopped[0]!.message,
    /^new connections from 10\.244\.255\.254 to cluster IP 10\.96\.0\.50:80 are sent to an endpoint, then 33\.3% dropped \(filter FORWARD rule 1\)$/,
  );
  // The table says the third reached an endpoint and was stopped there, not that it found none.
  const text = formatServices(a);
  t.regex(text, /\(stopped after DNAT 33\.3%\)/);
  t.notRegex(text, /\(no endpoint/);
});

sharedTest(
  'the AKS dump with Azure NPM policies: cluster IPs probed from a pod, drops behind sets not dumped are info, not a broken ladder',
  (t) => {
    const a = analyzeServices(
      nodesOfText(readShared('realworld/azure-acn_aks-node_kube-proxy-iptables_npm_iptables-save-v1.8.4.txt')),
    );
    // kube-proxy of that age writes `! -s 10.224.0.0/16 ... -j KUBE-MARK-MASQ` in KUBE-SERVICES itself.
    const clients = new Set(
      a.services.flatMap((v) =>
        v.nodes.flatMap((n) => n.outcomes.filter((o) => o.entry.kind === 'clusterIP').map((o) => o.client.src)),
      ),
    );
    t.deepEqual([...clients], ['10.224.255.254']);
    t.false(codes(a).includes('SVC_SHARES_INCOMPLETE'));
    saidAsInformation(
      t,
      a.findings.filter((f) => f.code === 'SVC_STOPPED_AFTER_DNAT'),
      /\(filter AZURE-NPM-(INGRESS|EGRESS) rule 3(; filter AZURE-NPM-(INGRESS|EGRESS) rule 3)?\), given: set azure-npm-\d+ \(not in the dumps\)/,
    );
  },
);

test('connections a rule on an unknown interface drops are a condition, not a share kube-proxy lost', (t) => {
  // A CNI's rule before kube-proxy's: whether it drops depends on the interface, which no --in names.
  const rules = kubeProxyRuleset([WEB], { clusterCidr: '10.244.0.0/16' }).replace(
    /^(\*nat\n(?::.*\n)*)/m,
    '$1-A PREROUTING -i cali+ -m comment --comment "cali:drop-unknown-workload" -j DROP\n',
  );
  t.regex(rules, /-A PREROUTING -i cali\+ .* -j DROP/);
  // Without ip addr the interfaces a packet may arrive on are unknown.
  const a = analyzeServices(nodesOfText(`root@n1:~# iptables-save\n${rules}`));
  const incomplete = a.findings.filter((f) => f.code === 'SVC_SHARES_INCOMPLETE');
  saidAsInformation(
    t,
    incomplete,
    /are sent to an endpoint on some paths and dropped on others, depending on what the dumps do not decide, given: .*cali\+/,
  );
  for (const f of incomplete) t.notRegex(f.message, /%/);
});

test('connections stopped after the DNAT because the node does not forward are told to turn forwarding on', (t) => {
  const rules = kubeProxyRuleset([WEB], { clusterCidr: '10.244.0.0/16' });
  const off = analyse(rules, 'root@n1:~# sysctl net.ipv4.ip_forward\nnet.ipv4.ip_forward = 0\n');
  const stopped = off.findings.filter((f) => f.code === 'SVC_STOPPED_AFTER_DNAT');
  t.true(stopped.length > 0);
  for (const f of stopped) {
    t.regex(f.message, /forwarding is off \(net\.ipv4\.ip_forward = 0\)/);
    t.regex(f.remedy, /^turn forwarding on \(sysctl -w net\.ipv4\.ip_forward=1/);
  }
});
