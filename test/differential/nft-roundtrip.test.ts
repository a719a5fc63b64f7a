/**
 * nft listings against the kernel: random rulesets are loaded with `nft -f` into a namespace of this test's
 * own (`nfwalk-nft-…`) and listed in every print mode (plain, -a, -n, -s, -y, -n -a); nfwalk's fmt of each
 * listing must equal it. Then nfwalk's print of the plain listing is loaded into a fresh namespace and
 * listed again: the kernel must give the same listing (our output is valid input that means the same).
 */
import { printNftSection } from '../../grammar/nft/index';
import { findSectionsInText } from '../../src/input/sections';
import { randomNftRuleset } from '../grammar/nft/random-nft';
import { kernelTest, run } from '../helpers/kernel';

const NFT = '/usr/sbin/nft';
const RULESETS = 12;
const MODES: readonly (readonly string[])[] = [[], ['-a'], ['-n'], ['-s'], ['-y'], ['-n', '-a']];

function inNetns<T>(name: string, fn: (nft: (args: readonly string[], input?: string) => string) => T): T {
  const ns = `nfwalk-nft-${process.pid}-${name}`;
  run('ip', ['netns', 'del', ns]);
  if (run('ip', ['netns', 'add', ns]).status !== 0) throw new Error(`ip netns add ${ns}`);
  try {
    return fn((args, input) => {
      const r = run('ip', ['netns', 'exec', ns, NFT, ...args], input);
      if (r.status !== 0) throw new Error(`nft ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    });
  } finally {
    run('ip', ['netns', 'del', ns]);
  }
}

/** What nfwalk's fmt prints for a listing: read through the segmenter, as a file would be. */
function fmt(listing: string): { text: string; problems: string[] } {
  const { sections, skipped } = findSectionsInText(listing, 'listing');
  const nft = sections.filter((s) => s.kind === 'nft');
  return {
    text: nft.map((s) => (s.kind === 'nft' ? printNftSection(s) : '')).join(''),
    problems: [
      ...nft.flatMap((s) => s.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)),
      ...skipped.map((k) => `skipped ${k.startLine}-${k.endLine}: ${k.reason}`),
    ],
  };
}

kernelTest(
  'nft list ruleset in every print mode prints back identically, and our print loads back to the same listing',
  (t) => {
    let listings = 0;
    for (let seed = 1; seed <= RULESETS; seed++) {
      const input = randomNftRuleset(seed * 7919);
      const plain = inNetns(`a${seed}`, (nft) => {
        nft(['-f', '-'], input);
        for (const mode of MODES) {
          const listing = nft([...mode, 'list', 'ruleset']);
          const got = fmt(listing);
          t.deepEqual(got.problems, [], `seed ${seed} nft ${mode.join(' ')}`);
          t.is(got.text, listing, `seed ${seed} nft ${mode.join(' ')} list ruleset`);
          listings++;
        }
        return nft(['list', 'ruleset']);
      });
      const ours = fmt(plain).text;
      const again = inNetns(`b${seed}`, (nft) => {
        nft(['-f', '-'], ours);
        return nft(['list', 'ruleset']);
      });
      t.is(again, plain, `seed ${seed}: nft -f of nfwalk's print lists the same`);
    }
    t.log(`${listings} kernel listings compared`);
  },
);
