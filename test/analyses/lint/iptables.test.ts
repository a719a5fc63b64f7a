/**
 * Rules lint on real-looking dumps: each finding made to happen on a small dump, kube-proxy's own output
 * (generated and captured) clean, and the third-party dumps in ../shared/realworld giving exactly the
 * dead and duplicate rules read off them by hand (each listed below with why it is dead).
 */
import test from 'ava';
import { analyzeLint } from '../../../src/analyses/lint/index';
import type { Finding } from '../../../src/analyses/finding';
import { findSectionsInText } from '../../../src/input/sections';
import { loadSections } from '../../../src/cli/load';
import { nodesOfInputs } from '../../../src/model/node';
import { dedent } from '../../helpers/dedent';
import { kubeProxyDump } from '../../generators/kube-proxy-dump';
import { sharedFile, sharedTest } from '../../helpers/shared';

function lint(text: string, clientCidrs: string[] = []): Finding[] {
  const found = findSectionsInText(text, 'n1.txt', 'n1');
  return analyzeLint(nodesOfInputs(found.sections), { clientCidrs });
}

const summary = (fs: readonly Finding[]) =>
  fs
    .map(
      (f) =>
        `${f.code} ${f.subject}: ${f.evidence
          .map((e) => e.line)
          .sort((a, b) => a - b)
          .join(',')}`,
    )
    .sort();

test('dead, duplicate and idle rules, missing and unused chains, loops', (t) => {
  const dump = dedent`
    *filter
    :INPUT ACCEPT [10:1000]
    :FORWARD DROP [0:0]
    :OUTPUT ACCEPT [0:0]
    :A - [0:0]
    :B - [0:0]
    :SPARE - [0:0]
    [5:300] -A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 20:30 -j ACCEPT
    [0:0] -A INPUT -s 10.1.0.0/16 -p tcp -m tcp --dport 22 -m comment --comment "ssh from lab" -j ACCEPT
    [2:100] -A INPUT -s 10.1.0.0/16 -p udp -m udp --dport 22 -j ACCEPT
    [0:0] -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    [0:0] -A INPUT -m state --state ESTABLISHED -j ACCEPT
    [0:0] -A INPUT -m statistic --mode random --probability 0.5 -j DROP
    [0:0] -A INPUT -m statistic --mode random --probability 0.5 -j DROP
    [3:120] -A INPUT -j A
    [0:0] -A INPUT -j A
    [0:0] -A A -j B
    [0:0] -A B -j A
    [0:0] -A OUTPUT -j MISSING
    COMMIT
  `;
  const got = summary(lint(dump));
  // Lines: 8 the broad ACCEPT, 9 the ssh rule it hides, 10 udp (not hidden), 11-12 conntrack/state, 13-14 two
  // random draws (not duplicates: the second draw is a new one), 15-16 the repeated jump, 17-18 the loop.
  t.deepEqual(
    got,
    [
      'LINT_DUPLICATE_RULE filter INPUT: 15,16',
      'LINT_LOOP filter A → B: 17,18',
      'LINT_MISSING_CHAIN filter OUTPUT: 19',
      'LINT_UNREACHABLE_RULE filter INPUT: 8,9',
      'LINT_UNREACHABLE_RULE filter INPUT: 11,12',
      'LINT_UNUSED_CHAIN filter SPARE: 7',
      'LINT_ZERO_COUNTERS filter table: 9,11,12,13,14,16,17,18,19',
    ].sort(),
  );
});

test("kube-proxy's masquerade plumbing missing, and a client network inside the cluster CIDR", (t) => {
  const { text } = kubeProxyDump({ services: 3, clusterCidr: '10.244.0.0/16' });
  t.deepEqual(
    lint(text, ['192.168.0.0/16']).filter((f) => f.severity !== 'info'),
    [],
  );
  const overlap = lint(text, ['10.244.128.0/17', '172.16.0.0/12']);
  t.deepEqual(summary(overlap.filter((f) => f.code === 'LINT_CLIENT_CIDR_OVERLAP')), [
    'LINT_CLIENT_CIDR_OVERLAP 10.244.128.0/17: ',
  ]);
  const flushed = text.replace(/^-A POSTROUTING .*KUBE-POSTROUTING\n/m, '');
  t.not(flushed, text);
  const f = lint(flushed).find((x) => x.code === 'LINT_KUBE_MASQ_MISSING');
  t.regex(f?.message ?? '', /the nat POSTROUTING jump to KUBE-POSTROUTING is not/);
});

test('kube-proxy output, generated at scale, has no dead, duplicate or broken rules', (t) => {
  const { text } = kubeProxyDump({ services: 300 });
  const found = lint(text).filter((f) => f.code !== 'LINT_UNUSED_CHAIN' && f.code !== 'LINT_ZERO_COUNTERS');
  t.deepEqual(summary(found), []);
});

test('rules whose MAC a paste masked are neither repeats nor dead: the MACs they held may differ', (t) => {
  // The shape of a published dump that masked every --mac-source (netnetwork's tum_chair): one host, several MACs.
  const dump = (mac: (i: number) => string) => dedent`
    *filter
    :INPUT ACCEPT [0:0]
    :FORWARD ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    :mac_0 - [0:0]
    -A FORWARD -j mac_0
    -A mac_0 -s 131.159.74.67/32 -m mac --mac-source ${mac(1)} -j RETURN
    -A mac_0 -s 131.159.74.67/32 -m mac --mac-source ${mac(2)} -j RETURN
    -A mac_0 -s 131.159.74.67/32 -j DROP
    COMMIT
  `;
  const dead = (text: string) =>
    summary(lint(text).filter((f) => f.code === 'LINT_DUPLICATE_RULE' || f.code === 'LINT_UNREACHABLE_RULE'));
  t.deepEqual(dead(dump(() => 'XX:XX:XX:XX:XX:XX')), []);
  t.deepEqual(dead(dump(() => '52:54:00:12:34:56')), ['LINT_DUPLICATE_RULE filter mac_0: 7,8']);
  t.deepEqual(dead(dump((i) => `52:54:00:12:34:5${i}`)), []);
});

sharedTest('third-party dumps: exactly the dead and duplicate rules they hold, and nothing broken', async (t) => {
  const files = [
    'azure-acn_aks-node_docker_npm_iptables-save-v1.8.4.txt',
    'azure-acn_aks-node_kube-proxy-iptables_npm_iptables-save-v1.8.4.txt',
    'netnetwork_docker_topos_iptables-save-v1.6.0.txt',
    'netnetwork_home_user_iptables-save-v1.4.14.txt',
    'netnetwork_openlab_iptables-save-v1.4.21.txt',
    'netnetwork_shorewall_iptables-save-v1.4.21.txt',
    'netnetwork_synology_ip6tables-save-v1.6.0.txt',
    'netnetwork_ugent_iptables-save-v1.3.5.txt',
  ];
  const dead: string[] = [];
  for (const file of files) {
    const found = await loadSections([sharedFile(`realworld/${file}`)]);
    const findings = analyzeLint(nodesOfInputs(found.sections));
    t.deepEqual(
      findings.filter((f) => f.severity === 'error'),
      [],
      file,
    );
    for (const f of findings.filter((x) => x.code === 'LINT_UNREACHABLE_RULE' || x.code === 'LINT_DUPLICATE_RULE'))
      dead.push(
        `${file.split('_')[1]} ${f.code} ${f.subject}: ${f.message
          .match(/rules? [\d, ]+/g)!
          .map((x) => x.trim())
          .join(' / ')}`,
      );
  }
  t.deepEqual(
    dead.sort(),
    [
      // rule 6 is rule 3 again; rule 8 adds set tests to rule 3's and so can only match what 3 already dropped
      'aks-node LINT_DUPLICATE_RULE filter AZURE-NPM-INGRESS-DROPS: rule 6 / rule 3',
      'aks-node LINT_UNREACHABLE_RULE filter AZURE-NPM-INGRESS-DROPS: rule 3 / rule 8',
      // the pod source and pod destination rules lost their -s/-d: both accept RELATED,ESTABLISHED
      'aks-node LINT_UNREACHABLE_RULE filter KUBE-FORWARD: rule 3 / rule 4',
      'aks-node LINT_UNREACHABLE_RULE filter KUBE-FORWARD: rule 3 / rule 4',
      // RETURN for 10.224.0.0/12 already covers 10.224.0.0/16
      'aks-node LINT_UNREACHABLE_RULE nat IP-MASQ-AGENT: rule 1 / rule 2',
      // the same port DNATed twice, to two hosts
      'home LINT_UNREACHABLE_RULE nat PREROUTING: rule 1 / rule 2',
      'home LINT_UNREACHABLE_RULE raw invalid_ext: rule 13 / rule 15',
      'home LINT_UNREACHABLE_RULE raw invalid_ext: rule 14 / rule 16',
      'home LINT_UNREACHABLE_RULE raw invalid_ext: rule 31 / rule 33',
      'home LINT_UNREACHABLE_RULE raw invalid_ext: rule 32 / rule 34',
      'home LINT_UNREACHABLE_RULE raw invalid_vpn: rule 11 / rule 13',
      'home LINT_UNREACHABLE_RULE raw invalid_vpn: rule 12 / rule 14',
      'home LINT_UNREACHABLE_RULE raw invalid_vpn: rule 29 / rule 31',
      'home LINT_UNREACHABLE_RULE raw invalid_vpn: rule 30 / rule 32',
      // -o eth4 SNAT then -o eth4 -j PPPSNAT
      'openlab LINT_DUPLICATE_RULE filter FORWARD: rule 279, 281 / rule 277',
      'openlab LINT_DUPLICATE_RULE filter FORWARD: rule 285, 287 / rule 283',
      'openlab LINT_UNREACHABLE_RULE nat POSTROUTING: rule 7 / rule 15',
      'openlab LINT_UNREACHABLE_RULE nat POSTROUTING: rule 8 / rule 16',
      // an unconditional DROP followed by two more rules
      'synology LINT_UNREACHABLE_RULE filter FORWARD_FIREWALL: rule 16 / rules 17, 18',
      'synology LINT_UNREACHABLE_RULE filter INPUT_FIREWALL: rule 16 / rules 17, 18',
      // libvirt's three masquerade rules, added again at each of its restarts; and 127.0.0.1 → 127.0.0.1 accepted before the per-port loopback rules
      'ugent LINT_DUPLICATE_RULE nat POSTROUTING: rule 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 34, 37, 40, 43, 46, 49, 52, 55, 58, 61, 64, 67, 70, 73, 76, 79, 82, 85, 88, 91, 94, 97, 100, 103, 106, 109, 112, 115, 118, 121, 124, 127, 130, 133, 136, 139, 142, 145, 148, 151, 154, 157, 160, 163, 166, 169, 172 / rule 1',
      'ugent LINT_DUPLICATE_RULE nat POSTROUTING: rule 5, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35, 38, 41, 44, 47, 50, 53, 56, 59, 62, 65, 68, 71, 74, 77, 80, 83, 86, 89, 92, 95, 98, 101, 104, 107, 110, 113, 116, 119, 122, 125, 128, 131, 134, 137, 140, 143, 146, 149, 152, 155, 158, 161, 164, 167, 170, 173 / rule 2',
      'ugent LINT_DUPLICATE_RULE nat POSTROUTING: rule 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45, 48, 51, 54, 57, 60, 63, 66, 69, 72, 75, 78, 81, 84, 87, 90, 93, 96, 99, 102, 105, 108, 111, 114, 117, 120, 123, 126, 129, 132, 135, 138, 141, 144, 147, 150, 153, 156, 159, 162, 165, 168, 171, 174 / rule 3',
      'ugent LINT_UNREACHABLE_RULE filter INPUT: rule 1 / rules 22, 29, 30',
    ].sort(),
  );
});

test('a long chain with rules per source host: each rule is checked against rules for its hosts and rules for none', (t) => {
  const perHost = Array.from({ length: 70 }, (_, i) => [
    `-A HOSTS -s 10.1.0.${i + 1}/32 -m mac --mac-source 02:00:00:00:00:01 -j RETURN`,
    `-A HOSTS -s 10.1.0.${i + 1}/32 -j DROP`,
  ]).flat();
  const rules = [
    '-A HOSTS -s 10.9.0.0/16 -j DROP',
    '-A HOSTS -d 192.0.2.10/32 -j ACCEPT',
    ...perHost,
    '-A HOSTS -s 10.9.3.4/32 -j ACCEPT',
    '-A HOSTS -s 10.1.0.5/32 -d 198.51.100.1/32 -j ACCEPT',
    '-A HOSTS -s 10.1.0.7/32 -d 192.0.2.10/32 -p tcp -j ACCEPT',
    '-A HOSTS -s 10.1.0.3/32 -j DROP',
    '-A HOSTS -s 10.1.0.8/32 -p udp -j ACCEPT',
    '-A HOSTS -s 10.2.0.1/32 -j ACCEPT',
  ];
  const got = summary(
    lint(['*filter', ':INPUT ACCEPT [0:0]', ':HOSTS - [0:0]', ...rules, 'COMMIT', ''].join('\n')),
  ).filter((s) => /UNREACHABLE|DUPLICATE/.test(s));
  // Rule n is on line n + 3. After the 140 per-host rules (3-142): 143 falls to the /16 (rule 1), 144 to its
  // host's DROP (rule 12), 145 to the destination's ACCEPT (rule 2, before its host's DROP), 146 repeats rule 8,
  // 147 falls to its host's DROP (rule 18); 148 names a host nothing earlier covers.
  t.deepEqual(
    got,
    [
      'LINT_UNREACHABLE_RULE filter HOSTS: 4,146',
      'LINT_UNREACHABLE_RULE filter HOSTS: 15,147',
      'LINT_UNREACHABLE_RULE filter HOSTS: 5,148',
      'LINT_DUPLICATE_RULE filter HOSTS: 11,149',
      'LINT_UNREACHABLE_RULE filter HOSTS: 21,150',
    ].sort(),
  );
});

test('a long chain of rules per port: each rule is checked against rules for its port, ranges, and, without a single port, all', (t) => {
  const rules = [
    '-A PORTS -p tcp -m tcp --dport 1000:2000 -j DROP',
    '-A PORTS -p tcp -m tcp --dport 22 -j ACCEPT',
    ...Array.from({ length: 80 }, (_, i) => `-A PORTS -p tcp -m tcp --dport ${3000 + i} -j ACCEPT`),
    '-A PORTS -p tcp -m tcp --dport 1500 -j ACCEPT',
    '-A PORTS -s 10.0.0.1/32 -p tcp -m tcp --dport 22 -j DROP',
    '-A PORTS -p udp -m udp --dport 22 -j ACCEPT',
    '-A PORTS -p tcp -m tcp --dport 3005 -m tcp --sport 1024:65535 -j DROP',
    '-A PORTS -p tcp -m tcp --dport 3010 -j ACCEPT',
    '-A PORTS -p tcp -m tcp --dport 4000 -j ACCEPT',
  ];
  const got = summary(
    lint(['*filter', ':INPUT ACCEPT [0:0]', ':PORTS - [0:0]', ...rules, 'COMMIT', ''].join('\n')),
  ).filter((s) => /UNREACHABLE|DUPLICATE/.test(s));
  // Rule n is on line n + 3. 83 falls to the range (rule 1), 84 to port 22's ACCEPT (rule 2); 85 is udp; 86 has
  // two tcp matches, so no single port of its own, and falls to port 3005's rule (8); 87 repeats rule 13.
  t.deepEqual(
    got,
    [
      'LINT_UNREACHABLE_RULE filter PORTS: 4,86',
      'LINT_UNREACHABLE_RULE filter PORTS: 5,87',
      'LINT_UNREACHABLE_RULE filter PORTS: 11,89',
      'LINT_DUPLICATE_RULE filter PORTS: 16,90',
    ].sort(),
  );
});

test("kube-proxy's IPVS-mode nat chains jumped to only while their ipset has members are not called unused", (t) => {
  // IPVS mode on a node without LoadBalancer services: KUBE-SERVICES has no `--match-set KUBE-LOAD-BALANCER` jump.
  const nat = dedent`
    *nat
    :PREROUTING ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    :KUBE-FIREWALL - [0:0]
    :KUBE-LOAD-BALANCER - [0:0]
    :KUBE-MARK-DROP - [0:0]
    :KUBE-MARK-MASQ - [0:0]
    :KUBE-NODE-PORT - [0:0]
    :KUBE-SERVICES - [0:0]
    :KUBE-LEFTOVER - [0:0]
    -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
    -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
    -A KUBE-FIREWALL -j KUBE-MARK-DROP
    -A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ
    -A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000
    -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
    -A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ
    -A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT
    -A KUBE-LEFTOVER -j RETURN
    COMMIT
  `;
  t.deepEqual(
    lint(nat)
      .filter((f) => f.code === 'LINT_UNUSED_CHAIN')
      .map((f) => f.subject),
    ['nat KUBE-LEFTOVER'],
  );
});
