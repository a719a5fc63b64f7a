/**
 * A node with rules in both iptables backends, against the kernel: kube-proxy-like rules loaded with
 * iptables-legacy-restore, Docker-like rules with iptables-nft-restore, in one lab namespace. xtables-monitor
 * sees only nf_tables' TRACE, so the kernel's word here is the rule counters of both backends: after each
 * probe (one UDP datagram, counters zeroed before), the rules and built-in policies whose packet counter
 * moved must be exactly the steps of nfwalk's path, and for a forwarded probe the DNAT conntrack recorded
 * must be its final destination.
 * The nft rules are loaded first, so the legacy tables are the ones made last: the kernel runs them first
 * at equal priority, the order nfwalk assumes for kube-proxy's backend.
 */
import type { ExecutionContext } from 'ava';
import { prepareTracer } from '../../src/analyses/trace/index';
import { findSectionsInText } from '../../src/input/sections';
import { singleNode } from '../../src/model/node';
import type { RulesetSection } from '../../src/model/section';
import { kernelTest } from '../helpers/kernel';
import { type LabProbe, TraceLab } from '../helpers/trace-lab';

const LEGACY = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-DNS - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-SVC-DNS
-A KUBE-SERVICES -d 10.96.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.244.0.7:53
-A KUBE-SVC-DNS ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-DNS -p udp -j DNAT --to-destination 10.244.0.5:53
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m mark --mark 0x4000/0x4000 -j ACCEPT
COMMIT
`;

const NFT = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -d 10.244.0.5/32 -p udp -m udp --dport 53 -j ACCEPT
-A DOCKER-USER -j RETURN
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 10.96.0.12/32 -p udp -j DNAT --to-destination 10.244.0.9:53
-A PREROUTING -d 10.96.0.11/32 -p udp -j DNAT --to-destination 10.244.0.8:53
COMMIT
`;

/** The probes and the final destination each must reach (legacy's DNAT wins where both would DNAT). */
const PROBES: readonly (LabProbe & { readonly expect: string })[] = [
  { proto: 'udp', src: '192.168.50.2', sport: 41001, dst: '10.96.0.10', dport: 53, local: false, expect: '10.244.0.5' },
  { proto: 'udp', src: '192.168.50.2', sport: 41002, dst: '10.96.0.12', dport: 53, local: false, expect: '10.244.0.9' },
  { proto: 'udp', src: '192.168.50.2', sport: 41003, dst: '10.96.0.11', dport: 53, local: false, expect: '10.244.0.7' },
  {
    proto: 'udp',
    src: '203.0.113.5',
    sport: 41004,
    dst: '198.51.100.77',
    dport: 9,
    local: false,
    expect: '198.51.100.77',
  },
];

const TABLES = ['nat', 'filter'];

/** The rules and built-in policies whose packet counters are not zero, named as nfwalk names steps. */
function countedSteps(section: RulesetSection, backend: string): string[] {
  const out: string[] = [];
  for (const table of section.ruleset.tables) {
    for (const chain of table.chains) {
      if (chain.builtin && (chain.counters?.packets ?? 0n) > 0n)
        out.push(`${backend} ${table.name} ${chain.name} policy ${chain.policy}`);
      for (const rule of chain.rules)
        if ((rule.counters?.packets ?? 0n) > 0n) out.push(`${backend} ${table.name} ${chain.name} #${rule.index}`);
    }
  }
  return out.sort();
}

function rulesetOfText(text: string, path: string): RulesetSection {
  const [section] = findSectionsInText(text, path, 'lab').sections;
  if (section?.kind !== 'iptables-save') throw new Error(`${path}: no iptables-save dump`);
  return section;
}

kernelTest(
  'trace: with rules in both backends, the counters the kernel moved are the steps of nfwalk’s path',
  async (t: ExecutionContext) => {
    const lab = new TraceLab();
    try {
      const flush = TABLES.map((name) => `*${name}\nCOMMIT\n`).join('');
      lab.exec(lab.node, 'iptables-nft-restore', [], flush);
      lab.exec(lab.node, 'iptables-nft-restore', [], NFT);
      lab.exec(lab.node, 'iptables-legacy-restore', [], LEGACY);
      // iptables-save here is the nft backend's (lab.dumps); the legacy dump follows as its own paste.
      const dumps = `${lab.dumps()}root@lab:~# iptables-legacy-save\n${lab.exec(lab.node, 'iptables-legacy-save', [])}`;
      const node = singleNode(findSectionsInText(dumps, 'lab', 'lab').sections);
      if (!node) throw new Error('the lab dumps hold no node');
      const tracer = prepareTracer(node, 'ipv4');

      for (const probe of PROBES) {
        for (const tool of ['iptables-legacy', 'iptables-nft'])
          for (const name of TABLES) lab.exec(lab.node, tool, ['-t', name, '-Z']);
        lab.exec(lab.node, 'conntrack', ['-F']);
        lab.fire([probe]);
        await new Promise((r) => setTimeout(r, 100));
        const kernel = [
          ...countedSteps(rulesetOfText(lab.exec(lab.node, 'iptables-legacy-save', ['-c']), 'legacy'), 'legacy'),
          ...countedSteps(rulesetOfText(lab.exec(lab.node, 'iptables-nft-save', ['-c']), 'nft'), 'nft'),
        ].sort();
        const [path, ...more] = tracer.trace({ ...probe, in: 'eth0' }).paths;
        t.is(more.length, 0, `${probe.dst}: one path`);
        const walked = path!.steps
          .map(
            (s) =>
              `${'backend' in s ? s.backend : undefined} ${s.table} ${s.chain} ${'policy' in s ? `policy ${s.policy}` : `#${s.rule}`}`,
          )
          .sort();
        t.deepEqual(walked, kernel, `${probe.dst}: nfwalk's steps against the counters the kernel moved`);
        t.is(path!.final.dst, probe.expect, `${probe.dst}: nfwalk's final destination`);
        // A dropped packet's entry is never confirmed: only a forwarded one shows its DNAT in the table.
        const entry = lab
          .conntrack()
          .split('\n')
          .find((l) => l.includes(`sport=${probe.sport} `));
        if (path!.verdict !== 'ACCEPT') t.is(entry, undefined, `${probe.dst}: dropped, so no conntrack entry`);
        else
          t.regex(
            entry ?? '',
            new RegExp(`\\[UNREPLIED\\] src=${probe.expect.replaceAll('.', '\\.')} `),
            `${probe.dst}: the kernel's DNAT`,
          );
      }
      const order = tracer.trace({ ...PROBES[2]!, in: 'eth0' }).paths[0]!.assumptions ?? [];
      t.true(
        order.some((a) => a.startsWith('legacy nat PREROUTING runs before nft nat PREROUTING')),
        'where both backends would DNAT, the path says it rests on their order',
      );
    } finally {
      lab.close();
    }
  },
);
