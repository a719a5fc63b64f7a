/**
 * `diff` of two nft listings of one node, made by the kernel: a ruleset loaded with `nft -f`, listed, changed by nft
 * commands (a rule added, one deleted, a chain deleted, a policy and a priority changed, two rules swapped) and listed
 * again; every change is expected from the commands, in plain, `-a` and `-j` listings alike.
 */
import test from 'ava';
import { diffNodes } from '../../../src/analyses/diff/index';
import type { RulesetDiff } from '../../../src/analyses/diff/index';
import { findSectionsInText } from '../../../src/input/sections';
import { nodesOfInputs } from '../../../src/model/node';
import { kernelTest, withNetns } from '../../helpers/kernel';
import { readShared, sharedTest } from '../../helpers/shared';

/** Not `nft`: under npm, node_modules/.bin holds an unrelated one (@vercel/nft). */
const NFT = '/usr/sbin/nft';

const nodes = (text: string, name: string) => nodesOfInputs(findSectionsInText(text, name, 'n1').sections);

const nftDiff = (before: string, after: string, name = 'n1.txt'): RulesetDiff | undefined =>
  diffNodes(nodes(before, `before-${name}`), nodes(after, `after-${name}`)).nodes[0]!.rulesets.find(
    (r) => r.format === 'nft',
  );

const BEFORE = `
table inet fw {
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related accept
		iifname "lo" accept
		tcp dport 22 accept
		jump extra
	}
	chain extra {
		udp dport 53 accept
		tcp dport 80 accept
	}
	chain gone {
		drop
	}
	chain swap {
		ip saddr 10.0.0.1 accept
		ip saddr 10.0.0.2 drop
	}
}
`;

/** What is done between the two listings, each with the change it must show. */
const CHANGES = [
  'add rule inet fw input tcp dport 443 accept',
  'delete chain inet fw gone',
  'chain inet fw input { policy drop ; }',
  'flush chain inet fw swap',
  'add rule inet fw swap ip saddr 10.0.0.2 drop',
  'add rule inet fw swap ip saddr 10.0.0.1 accept',
  'delete table ip late',
  'add table ip late',
  'add chain ip late out { type filter hook output priority 10 ; }',
];

kernelTest('two kernel listings of a node before and after nft commands: each change per table and chain', (t) => {
  withNetns((exec) => {
    t.is(
      exec(
        NFT,
        ['-f', '-'],
        `${BEFORE}\ntable ip late {\n\tchain out {\n\t\ttype filter hook output priority 0; policy accept;\n\t}\n}\n`,
      ).status,
      0,
    );
    // The rule deleted by handle: the one for port 80.
    const handles = exec(NFT, ['-a', 'list', 'chain', 'inet', 'fw', 'extra']).stdout;
    const h80 = /tcp dport 80 accept # handle (\d+)/.exec(handles)![1]!;
    const listings = (): string[] => [[], ['-a'], ['-j']].map((m) => exec(NFT, [...m, 'list', 'ruleset']).stdout);
    const before = listings();
    for (const c of [...CHANGES, `delete rule inet fw extra handle ${h80}`]) {
      const r = exec(NFT, c.split(' '));
      t.is(r.status, 0, `${c}: ${r.stderr}`);
    }
    const after = listings();
    for (const [i, name] of ['n1.txt', 'n1.txt', 'n1.json'].entries()) {
      const d = nftDiff(before[i]!, after[i]!, name)!;
      t.truthy(d, name);
      const chain = (table: string, c: string) => d.chains.find((x) => x.table === table && x.chain === c);
      t.deepEqual(
        d.chains.map((c) => `${c.table} ${c.chain}`).sort(),
        ['inet fw extra', 'inet fw gone', 'inet fw input', 'inet fw swap', 'ip late out'],
        name,
      );
      t.like(chain('inet fw', 'input'), {
        change: 'changed',
        policy: { before: 'accept', after: 'drop' },
        reordered: false,
      });
      t.deepEqual(
        chain('inet fw', 'input')!.added.map((r) => r.text),
        ['tcp dport 443 accept'],
      );
      t.deepEqual(
        chain('inet fw', 'extra')!.removed.map((r) => r.text),
        ['tcp dport 80 accept'],
      );
      t.like(chain('inet fw', 'gone'), { change: 'removed' });
      t.deepEqual(
        chain('inet fw', 'gone')!.removed.map((r) => r.text),
        ['drop'],
      );
      t.like(chain('inet fw', 'swap'), { reordered: true, added: [], removed: [] });
      t.like(chain('ip late', 'out'), {
        hook: {
          before: 'type filter hook output priority filter',
          after: 'type filter hook output priority filter + 10',
        },
      });
      t.is(d.rulesAdded, 1);
      t.is(d.rulesRemoved, 2);
    }
  });
});

sharedTest(
  "kube-proxy's nft layout change (≤1.33 → 1.34): chains moved off priority -110, the pre-DNAT chains renamed",
  (t) => {
    const d = nftDiff(
      readShared('captures/nft/kube-proxy-v1.31-1.33-layout.reconstructed.nft-list-ruleset.txt'),
      readShared('captures/nft/kube-proxy-v1.34-TestOverallNFTablesRules.nft-list-ruleset.txt'),
    )!;
    const chain = (c: string) => d.chains.find((x) => x.table === 'ip kube-proxy' && x.chain === c);
    for (const hook of ['input', 'forward'])
      t.like(chain(`filter-${hook}`), {
        hook: { before: `type filter hook ${hook} priority -110`, after: `type filter hook ${hook} priority filter` },
      });
    t.like(chain('filter-prerouting'), { change: 'removed' });
    t.like(chain('filter-output-post-dnat'), { change: 'removed' });
    t.like(chain('filter-prerouting-pre-dnat'), { change: 'added' });
    t.like(chain('filter-output-pre-dnat'), { change: 'added' });
  },
);

test('the same listing twice: no nft change', (t) => {
  const text = `table ip t {\n\tchain c {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tip saddr 10.0.0.1 counter packets 3 bytes 180 drop\n\t}\n}\n`;
  t.is(nftDiff(text, text.replace('packets 3 bytes 180', 'packets 9 bytes 540')), undefined);
});
