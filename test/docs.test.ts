/**
 * Generated parts of docs/ match what the code generates: docs never drift from the descriptors, and the
 * committed diagram SVGs show what rendering the samples shows today.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { docsDiagrams } from '../scripts/docs-diagrams';
import { GENERATED, diagramSvg, withGenerated } from '../scripts/docs';
import { printFlowchart } from '../src/report/mermaid/print';
import { browserTest, sharedRenderer, svgTexts } from './helpers/browser';

for (const g of GENERATED) {
  test(`${g.file.split('/docs/')[1]} is up to date (npm run docs)`, async (t) => {
    const text = readFileSync(g.file, 'utf8');
    t.is(text, withGenerated(text, g.marker, await g.render()));
  });
}

browserTest('the diagram SVGs in docs/ show what the samples render to now (npm run docs)', async (t) => {
  const renderer = await sharedRenderer();
  for (const d of await docsDiagrams()) {
    const fresh = new TextDecoder().decode(await renderer.render(printFlowchart(d.chart), 'svg'));
    t.deepEqual(svgTexts(readFileSync(diagramSvg(d.name), 'utf8')).sort(), svgTexts(fresh).sort(), d.name);
  }
});
