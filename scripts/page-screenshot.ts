/**
 * docs/paste-page.png: the paste page on samples/incident-node, as README shows it. Pastes the sample's files
 * into the page (dist/nfwalk.html; npm run build first), analyses, and takes the top of the results.
 * Usage: node --import=tsx scripts/page-screenshot.ts
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findChromium } from '../src/report/render/chromium';
import { PasteGate } from '../test/helpers/page';

const root = join(import.meta.dirname, '..');
const sample = join(root, 'samples', 'incident-node');
const chromium = findChromium();
if (!chromium) throw new Error('no Chromium (apt-get install chromium)');
const gate = await PasteGate.open(chromium);
try {
  await gate.page.setViewport({ width: 1200, height: 900 });
  await gate.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  const files = readdirSync(sample).sort();
  await gate.paste(files.map((f) => readFileSync(join(sample, f), 'utf8')).join('\n'));
  const run = await gate.run();
  if (run.state !== 'done') throw new Error(run.message);
  // The first finding's evidence open, as a reader would have it.
  await gate.page.click('[data-finding-code] button.ref');
  await gate.page.waitForSelector('#evidence:not([hidden]) .hit');
  await gate.page.screenshot({
    path: join(root, 'docs', 'paste-page.png'),
    clip: { x: 0, y: 0, width: 1200, height: 1900 },
  });
} finally {
  await gate.close();
}
