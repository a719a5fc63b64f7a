/**
 * The room made for the NodePort doubts (a full collection told through `garbage`) is made on a small heap only:
 * on a big one (an nft listing's model) marking what is live costs more than the first look's contexts free.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { judgeNodes } from '../../../src/analyses/stale/index';
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

function roomsMade(): number {
  let told = 0;
  judgeNodes(nodesOfText(text), { garbage: () => told++ });
  return told;
}

test('room is made for the NodePort doubts on a small heap, not on a big one', (t) => {
  t.is(roomsMade(), 1);
  // 200 MB live: the heap of a big nft node.
  const held = new Array<number>(25_000_000).fill(0.5);
  t.is(roomsMade(), 0);
  t.is(held.length, 25_000_000);
});
