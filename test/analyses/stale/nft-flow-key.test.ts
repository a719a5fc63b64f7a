/**
 * The stale analysis's flow key on nft rules (Tracer.nftFlowTests): on random nft rulesets (kube-proxy's
 * nftables table in every layout beside random native tables, test/generators/nft-mixed.ts) every two
 * connections the key puts in one class get the same answer from the walk (where new connections go, whether
 * one keeps its destination, whether some are refused), so the answer cache may walk one of them for all;
 * and the key is no longer the conservative one that took every address, port and interface as its own class.
 */
import test from 'ava';
import { destinationClasses, sourceClasses } from '../../../src/analyses/stale/answer-cache';
import { flowKeyOf } from '../../../src/analyses/stale/flow-key';
import { AddressIds } from '../../../src/analyses/stale/address-ids';
import { producible } from '../../../src/analyses/stale/new-connection-destinations';
import { prepareTracer } from '../../../src/analyses/trace/index';
import { findSectionsInText } from '../../../src/input/sections';
import { singleNode } from '../../../src/model/node';
import { mixedProbes, mixedRuleset } from '../../generators/nft-mixed';
import { seeded } from '../../generators/trace-ruleset';
import { dedent } from '../../helpers/dedent';
import { LAB_V4 } from '../../helpers/lab-family';

/** The trace lab's node (test/helpers/trace-lab.ts) as its dumps show it. */
const LAB = dedent`
  root@lab:~# ip -o addr
  1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
  2: eth0    inet 192.168.50.1/24 brd 192.168.50.255 scope global eth0\       valid_lft forever preferred_lft forever
  3: pods0    inet 10.99.0.1/16 brd 10.99.255.255 scope global pods0\       valid_lft forever preferred_lft forever
  root@lab:~# ip -4 route
  default via 10.99.0.2 dev pods0
  10.99.0.0/16 dev pods0 proto kernel scope link src 10.99.0.1
  192.168.50.0/24 dev eth0 proto kernel scope link src 192.168.50.1
  203.0.113.0/24 via 192.168.50.2 dev eth0
  10.244.200.0/24 via 192.168.50.2 dev eth0
  198.51.100.0/24 via 192.168.50.2 dev eth0
  root@lab:~# sysctl net.ipv4.ip_forward
  net.ipv4.ip_forward = 1
`;

const SOURCES = ['192.168.50.2', '192.168.50.77', '203.0.113.5', '203.0.113.200', '10.244.200.7', '10.244.200.8'];
/** 192.168.0.100 is the client kube-proxy-nft lists in every affinity set; .101 is in none. */
const SOURCES_MORE = ['198.51.100.9', '198.51.100.30', '192.168.50.1', '10.99.0.1', '192.168.0.100', '192.168.0.101'];

/** The lab node with `nft` as its ruleset, and the flow key's classes of it. */
function classesOf(nft: string) {
  const found = findSectionsInText(`${LAB}\nroot@lab:~# nft list ruleset\n${nft}`, 'lab', 'lab');
  const tracer = prepareTracer(singleNode(found.sections)!, 'ipv4');
  const key = flowKeyOf(tracer.graphs, tracer.network, tracer.nftFlowTests());
  return { tracer, key, sources: sourceClasses(tracer, key), destinations: destinationClasses(tracer, key) };
}

/** The walk's answer for `probe`, and the class the flow key puts it in. */
function answerAndClass(
  { tracer, key, sources, destinations }: ReturnType<typeof classesOf>,
  probe: Parameters<typeof producible>[1] & { sport: number; dport: number },
): { answer: string; cls: string } {
  const a = producible(tracer, probe, new AddressIds());
  const answer = JSON.stringify('undecided' in a ? a : [a.now, a.unchanged, a.refused]);
  const cls = [
    probe.proto,
    probe.dport,
    key.testsSourcePort ? probe.sport : '',
    sources.classOf(probe.src),
    destinations.classOf(probe.dst),
  ].join(' ');
  return { answer, cls };
}

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`nft flow key, ruleset ${seed}: connections in one class get one answer`, (t) => {
    const r = seeded(seed);
    const m = mixedRuleset(r, seed, LAB_V4, { affinityClients: true });
    const classes = classesOf(m.nft);
    const { sources } = classes;
    const probes = mixedProbes(r, m.services, 300, 20000).filter((p) => p.proto !== 'icmp');
    const byClass = new Map<string, { answer: string; probe: string }>();
    let shared = 0;
    const wrong: string[] = [];
    for (const base of probes) {
      for (const src of [...SOURCES, ...SOURCES_MORE]) {
        const local = src === '192.168.50.1' || src === '10.99.0.1';
        const kind = sources.holding(sources.classOf(src), src);
        const probe = {
          src,
          dst: base.dst,
          proto: base.proto as 'tcp' | 'udp',
          sport: base.sport!,
          dport: base.dport!,
          ...(local ? { local: true } : kind.in !== undefined ? { in: kind.in } : {}),
        };
        const { answer, cls } = answerAndClass(classes, probe);
        const first = byClass.get(cls);
        if (!first) byClass.set(cls, { answer, probe: JSON.stringify(probe) });
        else {
          shared++;
          if (first.answer !== answer)
            wrong.push(`${JSON.stringify(probe)} → ${answer}, but ${first.probe} of its class → ${first.answer}`);
        }
      }
    }
    t.deepEqual(wrong.slice(0, 5), []);
    t.log(`${shared} of ${byClass.size + shared} connections answered by their class`);
  });
}

test('the nft flow key names what the rules test: kube-proxy hosts, native prefixes, the source port only when tested', (t) => {
  const m = mixedRuleset(seeded(3), 3);
  const found = findSectionsInText(`${LAB}\nroot@lab:~# nft list ruleset\n${m.kubeProxy}`, 'lab', 'lab');
  const tracer = prepareTracer(singleNode(found.sections)!, 'ipv4');
  const key = flowKeyOf(tracer.graphs, tracer.network, tracer.nftFlowTests());
  t.false(key.testsSourcePort, "kube-proxy's rules test no source port");
  t.false(key.testsInterface, "kube-proxy's rules test no interface");
  t.truthy(key.destinationSpans, 'destinations are classed by the hosts and prefixes named');
  const d = destinationClasses(tracer, key);
  const [a, b] = m.services;
  t.not(d.classOf(a!.clusterIP), d.classOf(b!.clusterIP));
  t.is(d.classOf('8.8.8.8'), d.classOf('8.8.4.4'));
});

test("the nft flow key tells an affinity set's listed clients from the rest, and no other client from another", (t) => {
  const seed = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].find((n) =>
    mixedRuleset(seeded(n), n).services.some((x) => x.affinitySeconds !== undefined),
  )!;
  const m = mixedRuleset(seeded(seed), seed, LAB_V4, { affinityClients: true });
  const found = findSectionsInText(`${LAB}\nroot@lab:~# nft list ruleset\n${m.kubeProxy}`, 'lab', 'lab');
  const tracer = prepareTracer(singleNode(found.sections)!, 'ipv4');
  const s = sourceClasses(tracer, flowKeyOf(tracer.graphs, tracer.network, tracer.nftFlowTests()));
  t.not(s.classOf('192.168.0.100'), s.classOf('192.168.0.101'));
  t.is(s.classOf('192.168.0.101'), s.classOf('192.168.0.102'));
  t.is(s.classOf('203.0.113.5'), s.classOf('203.0.113.6'));
});

/** A rule before the destination is bound that tests kube-proxy's masquerade mark. */
const MARK_TEST = dedent`
  table ip marks {
    chain pre {
      type filter hook prerouting priority -300; policy accept;
      meta mark & 0x00004000 == 0x00004000 counter
    }
  }
`;

// Rulesets of the layouts that write a hairpin rule per endpoint (v1.33, v1.34; 2026 uses a set in postrouting).
for (const seed of [1, 6, 7, 10]) {
  test(`nft flow key, kube-proxy ${seed}: hairpin mark rules class no source while no rule tests marks, and answers agree`, (t) => {
    const m = mixedRuleset(seeded(seed), seed);
    const endpoints = [...new Set(m.services.flatMap((s) => s.endpoints.map((e) => e.ip)))];
    const plain = classesOf(m.kubeProxy);
    const marked = classesOf(`${m.kubeProxy}\n${MARK_TEST}\n`);
    t.true(endpoints.length > 1);
    t.is(
      new Set(endpoints.map((ip) => marked.sources.classOf(ip))).size,
      endpoints.length,
      'with marks tested, each endpoint named by a hairpin rule is a class of its own',
    );
    t.true(
      new Set(endpoints.map((ip) => plain.sources.classOf(ip))).size < endpoints.length,
      'without, the hairpin rules tell no endpoint from another',
    );
    const { sources } = plain;
    const byClass = new Map<string, { answer: string; probe: string }>();
    const wrong: string[] = [];
    for (const s of m.services)
      for (const src of [...endpoints, ...SOURCES]) {
        const kind = sources.holding(sources.classOf(src), src);
        const probe = {
          src,
          dst: s.clusterIP,
          proto: s.protocol === 'udp' ? ('udp' as const) : ('tcp' as const),
          sport: 40000,
          dport: s.port,
          ...(kind.in !== undefined ? { in: kind.in } : {}),
        };
        const { answer, cls } = answerAndClass(plain, probe);
        const first = byClass.get(cls);
        if (!first) byClass.set(cls, { answer, probe: JSON.stringify(probe) });
        else if (first.answer !== answer)
          wrong.push(`${JSON.stringify(probe)} → ${answer}, but ${first.probe} → ${first.answer}`);
      }
    t.deepEqual(wrong.slice(0, 5), []);
  });
}
