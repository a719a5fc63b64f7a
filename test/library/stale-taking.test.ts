/**
 * `staleAnalysisTaking`: the inputs handed over are not held once the entries are judged, so the CLI's full
 * collection then frees the rules' model before the groups and findings are made; the analysis is staleAnalysis's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import test from 'ava';
import type { Inputs } from '../../src/library/inputs';
import { readText } from '../../src/library/read-text';
import { staleAnalysis, staleAnalysisTaking } from '../../src/library/stale';
import { formatStale } from '../../src/report/stale-text';
import { repoRoot } from '../helpers/shared';

const sample = join(repoRoot, 'samples', 'incident-node');
const text = [
  '```',
  '# iptables-save',
  readFileSync(join(sample, 'iptables-save.txt'), 'utf8').trimEnd(),
  // The node's addresses: no NodePort doubts, whose own call of `garbage` would come while the rules are needed
  // (and a WeakRef read then keeps its target to the end of the job).
  '# ip addr',
  readFileSync(join(sample, 'ip-addr.txt'), 'utf8').trimEnd(),
  '# conntrack -L',
  readFileSync(join(sample, 'conntrack-L.txt'), 'utf8').trimEnd(),
  '```',
  '',
].join('\n');

test('the inputs handed over are garbage once judged, and the analysis is the same', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  let held: Inputs | undefined = await readText(text, 'paste.md');
  const rules = new WeakRef(held.sections.find((s) => s.kind === 'iptables-save')!);
  // A WeakRef keeps its target until the job that made it ends.
  await new Promise((done) => setImmediate(done));
  const collected: boolean[] = [];
  const analysis = staleAnalysisTaking(
    () => {
      const inputs = held!;
      held = undefined;
      return inputs;
    },
    {
      garbage: () => {
        gc();
        collected.push(rules.deref() === undefined);
      },
    },
  );
  t.deepEqual(collected, [true, true]);
  t.true(analysis.stale.length > 0);
  t.is(formatStale(analysis), formatStale(staleAnalysis(await readText(text, 'paste.md'))));
});
