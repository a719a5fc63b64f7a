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
  const key = flowKeyOf(tracer.rulesets, tracer.network, tracer.nftFlowTests());
  return { tracer, key, sources: sourceClasses(tracer, key), destinations: destinationClasses(tracer, key) };
}

/** The walk's answer for `probe`, and the class the flow key puts it in. */
function answerAndClass(
  { tracer, key, sources, destinations }: ReturnType<typeof classesOf>,
  probe: Parameters<typeof producible>[1] & { sport: number; dport: number },
): { answer: string; cls: string; scoped: string } {
  const a = producible(tracer, probe, new AddressIds());
  const answer = JSON.stringify('undecided' in a ? a : [a.now, a.unchanged, a.refused]);
  const source = sources.classOf(probe.src);
  const destination = destinations.classOf(probe.dst);
  const head = [probe.proto, probe.dport, key.testsSourcePort ? probe.sport : '', destination].join(' ');
  // The class the answer cache walks once for: the source's class among those the destination's walks tell apart.
  const scope = destinations.holding(destination, probe.dst);
  return {
    answer,
    cls: `${head} ${source}`,
    scoped: `${head} ${scope ? `s${scope.of(source, probe.src)}` : source}`,
  };
}

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`nft flow key, ruleset ${seed}: connections in one class get one answer`, (t) => {
    const r = seeded(seed);
    const m = mixedRuleset(r, seed, LAB_V4, { affinityClients: true });
    const classes = classesOf(m.nft);
    const { sources } = classes;
    const probes = mixedProbes(r, m.services, 300, 20000).filter((p) => p.proto !== 'icmp');
    const byClass = new Map<string, { answer: string; probe: string }>();
    const byScoped = new Map<string, { answer: string; probe: string }>();
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
        const { answer, cls, scoped } = answerAndClass(classes, probe);
        const first = byClass.get(cls);
        if (!first) byClass.set(cls, { answer, probe: JSON.stringify(probe) });
        else {
          shared++;
          if (first.answer !== answer)
            wrong.push(`${JSON.stringify(probe)} → ${answer}, but ${first.probe} of its class → ${first.answer}`);
        }
        const firstScoped = byScoped.get(scoped);
        if (!firstScoped) byScoped.set(scoped, { answer, probe: JSON.stringify(probe) });
        else if (firstScoped.answer !== answer)
          wrong.push(
            `${JSON.stringify(probe)} → ${answer}, but ${firstScoped.probe} of its scope → ${firstScoped.answer}`,
          );
      }
    }
    t.deepEqual(wrong.slice(0, 5), []);
    t.log(
      `${shared} of ${byClass.size + shared} connections answered by their class, ${byClass.size - byScoped.size} classes more by their destination's scope`,
    );
  });
}

test('the nft flow key names what the rules test: kube-proxy hosts, native prefixes, the source port only when tested', (t) => {
  const m = mixedRuleset(seeded(3), 3);
  const found = findSectionsInText(`${LAB}\nroot@lab:~# nft list ruleset\n${m.kubeProxy}`, 'lab', 'lab');
  const tracer = prepareTracer(singleNode(found.sections)!, 'ipv4');
  const key = flowKeyOf(tracer.rulesets, tracer.network, tracer.nftFlowTests());
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
  const s = sourceClasses(tracer, flowKeyOf(tracer.rulesets, tracer.network, tracer.nftFlowTests()));
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

/**
 * Source tests reached only through tests of the original destination (a vmap element, `ip daddr X jump`), and
 * tests that only look guarded: after destination NAT (a later prerouting chain, forward), behind a dynamic set.
 */
const GUARDED = dedent`
  table ip t {
    set dyn {
      type ipv4_addr
      flags dynamic,timeout
      elements = { 172.30.0.40 }
    }
    map svc {
      type ipv4_addr . inet_service : verdict
      elements = { 172.30.0.10 . 80 : goto svc10, 172.30.0.30 . 80 : goto svc30 }
    }
    chain raw-pre {
      type filter hook prerouting priority -300; policy accept;
      ip daddr 172.30.0.20 jump chk
      ip daddr @dyn jump chk2
    }
    chain chk {
      ip saddr 203.0.113.0/24 drop
    }
    chain chk2 {
      ip saddr 198.51.100.0/24 drop
    }
    chain nat-pre {
      type nat hook prerouting priority dstnat; policy accept;
      ip daddr . tcp dport vmap @svc
    }
    chain svc10 {
      dnat to 10.99.0.5:8080
    }
    chain svc30 {
      ip saddr 10.244.200.0/24 dnat to 10.99.0.6:8080
      dnat to 10.99.0.7:8080
    }
    chain late-pre {
      type filter hook prerouting priority 0; policy accept;
      ip daddr 10.99.0.5 ip saddr 192.168.50.77 drop
    }
    chain fwd {
      type filter hook forward priority 0; policy accept;
      ip daddr 10.99.0.5 ip saddr 203.0.113.200 drop
    }
  }
`;

test("a destination's walks tell apart only the sources their tests reach, and sources they tell apart get their own answer", (t) => {
  const classes = classesOf(GUARDED);
  const { sources, destinations } = classes;
  const destinationsTried = ['172.30.0.10', '172.30.0.20', '172.30.0.30', '172.30.0.40', '172.30.0.50', '10.99.0.5'];
  const byScoped = new Map<string, { answer: string; probe: string }>();
  const wrong: string[] = [];
  for (const dst of destinationsTried)
    for (const src of [...SOURCES, ...SOURCES_MORE]) {
      const local = src === '192.168.50.1' || src === '10.99.0.1';
      const kind = sources.holding(sources.classOf(src), src);
      const probe = {
        src,
        dst,
        proto: 'tcp' as const,
        sport: 40000,
        dport: 80,
        ...(local ? { local: true } : kind.in !== undefined ? { in: kind.in } : {}),
      };
      const { answer, scoped } = answerAndClass(classes, probe);
      const first = byScoped.get(scoped);
      if (!first) byScoped.set(scoped, { answer, probe: JSON.stringify(probe) });
      else if (first.answer !== answer)
        wrong.push(`${JSON.stringify(probe)} → ${answer}, but ${first.probe} of its scope → ${first.answer}`);
    }
  t.deepEqual(wrong.slice(0, 5), []);
  const scopedClass = (dst: string, src: string) => {
    const d = destinations.classOf(dst);
    const s = sources.classOf(src);
    return destinations.holding(d, dst)?.of(s, src) ?? `fine ${s}`;
  };
  t.not(sources.classOf('203.0.113.5'), sources.classOf('192.168.50.2'));
  t.is(
    scopedClass('172.30.0.30', '203.0.113.5'),
    scopedClass('172.30.0.30', '192.168.50.2'),
    'chk is only 172.30.0.20’s',
  );
  t.not(scopedClass('172.30.0.20', '203.0.113.5'), scopedClass('172.30.0.20', '192.168.50.2'));
  t.not(scopedClass('172.30.0.30', '10.244.200.7'), scopedClass('172.30.0.30', '192.168.50.2'));
  t.is(
    scopedClass('172.30.0.10', '10.244.200.7'),
    scopedClass('172.30.0.10', '192.168.50.2'),
    'svc30 is only 172.30.0.30’s',
  );
});
