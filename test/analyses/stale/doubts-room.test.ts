/**
 * The analysis tells `garbage` when much has just become garbage, by moment; the CLI collects for the NodePort
 * doubts (the first look's contexts) on a small heap only: on a big one (an nft listing's model) marking what is
 * live costs more than the first look's contexts free.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { type GarbageMoment, judgeNodes } from '../../../src/analyses/stale/index';
import { collectsAt } from '../../../src/cli/stale-collections';
import { nodesOfText } from '../../helpers/sections';
import { repoRoot } from '../../helpers/shared';

const sample = join(repoRoot, 'samples', 'incident-node');
// No `ip addr`: the node's addresses are unknown, so entries to deleted services are in doubt.
const text = [
  'root@n1:~# iptables-save',
  readFileSync(join(sample, 'iptables-save.txt'), 'utf8').trimEnd(),
  'root@n1:~# conntrack -L',
  readFileSync(join(sample, 'conntrack-L.txt'), 'utf8').trimEnd(),
  '',
].join('\n');

test('judging a node with NodePort doubts tells the first look once, before the doubts', (t) => {
  const told: GarbageMoment[] = [];
  judgeNodes(nodesOfText(text), { garbage: (moment) => told.push(moment) });
  t.deepEqual(told, ['first-look']);
});

test("the CLI makes room for the doubts on a small heap, not on a big one, and always collects the inputs' garbage", (t) => {
  const MB = 2 ** 20;
  t.true(collectsAt('first-look', 100 * MB));
  t.false(collectsAt('first-look', 200 * MB));
  for (const moment of ['judged', 'grouped'] as const) t.true(collectsAt(moment, 400 * MB));
});
