/** Generated parts of docs/ match what the code generates: docs never drift from the descriptors. */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { GENERATED, withGenerated } from '../scripts/docs';

for (const g of GENERATED) {
  test(`${g.file.split('/docs/')[1]} is up to date (npm run docs)`, (t) => {
    const text = readFileSync(g.file, 'utf8');
    t.is(text, withGenerated(text, g.marker, g.render()));
  });
}
