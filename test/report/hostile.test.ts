/**
 * A dump whose comments and names carry Mermaid, HTML and Markdown syntax: every diagram still parses
 * to exactly the boxes and arrows nfwalk drew, shows the hostile text as text, and no renderer (Mermaid
 * in Chromium, beautiful-mermaid without a browser) lets it become markup.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { iptablesView } from '../../src/model/iptables-view';
import { chainCallGraph } from '../../src/analyses/chains/index';
import { analyzeServices } from '../../src/analyses/services/index';
import { analyzeStale } from '../../src/analyses/stale/index';
import { tracePacket } from '../../src/analyses/trace/index';
import { findSectionsInText } from '../../src/input/sections';
import { type NodeDumps, nodesOfInputs } from '../../src/model/node';
import { chainsFlowchart } from '../../src/report/mermaid/chains';
import type { Flowchart } from '../../src/report/mermaid/flowchart';
import { cutLine } from '../../src/report/mermaid/label';
import { printFlowchart } from '../../src/report/mermaid/print';
import { servicesFlowchart } from '../../src/report/mermaid/services';
import { staleFlowchart } from '../../src/report/mermaid/stale';
import { traceFlowchart } from '../../src/report/mermaid/trace';
import { plainSvg } from '../../src/report/render/plain-renderer';
import { endpointsAt, kubeProxyRuleset, serviceSpec } from '../generators/kube-proxy-dump';
import { browserTest, sharedRenderer, svgTexts } from '../helpers/browser';
import { nfwalk } from '../helpers/cli';
import { chartReadsBack, readFlowchart } from '../helpers/mermaid';
import { SMALL_NODE } from '../helpers/small-node';

/** kube-proxy takes a service's name from its comment up to the first space: everything else is fair game. */
const NAME = `evil/x"]);click(s)-->y["<img/src=x/onerror=alert(1)><script>alert(1)</script>%%{init:{'securityLevel':'loose'}}%%#quot;\`md\`:::c;end:http`;
const CHAIN = '<b>]-->x[%%;end';
const NEEDLE = `"]--><script>alert(2)</script> %%{init:{}}%% | #lt; \`b\``;

const quoted = (s: string) => s.replace(/["\\]/g, '\\$&');
const rules = kubeProxyRuleset([serviceSpec(quoted(NAME), 'tcp', '10.96.0.66', 80, endpointsAt('10.244.1.6:8080'))], {
  clusterCidr: '10.244.0.0/16',
})
  .replace(/^(\*nat\n)/m, `$1:${CHAIN} - [0:0]\n`)
  .replace(
    /^(-A PREROUTING .*\n)/m,
    `-A PREROUTING -s 10.244.0.99/32 -j ${CHAIN}\n-A ${CHAIN} -m string --algo bm --string "${quoted(NEEDLE)}" -j DROP\n$1`,
  );
const conntrack =
  'tcp      6 86390 ESTABLISHED src=10.244.0.5 dst=10.96.0.66 sport=50001 dport=80 src=10.244.9.9 dst=10.244.0.5 sport=8080 dport=50001 [ASSURED] mark=0 use=1';
const DUMP = `${SMALL_NODE}\nroot@n1:~# iptables-save\n${rules}\nroot@n1:~# conntrack -L\n${conntrack}\n`;

const found = findSectionsInText(DUMP, 'hostile.txt', 'n1');
const nodes = nodesOfInputs(found.sections);
const node = nodes[0] as NodeDumps;
const ruleset = node.rulesets[0]?.ruleset;
if (!ruleset) throw new Error('the hostile dump has no ruleset');

const CHARTS: Record<string, Flowchart> = {
  services: servicesFlowchart(analyzeServices(nodes)),
  stale: staleFlowchart(analyzeStale(nodes)),
  chains: chainsFlowchart(chainCallGraph(iptablesView(ruleset), { table: 'nat' })),
  trace: traceFlowchart(
    tracePacket(node, { src: '10.244.0.99', dst: '10.96.0.66', proto: 'tcp', sport: 33000, dport: 80 }),
  ),
};

/** Statements nfwalk writes; a label that escaped its quotes would start something else. */
const STATEMENT =
  /^(flowchart (LR|TD)|  subgraph \w+\["[^"]*"\]|  end|  {1,3}\w+(\[|\(|\{)\S.*|  \w+ (-->|-\.->|==>)(\|"[^"]*"\|)? \w+|  classDef \w+ [\w:#,-]+|  class [\w,]+ \w+)$/;

const unsafe = (svg: string) =>
  [/<script/i, /<img/i, /<iframe/i, /<foreignObject/i, /\son\w+\s*=/i, /javascript:/i, /<a\b/i]
    .filter((r) => r.test(svg))
    .map(String);

test('the hostile names and strings are in the model, so the diagrams have to cope with them', (t) => {
  t.deepEqual(
    found.sections.flatMap((s) => s.diagnostics.filter((d) => d.severity === 'error')),
    [],
  );
  t.true(analyzeServices(nodes).services.some((v) => v.service.name === NAME));
  t.true(ruleset.tables.some((x) => x.chains.some((c) => c.name === CHAIN)));
});

test("Mermaid's parser reads the hostile text back as label text and nothing else", async (t) => {
  for (const [name, chart] of Object.entries(CHARTS)) {
    const source = printFlowchart(chart);
    for (const line of source.trimEnd().split('\n')) t.regex(line, STATEMENT, `${name}: ${line}`);
    t.deepEqual(await chartReadsBack(chart), [], name);
    const parsed = await readFlowchart(source);
    const texts = [
      ...parsed.vertices.values(),
      ...parsed.edges.map((e) => e.text),
      ...parsed.subgraphs.map((g) => g.title),
    ].join('\n');
    // Lines longer than a box can hold are cut, hostile or not.
    if (name === 'services') t.true(texts.includes(cutLine(`${NAME} tcp`)), 'the service name reads back');
    if (name === 'stale') t.true(texts.includes(cutLine(NAME)));
    if (name === 'chains') t.true(texts.includes(CHAIN));
    if (name === 'trace')
      t.true(texts.includes(NEEDLE) && texts.includes(CHAIN), 'the rule text and the chain read back whole');
  }
});

test('beautiful-mermaid draws the hostile dump without markup', async (t) => {
  for (const [name, chart] of Object.entries(CHARTS)) {
    const svg = new TextDecoder().decode(await plainSvg(printFlowchart(chart, 'plain')));
    t.deepEqual(unsafe(svg), [], name);
    t.true(svg.startsWith('<svg'), name);
  }
});

browserTest('Mermaid in Chromium draws the hostile text as text, with no markup from it', async (t) => {
  const renderer = await sharedRenderer();
  for (const [name, chart] of Object.entries(CHARTS)) {
    const svg = new TextDecoder().decode(await renderer.render(printFlowchart(chart), 'svg'));
    t.deepEqual(unsafe(svg), [], name);
    const shown = svgTexts(svg).join('|');
    const expected = { services: cutLine(`${NAME} tcp`), stale: cutLine(NAME), chains: CHAIN, trace: NEEDLE }[
      name
    ] as string;
    t.true(shown.includes(expected.replace(/\s+/g, '')), `${name}: the hostile text is shown as written`);
  }
});

browserTest('nfwalk services --output renders the hostile dump to a safe SVG', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-hostile-'));
  try {
    writeFileSync(join(dir, 'node.txt'), DUMP);
    const r = nfwalk(['services', join(dir, 'node.txt'), '--fail-on', 'none', '-o', join(dir, 'svc.svg')]);
    t.is(r.status, 0, r.stderr);
    const svg = readFileSync(join(dir, 'svc.svg'), 'utf8');
    t.deepEqual(unsafe(svg), []);
    t.true(
      svgTexts(svg)
        .join('|')
        .includes(cutLine(`${NAME} tcp`).replace(/\s+/g, '')),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
