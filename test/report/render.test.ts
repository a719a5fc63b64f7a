/**
 * Rendering in Chromium: one browser renders a trace, a service map, a stale picture and a chain graph
 * to SVG, PNG and PDF; the SVG shows every label as text, the PNG is a real picture, and mermaid-cli
 * draws the same labels from the same source.
 */
import { join } from 'node:path';
import { renderMermaid } from '@mermaid-js/mermaid-cli';
import { PNG } from 'pngjs';
import puppeteer from 'puppeteer';
import { chainCallGraph } from '../../src/analyses/chains/index';
import { iptablesView } from '../../src/model/iptables-view';
import { analyzeServices } from '../../src/analyses/services/index';
import { analyzeStale } from '../../src/analyses/stale/index';
import { tracePacket } from '../../src/analyses/trace/index';
import { findSections } from '../../src/input/sections';
import { type NodeDumps, nodesOfInputs, singleNode } from '../../src/model/node';
import { chainsFlowchart } from '../../src/report/mermaid/chains';
import type { Flowchart } from '../../src/report/mermaid/flowchart';
import { cutLine } from '../../src/report/mermaid/label';
import { printFlowchart } from '../../src/report/mermaid/print';
import { servicesFlowchart } from '../../src/report/mermaid/services';
import { staleFlowchart } from '../../src/report/mermaid/stale';
import { traceFlowchart } from '../../src/report/mermaid/trace';
import { LAUNCH_ARGS } from '../../src/report/render/chromium';
import { MERMAID_CONFIG } from '../../src/report/render/browser-renderer';
import { resolveEntityCodes } from '../../src/report/render/svg-entities';
import { browserTest, chromium, sharedRenderer, svgTexts } from '../helpers/browser';
import { repoRoot } from '../helpers/shared';

const incident = (await findSections([join(repoRoot, 'samples', 'incident-node')])).sections;
const node = singleNode(incident) as NodeDumps;
const nodes = nodesOfInputs(incident);
const ruleset = node.rulesets[0]?.ruleset;
if (!ruleset) throw new Error('the incident sample has no ruleset');

const CHARTS: Record<string, Flowchart> = {
  trace: traceFlowchart(
    tracePacket(node, { src: '10.244.0.5', dst: '10.96.14.20', proto: 'tcp', sport: 33000, dport: 80 }),
  ),
  services: servicesFlowchart(analyzeServices(nodes)),
  stale: staleFlowchart(analyzeStale(nodes)),
  chains: chainsFlowchart(chainCallGraph(iptablesView(ruleset), { table: 'nat' })),
};

/** Each line of each label, which the SVG must show (wrapped or not). */
const labelLines = (c: Flowchart) =>
  [...c.nodes.map((n) => n.label), ...c.edges.map((e) => e.label ?? '')]
    .flatMap((l) => l.split('\n').map((line) => cutLine(line)))
    .filter(Boolean);

for (const [name, chart] of Object.entries(CHARTS)) {
  browserTest(`${name}: the SVG shows every label as text, the PNG is a picture, the PDF a document`, async (t) => {
    const renderer = await sharedRenderer();
    const svg = new TextDecoder().decode(await renderer.render(printFlowchart(chart), 'svg'));
    t.notRegex(svg, /<foreignObject/, 'labels are SVG text, readable without a browser');
    const shown = svgTexts(svg).join('|');
    for (const line of labelLines(chart))
      t.true(shown.includes(line.replace(/\s+/g, '')), `${name}: "${line}" not in the SVG`);

    const png = PNG.sync.read(Buffer.from(await renderer.render(printFlowchart(chart), 'png')));
    t.true(png.width > 200 && png.height > 100, `${png.width}×${png.height}`);
    let ink = 0;
    const colours = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i] as number, png.data[i + 1] as number, png.data[i + 2] as number];
      colours.add((r << 16) | (g << 8) | b);
      if (r + g + b < 600) ink++;
    }
    t.true(ink / (png.width * png.height) > 0.01, 'something is drawn');
    t.true(colours.size > 16, 'more than a flat fill');

    const pdf = Buffer.from(await renderer.render(printFlowchart(chart), 'pdf'));
    t.is(pdf.subarray(0, 5).toString(), '%PDF-');
  });
}

browserTest(
  "mermaid-cli's renderMermaid draws the same labels from the same source (given the entity fix both need)",
  async (t) => {
    const browser = await puppeteer.launch({ executablePath: chromium, args: [...LAUNCH_ARGS] });
    try {
      const renderer = await sharedRenderer();
      for (const [name, chart] of Object.entries(CHARTS)) {
        const source = printFlowchart(chart);
        const theirs = resolveEntityCodes(
          new TextDecoder().decode(
            (await renderMermaid(browser, source, 'svg', { mermaidConfig: MERMAID_CONFIG })).data,
          ),
        );
        const ours = new TextDecoder().decode(await renderer.render(source, 'svg'));
        t.deepEqual(svgTexts(ours).sort(), svgTexts(theirs).sort(), name);
      }
    } finally {
      await browser.close();
    }
  },
);

browserTest('a diagram mermaid cannot render is an error naming why, and the page keeps working', async (t) => {
  const renderer = await sharedRenderer();
  await t.throwsAsync(renderer.render('flowchart LR\n  a["unclosed] --> b\n', 'svg'), {
    message: /^mermaid could not render the diagram: /,
  });
  const svg = new TextDecoder().decode(await renderer.render(printFlowchart(CHARTS.chains as Flowchart), 'svg'));
  t.true(svgTexts(svg).some((s) => s.includes('KUBE-SERVICES')));
});

browserTest('the same source renders to the same SVG, so rendered diagrams diff as well as their source', async (t) => {
  const renderer = await sharedRenderer();
  const source = printFlowchart(CHARTS.stale as Flowchart);
  const svgOf = async () =>
    new TextDecoder().decode(await renderer.render(source, 'svg')).replace(/nfwalk-\d+/g, 'nfwalk-N');
  t.is(await svgOf(), await svgOf());
});
