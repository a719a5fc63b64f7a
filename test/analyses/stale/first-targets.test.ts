/**
 * The findings name a group's first targets only (Group.firstTargets), found without making every target: over
 * random dual-stack tables after endpoint churn, whose groups hold more targets than a finding lists, the first
 * targets are those `targets` sorts first (their text, entries and cleanup command), and the count is theirs.
 */
import test from 'ava';
import { analyzeStale } from '../../../src/analyses/stale/index';
import type { Group } from '../../../src/analyses/stale/groups';
import type { StaleTarget } from '../../../src/analyses/stale/model';
import { findSectionsInText } from '../../../src/input/sections';
import { nodesOfInputs } from '../../../src/model/node';
import { type GeneratedService, kubeProxyRuleset, serviceSpec as svc } from '../../generators/kube-proxy-dump';
import { SMALL_NODE } from '../../helpers/small-node';

const SERVICES4: GeneratedService[] = [
  svc('kube-system/kube-dns:dns', 'udp', '10.96.0.10', 53, [{ ip: '10.244.2.8', port: 53 }]),
  svc('shop/web:http', 'tcp', '10.96.0.20', 80, [{ ip: '10.244.1.20', port: 9090 }], { nodePort: 30020 }),
  svc('shop/empty:http', 'tcp', '10.96.0.30', 80, []),
];
const SERVICES6: GeneratedService[] = [
  svc('shop/web6:http', 'tcp', 'fd00:96::20', 80, [{ ip: 'fd00:244::20', port: 9090 }]),
];

function random(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
}

/** Entries to the services and to deleted ones, recording one of about 200 old endpoints (and ports) each. */
function tableOf(seed: number, entries: number): string {
  const rand = random(seed);
  const lines: string[] = [];
  for (let i = 0; i < entries; i++) {
    const v6 = rand(4) === 0;
    const client = v6 ? `fd00:244::${(1 + rand(4000)).toString(16)}` : `10.244.0.${1 + rand(250)}`;
    const sport = 1024 + rand(60000);
    const dst = v6
      ? ['fd00:96::20', 'fd00:96::40'][rand(2)]!
      : ['10.96.0.10', '10.96.0.20', '10.96.0.30', '10.96.0.40'][rand(4)]!;
    const dport = dst.endsWith('10') ? 53 : 80;
    const proto = dport === 53 ? 'udp' : 'tcp';
    // Texts that sort otherwise than their numbers: 10.244.1.9 after 10.244.1.10 and 10.244.1.100.
    const pod = v6 ? `fd00:244::${(1 + rand(200)).toString(16)}` : `10.244.1.${1 + rand(200)}`;
    const [rsrc, rsport] = rand(12) === 0 ? [dst, dport] : [pod, [53, 80, 8080, 9090][rand(4)]!];
    const state = proto === 'tcp' ? ' ESTABLISHED' : '';
    lines.push(
      `${v6 ? 'ipv6     10' : 'ipv4     2'} ${proto}      ${proto === 'tcp' ? 6 : 17} ${rand(86400)}${state} src=${client} dst=${dst} sport=${sport} dport=${dport} src=${rsrc} dst=${client} sport=${rsport} dport=${sport} mark=0 use=1`,
    );
  }
  return lines.join('\n');
}

function groupsOf(seed: number): readonly Group[] {
  const rules4 = kubeProxyRuleset(SERVICES4, { clusterCidr: '10.244.0.0/16' });
  const rules6 = kubeProxyRuleset(SERVICES6, { clusterCidr: 'fd00:244::/64', family: 'ipv6' });
  const text = `${SMALL_NODE}\nroot@n1:~# iptables-save\n${rules4}\nroot@n1:~# ip6tables-save\n${rules6}\nroot@n1:~# conntrack -L -o extended\n${tableOf(seed, 3000)}\n`;
  const a = analyzeStale(nodesOfInputs(findSectionsInText(text, 'n1.txt', 'n1').sections), {
    nodeIps: ['192.168.0.2'],
  });
  return a.groups as readonly Group[];
}

const described = (t: StaleTarget) => ({
  target: t.target,
  cleanup: t.cleanup,
  lines: t.entries.map((e) => e.line),
});

test("a group's first targets are the ones its sorted targets begin with, and the count is all of them", (t) => {
  for (const seed of [1, 2, 3]) {
    const groups = groupsOf(seed);
    t.true(
      groups.some((g) => g.targets.length > 10),
      'some group holds more targets than a finding lists',
    );
    for (const g of groups) {
      const all = g.targets;
      t.is(g.size, g.entries.length);
      t.deepEqual(
        Array.from({ length: g.size }, (_, k) => g.entryAt(k).line),
        g.entries.map((e) => e.line),
      );
      for (const limit of [1, 3, 10]) {
        const first = g.firstTargets(limit);
        t.is(first.count, all.length);
        t.deepEqual(first.targets.map(described), all.slice(0, limit).map(described));
      }
    }
  }
});
