/**
 * Stale's fast paths held to the plain way they replace: the flat index of the answer cache and the services against a Map, and a
 * finding's first targets and entries (groupHead: targets by number, only the first ten named) against a group's
 * full, text-sorted `targets` and its `entries`, on random tables after churn; a row judged from its columns
 * (judgeRow) against the row loaded (judgeEntry).
 */
import test from 'ava';
import { analyzeStale } from '../../../src/analyses/stale/index';
import { KeyIndex } from '../../../src/analyses/stale/key-index';
import { staleFindings } from '../../../src/analyses/stale/findings';
import { groupHead } from '../../../src/analyses/stale/groups';
import type { StaleGroup } from '../../../src/analyses/stale/model';
import { type GeneratedEndpoint, kubeProxyRuleset, serviceSpec } from '../../generators/kube-proxy-dump';
import { seeded } from '../../generators/trace-ruleset';
import { SMALL_NODE } from '../../helpers/small-node';
import { nodesOfText } from '../../helpers/sections';
import { columnsOf } from '../../../src/model/conntrack-columns';
import { EntryRow } from '../../../src/analyses/stale/entry-row';
import { familyContext } from '../../../src/analyses/stale/family-context';
import { nodeContexts } from '../../../src/analyses/node/index';
import { Numbered, staleFindingsOf } from '../../../src/analyses/stale/stale-list';
import {
  type Judged,
  type StaleVerdict,
  VALID,
  judgeEntry,
  judgeRow,
  walkedAs,
} from '../../../src/analyses/stale/conntrack-stale';

test('the key index finds what a Map of the same keys finds, through growth and collisions', (t) => {
  for (const seed of [1, 2, 3]) {
    const r = seeded(seed);
    const index = new KeyIndex(4);
    const reference = new Map<string, number>();
    // One part wide and three narrow: many keys differ in one part only.
    const key = () => {
      const wide = Math.floor(r() * 4);
      return [0, 1, 2, 3].map((k) => Math.floor(r() * (k === wide ? 5000 : 4)));
    };
    for (let n = 0; n < 20_000; n++) {
      const [a, b, c, d] = key() as [number, number, number, number];
      const text = `${a} ${b} ${c} ${d}`;
      const want = reference.get(text) ?? -1;
      t.is(index.get(a, b, c, d), want, text);
      if (want < 0) {
        index.add(a, b, c, d, n);
        reference.set(text, n);
      }
    }
    for (const [text, value] of reference) {
      const [a, b, c, d] = text.split(' ').map(Number) as [number, number, number, number];
      if (index.get(a, b, c, d) !== value) t.fail(text);
    }
  }
});

const ep = (ip: string, port: number): GeneratedEndpoint => ({ ip, port });

/** Live services, one with no endpoints; the table also goes to 10.96.0.40 and .41, deleted. */
const SERVICES = [
  serviceSpec('shop/web:http', 'tcp', '10.96.0.20', 80, [ep('10.244.1.20', 9090), ep('10.244.1.21', 9090)]),
  serviceSpec('kube-system/kube-dns:dns', 'udp', '10.96.0.10', 53, [ep('10.244.2.8', 53)]),
  serviceSpec('shop/empty:http', 'tcp', '10.96.0.30', 80, []),
];

function line(r: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)]!;
  const [proto, dst, dport] = pick([
    ['tcp', '10.96.0.20', 80],
    ['udp', '10.96.0.10', 53],
    ['tcp', '10.96.0.30', 80],
    ['tcp', '10.96.0.40', 443],
    ['udp', '10.96.0.41', 53],
  ] as const);
  const src = `10.244.0.${1 + Math.floor(r() * 200)}`;
  const sport = 30000 + Math.floor(r() * 30000);
  // Targets whose text order is not their number's: 10.244.1.9 after 10.244.1.10, :9 after :80.
  const blackhole = r() < 0.05;
  const rsrc = blackhole ? dst : `10.244.${1 + Math.floor(r() * 3)}.${pick([1, 9, 10, 19, 100, 101, 250])}`;
  const rsport = blackhole ? dport : pick([9, 53, 80, 8080, 9090, 10000]);
  const common = `src=${src} dst=${dst} sport=${sport} dport=${dport} src=${rsrc} dst=${src} sport=${rsport} dport=${sport}`;
  return proto === 'tcp'
    ? `tcp      6 86390 ESTABLISHED ${common} [ASSURED] mark=0 use=1`
    : `udp      17 25 ${common} mark=0 use=1`;
}

/** The plain group the fast path is held to: no groupHead of its own, so it takes the group's full lists. */
const plain = (g: StaleGroup): StaleGroup => ({ entries: g.entries, targets: g.targets });

test("a finding's first targets and entries are the first of the group's sorted targets and entries", (t) => {
  const rules = kubeProxyRuleset(SERVICES, { clusterCidr: '10.244.0.0/16' });
  for (const seed of [11, 12, 13, 14]) {
    const r = seeded(seed);
    const size = [30, 400, 3000, 60][seed - 11]!;
    const lines = Array.from({ length: size }, () => line(r));
    const half = lines.length >> 1;
    // Two listings of the node's table, so groups span tables.
    const text = [
      `${SMALL_NODE}\nroot@n1:~# iptables-save\n${rules}`,
      `root@n1:~# conntrack -L\n${lines.slice(0, half).join('\n')}`,
      `root@n1:~# conntrack -L -f ipv4\n${lines.slice(half).join('\n')}\n`,
    ].join('\n');
    const nodes = nodesOfText(text);
    t.is(nodes[0]!.conntrack.length, 2);
    const a = analyzeStale(nodes);
    t.true(a.groups.length >= 3, `seed ${seed}: ${a.groups.length} groups`);
    let many = 0;
    for (const g of a.groups) {
      const all = g.targets;
      if (all.length > 10) many++;
      const head = groupHead(g, 10, 10);
      t.is(head.size, g.entries.length);
      t.is(head.targetCount, all.length);
      t.deepEqual(
        head.targets.map((x) => [x.target, x.cleanup, x.entries.map((e) => e.line)]),
        all.slice(0, 10).map((x) => [x.target, x.cleanup, x.entries.map((e) => e.line)]),
      );
      t.deepEqual(
        head.entries.map((e) => e.line),
        g.entries.slice(0, 10).map((e) => e.line),
      );
    }
    if (size >= 400) t.true(many > 0, `seed ${seed}: a group with more than ten targets`);
    t.deepEqual(a.findings, staleFindings(a.groups.map(plain), [], a.nodes).all());
    // Written one at a time: each made when asked (nothing held), the same as the analysis's; severities unmade.
    const made = staleFindingsOf(a);
    t.is(made.length, a.findings.length);
    t.not(made.at(0), made.at(0));
    t.deepEqual(
      a.findings.map((_, i) => made.at(i)),
      a.findings,
    );
    t.deepEqual(
      made.severities(),
      a.findings.map((f) => f.severity),
    );
  }
});

const pickOf = <T>(r: () => number, list: readonly T[]) => list[Math.floor(r() * list.length)]!;

/**
 * Lines to live endpoints (and to their addresses at another port), lines the columns keep as objects (icmp), to
 * node ports, and of another protocol.
 */
function oddLine(r: () => number): string {
  const src = `10.244.0.${1 + Math.floor(r() * 200)}`;
  const sport = 30000 + Math.floor(r() * 30000);
  switch (Math.floor(r() * 4)) {
    case 3: {
      const port = r() < 0.7 ? 9090 : 9091;
      // The service's own address at another port: rewritten by its port only.
      const to = pickOf(r, ['10.244.1.20', '10.244.1.21', '10.96.0.20']);
      return `tcp      6 86390 ESTABLISHED src=${src} dst=10.96.0.20 sport=${sport} dport=80 src=${to} dst=${src} sport=${port} dport=${sport} [ASSURED] mark=0 use=1`;
    }
    case 0:
      return `icmp     1 29 src=${src} dst=10.96.0.20 type=8 code=0 id=${sport} src=10.96.0.20 dst=${src} type=0 code=0 id=${sport} mark=0 use=1`;
    case 1: {
      const rsrc = r() < 0.5 ? '10.244.1.20' : '10.244.3.3';
      return `tcp      6 86390 ESTABLISHED src=${src} dst=192.168.0.2 sport=${sport} dport=30080 src=${rsrc} dst=${src} sport=9090 dport=${sport} [ASSURED] mark=0 use=1`;
    }
    default:
      return `sctp     132 10 ESTABLISHED src=${src} dst=10.96.0.40 sport=${sport} dport=443 src=10.244.2.2 dst=${src} sport=443 dport=${sport} [ASSURED] mark=0 use=1`;
  }
}

test('a row judged from its columns gets the verdict the loaded row gets', (t) => {
  const rules = kubeProxyRuleset(SERVICES, { clusterCidr: '10.244.0.0/16' });
  for (const [seed, network] of [
    [21, SMALL_NODE],
    [22, ''],
  ] as const) {
    const r = seeded(seed);
    const lines = Array.from({ length: 3000 }, () => (r() < 0.2 ? oddLine(r) : line(r)));
    const text = [`${network}\nroot@n1:~# iptables-save\n${rules}`, `root@n1:~# conntrack -L\n${lines.join('\n')}\n`];
    const node = nodesOfText(text.join('\n'))[0]!;
    const verdicts = new Numbered<StaleVerdict>();
    const ctx = familyContext(nodeContexts(node, network ? [] : ['192.168.0.9'])[0]!, verdicts);
    const columns = columnsOf(node.conntrack[0]!.entries);
    const row = new EntryRow();
    const seen = new Set<Judged>();
    let rows = 0;
    for (let i = 0; i < columns.length; i++) {
      if (columns.isObject(i)) continue;
      rows++;
      const proto = walkedAs(columns.protoName(columns.protoIndex(i)))!;
      const fast = judgeRow(ctx, ctx.answers!, columns, i, proto);
      t.is(fast, judgeEntry(ctx, row.load(columns, i)), `seed ${seed}, line ${columns.line(i)}`);
      seen.add(typeof fast === 'number' && fast >= 0 ? verdicts.values[fast]!.kind : fast);
    }
    t.true(rows > 2000 && rows < columns.length, `seed ${seed}: ${rows} plain rows of ${columns.length}`);
    for (const kind of [VALID, 'blackhole', 'endpoint-gone', 'no-endpoints', 'service-gone'])
      t.true(seen.has(kind), `seed ${seed}: ${kind}`);
  }
});
