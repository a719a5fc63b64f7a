/**
 * iptables-nft's tables seen through nft: with the node's iptables-nft-save among the inputs they are analysed
 * from it (said with an info finding naming the file), and only the nft ruleset's other tables are counted as
 * read but not walked. Kernel-made captures: iptables-nft-restore of a kube-proxy ruleset, then both listings;
 * and calico#13263's node, whose iptables-nft-save calls every table incompatible and so covers none.
 */
import type { ExecutionContext } from 'ava';
import { unwalkedRulesetFindings } from '../../src/analyses/analyze/input-findings';
import { findSectionsInText } from '../../src/input/sections';
import { isIptablesNftTable, nftTableSources } from '../../src/model/nft-iptables';
import { type NodeDumps, nodesOfInputs } from '../../src/model/node';
import { unwalkedRulesets } from '../../src/library/no-dump';
import { readShared, sharedTest } from '../helpers/shared';

const SAVE = 'captures/nft/iptables-nft-kube-proxy.iptables-nft-save.txt';
const LISTING = 'captures/nft/iptables-nft-kube-proxy.nft-list-ruleset.stdout+stderr.txt';

function node(t: ExecutionContext, ...files: string[]): NodeDumps {
  const sections = files.flatMap((f) => findSectionsInText(readShared(f), `n1/${f.split('/').at(-1)}`, 'n1').sections);
  const nodes = nodesOfInputs(sections);
  t.is(nodes.length, 1);
  return nodes[0]!;
}

sharedTest(
  "iptables-nft's tables in an nft listing are walked from the node's iptables-nft-save, not counted twice",
  (t) => {
    const both = node(t, SAVE, LISTING);
    const sources = nftTableSources(both);
    t.deepEqual(
      sources.map((s) => `${s.table.family} ${s.table.name}`),
      ['ip raw', 'ip mangle', 'ip filter', 'ip nat'],
    );
    t.true(
      sources.every(
        (s) => isIptablesNftTable(s.table) && s.analysedFrom?.source.path.endsWith('iptables-nft-save.txt'),
      ),
    );
    const findings = unwalkedRulesetFindings(both);
    t.deepEqual(
      findings.map((f) => [f.severity, f.message.split(':')[0]]),
      [
        ['info', "nft table ip raw (2 rules) is iptables-nft's"],
        ['info', "nft table ip mangle (1 rule) is iptables-nft's"],
        ['info', "nft table ip filter (16 rules) is iptables-nft's"],
        ['info', "nft table ip nat (24 rules) is iptables-nft's"],
      ].map(([severity, head]) => [severity, head]),
    );
    t.regex(
      findings[3]!.message,
      /walked from n1\/iptables-nft-kube-proxy\.iptables-nft-save\.txt:1 \(iptables-nft-save\)/,
    );
    t.deepEqual(
      unwalkedRulesets(both.sections).map((m) => m.replace(/:\d+-\d+ /, ' ')),
      [
        `n1/${LISTING.split('/').at(-1)} is an nft listing of iptables-nft's tables, walked from n1/iptables-nft-kube-proxy.iptables-nft-save.txt:1 (iptables-nft-save) instead`,
      ],
    );

    const alone = node(t, LISTING);
    t.true(nftTableSources(alone).every((s) => s.analysedFrom === undefined));
    // Without iptables-nft-save, the listing itself is walked; only the services in kube-proxy's chains go unread.
    t.deepEqual(
      unwalkedRulesetFindings(alone).map((f) => [f.severity, f.message.split(':')[0]]),
      [
        ['warning', "nft table ip filter holds kube-proxy's iptables-mode chains (it is iptables-nft's)"],
        ['warning', "nft table ip nat holds kube-proxy's iptables-mode chains (it is iptables-nft's)"],
      ],
    );
  },
);

sharedTest('an iptables-nft-save that calls its tables incompatible covers none of them', (t) => {
  const n = node(
    t,
    'captures/nft/calico-13263-foreign-ruleset.kernel.iptables-nft-save.stdout+stderr.txt',
    'captures/nft/calico-13263-foreign-ruleset.kernel.nft-list-ruleset.stdout+stderr.txt',
  );
  t.true(nftTableSources(n).every((s) => s.analysedFrom === undefined));
  t.deepEqual(unwalkedRulesetFindings(n), [], 'the listing itself is walked');
});
