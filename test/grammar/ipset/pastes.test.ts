/**
 * `ipset list` as people paste it (issue #22, class 9), made from the sample nfwalk ships (ipset v7.17 in a
 * network namespace): after the members of the last set, a closing Markdown fence or a sentence is no
 * member; members are checked against the set's type, and the first line that is none ends the listing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import type { Section } from '../../../src/model/section';
import { errorsOf, sectionsOf } from '../../helpers/sections';
import { repoRoot } from '../../helpers/shared';

type Ipset = Extract<Section, { kind: 'ipset' }>;
const sample = readFileSync(join(repoRoot, 'samples', 'kube-node-ipvs.ipset.txt'), 'utf8');
/** The `ipset list` part of the sample, one block per set. */
const blocks = sample.split('\ncreate ')[0]!.trimEnd().split('\n\n');
const setsOf = (text: string) => sectionsOf(text).sections.filter((s): s is Ipset => s.kind === 'ipset');
const shape = (type: string) => type.slice(type.indexOf(':') + 1).replace(/net/g, 'ip');
const members = (s: Ipset) => s.sets.map((x) => [x.name, x.type, x.members.map((m) => [m.value, m.options])]);

test('class 9: a closing fence and a sentence after `ipset list` end the listing, whichever set is last', (t) => {
  t.true(blocks.length > 8);
  for (let last = 1; last <= blocks.length; last++) {
    const listing = blocks.slice(0, last).join('\n\n');
    const [clean] = setsOf(`${listing}\n`);
    const pasted = `Here is ipset list from the node:\n\`\`\`\n${listing}\n\`\`\`\nAs you can see the set has all the entries, but traffic still fails.\n`;
    const found = sectionsOf(pasted);
    const [read] = found.sections as Ipset[];
    t.is(found.sections.length, 1);
    t.deepEqual(members(read!), members(clean!), `last set ${clean!.sets.at(-1)!.name}`);
    t.deepEqual(read!.diagnostics, clean!.diagnostics);
    const lines = pasted.split('\n');
    t.deepEqual(
      found.skipped.filter((s) => s.startLine > 2).map((s) => [s.startLine, s.reason]),
      [
        [lines.indexOf('```', 2) + 1, 'Markdown fence'],
        [lines.length - 1, 'not a dump nfwalk reads'],
      ],
    );
  }
});

test('class 9: a sentence right after the last member, without a blank line or fence, ends the listing', (t) => {
  const listing = blocks.join('\n\n');
  const { sections, skipped } = sectionsOf(
    `${listing}\nThe KUBE-CLUSTER-IP set looks fine to me.\nroot@node-b:~# ipset save\n${sample.split('\ncreate ')[1] ? `create ${sample.split('\ncreate ').slice(1).join('\ncreate ')}` : ''}`,
  );
  const [list, save] = sections as Ipset[];
  t.deepEqual(members(list!), members(setsOf(`${listing}\n`)[0]!));
  t.deepEqual([...errorsOf(list!), ...errorsOf(save!)], []);
  t.deepEqual(members(list!), members(save!), 'the save after it is read whole');
  t.deepEqual(
    skipped.map((s) => [s.startLine, s.reason]),
    [
      [listing.split('\n').length + 1, 'not a dump nfwalk reads'],
      [listing.split('\n').length + 2, 'shell prompt'],
    ],
  );
});

test('class 9: members are checked against the type of their set; one of another type ends the listing', (t) => {
  const byType = new Map(blocks.map((b) => [/^Type: (\S+)$/m.exec(b)![1]!, b]));
  const firstMember = (b: string) => b.split('\n')[b.split('\n').indexOf('Members:') + 1]!;
  let checked = 0;
  for (const [type, block] of byType) {
    for (const [otherType, other] of byType) {
      const foreign = firstMember(other).split(' ')[0]!;
      // Types of the same shape take each other's members (bitmap:ip and hash:ip hold addresses, hash:net hosts too).
      if (shape(type) === shape(otherType)) continue;
      const [clean] = setsOf(`${block}\n`);
      const found = sectionsOf(`${block}\n${foreign}\n`);
      t.deepEqual(members(found.sections[0] as Ipset), members(clean!), `${foreign} in ${type}`);
      t.deepEqual(
        found.skipped.map((s) => s.startLine),
        [block.split('\n').length + 1],
        `${foreign} in ${type}`,
      );
      checked++;
    }
  }
  t.true(checked > 20, `${checked} pairs`);
});
