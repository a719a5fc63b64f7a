/**
 * Every kind of diagram nfwalk draws, built from real-looking dumps: Mermaid's own parser and
 * beautiful-mermaid read back exactly the boxes and arrows nfwalk meant, the diagram says what the
 * analysis found (shares, NAT, pinned entries, folded chains), and big inputs stay within what Mermaid
 * can lay out.
 */
import { join } from 'node:path';
import test from 'ava';
import { iptablesView } from '../../src/model/iptables-view';
import { chainCallGraph } from '../../src/analyses/chains/index';
import { analyzeServices } from '../../src/analyses/services/index';
import { analyzeStale } from '../../src/analyses/stale/index';
import { tracePacket } from '../../src/analyses/trace/index';
import { findSections, findSectionsInText } from '../../src/input/sections';
import { type NodeDumps, nodesOfInputs, singleNode } from '../../src/model/node';
import { chainsFlowchart } from '../../src/report/mermaid/chains';
import { type Flowchart, MAX_EDGES, MAX_NODES } from '../../src/report/mermaid/flowchart';
import { servicesFlowchart } from '../../src/report/mermaid/services';
import { staleFlowchart } from '../../src/report/mermaid/stale';
import { traceFlowchart } from '../../src/report/mermaid/trace';
import { endpointsAt, kubeProxyDump, kubeProxyRuleset, serviceSpec } from '../generators/kube-proxy-dump';
import { chartReadsBack } from '../helpers/mermaid';
import { kubeProxyNodeFiles } from '../helpers/kube-proxy-node';
import { iptablesSaveDumps, readDump, repoRoot } from '../helpers/shared';
import { SMALL_NODE } from '../helpers/small-node';

const edgesInto = (c: Flowchart, id: string) => c.edges.filter((e) => e.to === id);
const nodeWith = (c: Flowchart, text: RegExp) => c.nodes.find((n) => text.test(n.label));
const shareOf = (label = '') => Number(/\(p=([\d.]+)\)$/.exec(label)?.[1] ?? 1);

async function drawable(t: import('ava').ExecutionContext, chart: Flowchart) {
  t.deepEqual(await chartReadsBack(chart), []);
  t.true(chart.nodes.length <= MAX_NODES + 1, `${chart.nodes.length} nodes`);
  t.true(chart.edges.length <= MAX_EDGES, `${chart.edges.length} edges`);
}

const conformance = (await findSections(kubeProxyNodeFiles())).sections;
const conformanceNode = singleNode(conformance) as NodeDumps;

test('a walk with two endpoints: each DNAT on its own edge with its share, both endings drawn, MASQUERADE shown', async (t) => {
  const split = tracePacket(conformanceNode, {
    src: '10.0.0.2',
    dst: '172.30.0.44',
    proto: 'tcp',
    sport: 33000,
    dport: 80,
    in: 'eth0',
  });
  const chart = traceFlowchart(split);
  await drawable(t, chart);
  for (const pod of ['10.180.0.4:80', '10.180.0.5:80']) {
    const end = nodeWith(chart, new RegExp(`^ACCEPT.*\\n10\\.0\\.0\\.2:33000 → ${pod.replace(/\./g, '\\.')}$`));
    t.truthy(end, pod);
    t.is(end?.className, 'accepted');
    t.is(
      edgesInto(chart, end?.id ?? '').reduce((p, e) => p + shareOf(e.label), 0),
      0.5,
    );
    t.true(chart.edges.some((e) => e.label?.includes(`-j DNAT --to-destination ${pod}\n⇒ 10.0.0.2:33000 → ${pod}`)));
  }
  const masq = traceFlowchart(
    tracePacket(conformanceNode, {
      src: '192.168.0.2',
      dst: '192.168.99.22',
      proto: 'tcp',
      sport: 33000,
      dport: 80,
      local: true,
    }),
  );
  await drawable(t, masq);
  t.truthy(nodeWith(masq, /\nMASQUERADE$/));
  const dropped = traceFlowchart(
    tracePacket(conformanceNode, {
      src: '203.0.113.2',
      dst: '192.168.99.22',
      proto: 'tcp',
      sport: 33000,
      dport: 80,
      in: 'eth0',
    }),
  );
  await drawable(t, dropped);
  t.is(dropped.nodes.filter((n) => n.className === 'dropped').length, 1);
});

test('a walk to a service with 100 endpoints draws the 40 likeliest and folds the other 60 into one node', async (t) => {
  const rules = kubeProxyRuleset(
    [
      serviceSpec(
        'big/api:http',
        'tcp',
        '10.96.0.99',
        80,
        endpointsAt(...Array.from({ length: 100 }, (_, i) => `10.244.${1 + (i >> 6)}.${10 + (i & 63)}:8080`)),
      ),
    ],
    { clusterCidr: '10.244.0.0/16' },
  );
  const node = singleNode(
    findSectionsInText(`${SMALL_NODE}\nroot@n1:~# iptables-save\n${rules}`, 'n1.txt', 'n1').sections,
  ) as NodeDumps;
  const result = tracePacket(node, { src: '10.244.0.5', dst: '10.96.0.99', proto: 'tcp', sport: 33000, dport: 80 });
  t.is(result.paths.length, 100);
  const chart = traceFlowchart(result);
  await drawable(t, chart);
  t.is(chart.nodes.filter((n) => /10\.244\.\d+\.\d+:8080$/.test(n.label)).length, 40);
  const others = nodeWith(chart, /^60 less likely paths/);
  t.truthy(others);
  t.is(
    +edgesInto(chart, others?.id ?? '')
      .reduce((p, e) => p + shareOf(e.label), 0)
      .toFixed(9),
    0.6,
  );
});

test('services on the incident sample: every endpoint edge carries the share the analysis computed', async (t) => {
  const nodes = nodesOfInputs((await findSections([join(repoRoot, 'samples', 'incident-node')])).sections);
  const analysis = analyzeServices(nodes);
  const chart = servicesFlowchart(analysis);
  await drawable(t, chart);
  for (const view of analysis.services) {
    for (const o of view.nodes[0]?.outcomes ?? []) {
      for (const e of o.endpoints.filter((x) => x.probability > 0)) {
        const box = nodeWith(chart, new RegExp(`^${e.ip.replace(/\./g, '\\.')}:${e.port}$`));
        t.truthy(box, `${e.ip}:${e.port}`);
        t.true(edgesInto(chart, box?.id ?? '').some((edge) => edge.label === `${(e.probability * 100).toFixed(1)}%`));
      }
    }
  }
  t.is(chart.subgraphs?.length, analysis.services.length);
});

test('600 services do not fit one diagram: those with findings come first and the rest are counted', async (t) => {
  const { text } = kubeProxyDump({ services: 600, clusterCidr: '10.244.0.0/16' });
  const nodes = nodesOfInputs(
    findSectionsInText(`${SMALL_NODE}\nroot@n1:~# iptables-save\n${text}`, 'n1.txt', 'n1').sections,
  );
  const analysis = analyzeServices(nodes);
  const chart = servicesFlowchart(analysis);
  await drawable(t, chart);
  const drawn = chart.subgraphs?.length ?? 0;
  t.true(drawn > 20 && drawn < 600, `${drawn} drawn`);
  t.truthy(nodeWith(chart, new RegExp(`^${600 - drawn} more services not drawn`)));
  const flagged = new Set(analysis.findings.map((f) => f.subject));
  const titles = (chart.subgraphs ?? []).map((g) => g.label.replace(/ \w+$/, ''));
  const firstPlain = titles.findIndex((n) => !flagged.has(n));
  t.true(firstPlain < 0 || titles.slice(firstPlain).every((n) => !flagged.has(n)), 'services with findings come first');
});

test('stale picture of the incident sample: every stale entry is counted on the edge to its old target', async (t) => {
  const nodes = nodesOfInputs((await findSections([join(repoRoot, 'samples', 'incident-node')])).sections);
  const analysis = analyzeStale(nodes);
  t.true(analysis.stale.length > 0);
  const chart = staleFlowchart(analysis);
  await drawable(t, chart);
  const pinned = chart.edges
    .filter((e) => e.line === 'dashed')
    .reduce((n, e) => n + Number(/^(\d+) entr/.exec(e.label ?? '')?.[1]), 0);
  t.is(pinned, analysis.stale.length);
  for (const e of analysis.stale) {
    if (e.natTarget)
      t.is(nodeWith(chart, new RegExp(`^${e.natTarget.replace(/[.[\]]/g, '\\$&')}\\n`))?.className, 'stale');
    for (const now of e.now)
      t.is(nodeWith(chart, new RegExp(`^${now.replace(/[.[\]]/g, '\\$&')}$`))?.className, 'accepted');
  }
});

test('the chain graph of a 10,000-service node folds into a readable summary that still counts every jump', async (t) => {
  const { text } = kubeProxyDump({ services: 10_000 });
  const section = findSectionsInText(text, 'big.txt').sections[0];
  if (section?.kind !== 'iptables-save') return t.fail('no ruleset');
  const nat = section.ruleset.tables.find((x) => x.name === 'nat');
  if (!nat) return t.fail('no nat table');
  const g = chainCallGraph(iptablesView(section.ruleset), { table: 'nat' });
  t.true(g.groups.length <= 60, `${g.groups.length} groups`);
  t.is(g.chains, nat.chains.length);
  t.is(
    g.groups.reduce((n, x) => n + x.chains, 0),
    nat.chains.length,
  );
  t.is(
    g.groups.reduce((n, x) => n + x.rules, 0),
    nat.chains.reduce((n, c) => n + c.rules.length, 0),
  );
  const jumps = nat.chains.reduce((n, c) => n + c.rules.filter((r) => r.target?.kind === 'jump').length, 0);
  t.is(
    g.calls.reduce((n, c) => n + c.jumps + c.gotos, 0),
    jumps,
  );
  const sep = g.groups.find((x) => x.name === 'KUBE-SEP-*');
  t.is(sep?.chains, nat.chains.filter((c) => c.name.startsWith('KUBE-SEP-')).length);
  const svcToSep = g.calls.find((c) => c.from === 'nat KUBE-SVC-*' && c.to === 'nat KUBE-SEP-*');
  t.is(svcToSep?.jumps, sep?.chains);
  await drawable(t, chainsFlowchart(g));

  const one = nat.chains.find((c) => c.name.startsWith('KUBE-SVC-') && c.rules.length > 3);
  const reach = chainCallGraph(iptablesView(section.ruleset), { table: 'nat', from: one?.name });
  t.deepEqual(reach.folded, 0);
  t.deepEqual(
    reach.groups.map((x) => x.name).sort(),
    [
      one?.name,
      'KUBE-MARK-MASQ',
      ...(one?.rules
        .filter((r) => r.target?.kind === 'jump' && r.target.chain.startsWith('KUBE-SEP-'))
        .map((r) => (r.target?.kind === 'jump' ? r.target.chain : '')) ?? []),
    ].sort(),
  );
});

test('chain graphs of every third-party and captured dump are drawable', async (t) => {
  for (const file of iptablesSaveDumps()) {
    for (const section of findSectionsInText(readDump(file), file).sections) {
      if (section.kind !== 'iptables-save' && section.kind !== 'ip6tables-save') continue;
      const chart = chainsFlowchart(chainCallGraph(iptablesView(section.ruleset)));
      t.deepEqual(await chartReadsBack(chart), [], file);
      t.true(chart.nodes.length <= 60, `${file}: ${chart.nodes.length}`);
    }
  }
});

test('a lone chain is labelled with what the rules jumping into it say of it: the Service behind KUBE-SVC and KUBE-SEP chains', async (t) => {
  const section = (await findSections([join(repoRoot, 'samples', 'incident-node')])).sections.find(
    (s) => s.kind === 'iptables-save',
  );
  if (section?.kind !== 'iptables-save') return t.fail('no ruleset');
  const g = chainCallGraph(iptablesView(section.ruleset), { table: 'nat' });
  const comment = (name: string) => g.groups.find((x) => x.name === name)?.comment;
  t.is(comment('KUBE-SVC-67NZLRHBNDSAWJRO'), 'shop/web:http', 'cluster IP and NodePort callers agree on the service');
  t.is(comment('KUBE-SEP-XV6FDLZJXSR4FG62'), 'shop/web:http -> 10.244.1.30:8080');
  t.is(comment('KUBE-MARK-MASQ'), undefined, 'callers of many services share nothing');
  t.regex(
    chainsFlowchart(g).nodes.find((n) => n.label.startsWith('KUBE-SEP-XV6FDLZJXSR4FG62'))?.label ?? '',
    /\nshop\/web:http -> 10\.244\.1\.30:8080\n2 rules$/,
  );
});
