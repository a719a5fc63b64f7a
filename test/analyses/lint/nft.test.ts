/**
 * Lint on nft listings the kernel made: a ruleset with one of each problem loaded with `nft -f` into a namespace
 * and listed back (plain, `-a`, `-j`), each finding expected from how the ruleset was written; kube-proxy's own
 * nft rulesets and the real-world nft dumps in ../shared with no finding but what is read off them by hand.
 */
import test from 'ava';
import type { Finding } from '../../../src/analyses/finding';
import { analyzeLint } from '../../../src/analyses/lint/index';
import { findSectionsInText } from '../../../src/input/sections';
import { nodesOfInputs } from '../../../src/model/node';
import { kernelTest, withNetns } from '../../helpers/kernel';
import { readShared, sharedTest } from '../../helpers/shared';

/** Not `nft`: under npm, node_modules/.bin holds an unrelated one (@vercel/nft). */
const NFT = '/usr/sbin/nft';

function lint(text: string, name = 'n1.txt'): Finding[] {
  return analyzeLint(nodesOfInputs(findSectionsInText(text, name, 'n1').sections));
}

/** Code and subject of each finding, sorted: what a ruleset is expected to give. */
const codes = (fs: readonly Finding[]) => fs.map((f) => `${f.code} ${f.subject}`).sort();

/** Each problem once, written so that which finding it gives is known from the text alone. */
const PROBLEMS = `
table ip alpha {
	set blocked { type ipv4_addr; }
	set allowed { type ipv4_addr; }
	set known { type ipv4_addr; elements = { 192.0.2.9 }; }
	map ports { type inet_service : verdict; }
	chain used {
		ip saddr @blocked drop
		ip saddr != @allowed drop
		ip saddr @known accept
		tcp dport vmap @ports
	}
	chain by-map {
		return
	}
	chain orphan {
		drop
	}
	chain fw {
		type filter hook forward priority filter; policy accept;
		ip saddr 10.0.0.0/8 jump used
		ip protocol vmap { tcp : jump by-map }
		ip daddr 192.0.2.1 drop
		ip daddr 192.0.2.1 drop
		numgen random mod 2 0 drop
		numgen random mod 2 0 drop
		counter accept
		ip daddr 192.0.2.2 drop
		ip daddr 192.0.2.3 drop
	}
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 80 dnat to 10.0.0.2
	}
	chain idle {
		type nat hook prerouting priority -100; policy accept;
	}
}
table inet beta {
	chain pre {
		type nat hook prerouting priority -100; policy accept;
		tcp dport 80 dnat ip to 10.0.0.1
	}
	chain fw {
		type filter hook forward priority filter + 10; policy accept;
		tcp dport 22 drop
	}
}
table ip6 gamma {
	chain fw {
		type filter hook forward priority 10; policy drop;
	}
}
`;

const EXPECTED = [
  'LINT_DUPLICATE_RULE ip alpha fw',
  'LINT_EMPTY_SET ip alpha @allowed',
  'LINT_EMPTY_SET ip alpha @blocked',
  'LINT_EMPTY_SET ip alpha @ports',
  'LINT_PRIORITY_TIE forward priority 10',
  'LINT_PRIORITY_TIE prerouting priority -100',
  'LINT_UNREACHABLE_RULE ip alpha fw',
  'LINT_UNUSED_CHAIN ip alpha orphan',
];

kernelTest('each problem of a kernel-made nft listing gives its finding, in every print mode', (t) => {
  withNetns((exec) => {
    const load = exec(NFT, ['-f', '-'], PROBLEMS);
    t.is(load.status, 0, load.stderr);
    for (const mode of [[], ['-a'], ['-j']]) {
      const listing = exec(NFT, [...mode, 'list', 'ruleset']);
      t.is(listing.status, 0, listing.stderr);
      const found = lint(listing.stdout, mode[0] === '-j' ? 'n1.json' : 'n1.txt');
      t.deepEqual(codes(found), EXPECTED, `nft ${mode.join(' ')} list ruleset`);
      const by = (code: string, subject: string) => found.find((f) => f.code === code && f.subject === subject)!;
      // The duplicate without a draw is named; the numgen copies are not duplicates (two draws).
      t.regex(
        by('LINT_DUPLICATE_RULE', 'ip alpha fw').message,
        /^rule 4 of ip alpha fw repeats rule 3 exactly, which always decides/,
      );
      t.regex(by('LINT_UNREACHABLE_RULE', 'ip alpha fw').message, /rule 7 .* the 2 rules after it \(8–9\) never run/);
      // A negated lookup in an empty set matches everything: a warning; a plain one never matches: info.
      t.is(by('LINT_EMPTY_SET', 'ip alpha @allowed').severity, 'warning');
      t.is(by('LINT_EMPTY_SET', 'ip alpha @blocked').severity, 'info');
      // inet meets ip: the nat chains with rules at dstnat tie (alpha's empty `idle` does nothing either way); ip6's
      // dropping chain and inet's at 10 tie, ip alpha's at 0 does not.
      t.regex(by('LINT_PRIORITY_TIE', 'prerouting priority -100').message, /ip alpha pre and inet beta pre/);
      t.regex(by('LINT_PRIORITY_TIE', 'forward priority 10').message, /inet beta fw and ip6 gamma fw/);
      if (mode[0] === '-a')
        t.regex(by('LINT_DUPLICATE_RULE', 'ip alpha fw').remedy, /nft delete rule ip alpha fw handle \d+/);
    }
  });
});

sharedTest("kube-proxy's nft rulesets, every print mode: nothing to say", (t) => {
  for (const f of [
    'kube-proxy-v1.34-TestOverallNFTablesRules.nft-list-ruleset.txt',
    'kube-proxy-v1.34-TestOverallNFTablesRules.nft-a-list-ruleset.txt',
    'kube-proxy-v1.34-TestOverallNFTablesRules.nft-n-a-list-ruleset.txt',
    'kube-proxy-v1.34-TestOverallNFTablesRules.nft-s-list-ruleset.txt',
    'kube-proxy-v1.34-TestOverallNFTablesRules.nft-j-list-ruleset.json',
    'kube-proxy-v1.31-1.33-layout.reconstructed.nft-list-ruleset.txt',
    'kube-proxy-ipv6-mini.nft-list-ruleset.txt',
  ])
    t.deepEqual(codes(lint(readShared(`captures/nft/${f}`), f)), [], f);
});

sharedTest('real-world nft dumps: only what is read off them by hand', (t) => {
  // Calico's workload dispatch maps are empty in this dump (no workload on the node): lookups that never match.
  t.deepEqual(codes(lint(readShared('realworld/nft/calico-felix-fv_cali-nftables-dump.nft-list-ruleset.txt'))), [
    'LINT_EMPTY_SET ip calico @filter-cali-from-wl-dispatch',
    'LINT_EMPTY_SET ip calico @filter-cali-to-wl-dispatch',
  ]);
  t.deepEqual(codes(lint(readShared('realworld/nft/moby_docker-bridges_masq-snat-nat__ip.golden.nft'))), []);
});

sharedTest(
  "kube-proxy's nft table beside iptables-nft's tables: each tie once, iptables-nft's named from iptables-nft-save",
  (t) => {
    const at = (f: string) => readShared(`captures/nft/${f}`);
    const found = analyzeLint(
      nodesOfInputs([
        ...findSectionsInText(at('kube-proxy-v1.34-TestOverallNFTablesRules.nft-list-ruleset.txt'), 'kube.txt', 'n1')
          .sections,
        ...findSectionsInText(at('iptables-nft-kube-proxy.nft-list-ruleset.txt'), 'nft.txt', 'n1').sections,
        ...findSectionsInText(at('iptables-nft-kube-proxy.iptables-nft-save.txt'), 'save.txt', 'n1').sections,
      ]),
    ).filter((f) => f.code === 'LINT_PRIORITY_TIE');
    // kube-proxy 1.34 hooks filter-input/forward/output at filter (0), nat-prerouting and nat-output at -100 and
    // nat-postrouting at srcnat (100): where iptables' filter and nat tables sit. Its -110 chains tie with nothing.
    t.deepEqual(found.map((f) => f.subject).sort(), [
      'forward priority 0',
      'input priority 0',
      'output priority -100',
      'output priority 0',
      'postrouting priority 100',
      'prerouting priority -100',
    ]);
    for (const f of found) {
      t.regex(f.message, /^base chains ip (filter|nat) \(iptables\) [A-Z]+ and ip kube-proxy [a-z-]+ both hook/);
      t.deepEqual(f.evidence.map((e) => e.path).sort(), ['kube.txt', 'save.txt']);
    }
  },
);

test('a listing of one chain is a part: chains it names but does not show are not missing, nothing is unused', (t) => {
  const part =
    'table ip kube-proxy {\n\tchain services {\n\t\tip daddr . meta l4proto . th dport vmap @service-ips\n\t}\n\tchain lone {\n\t\tjump elsewhere\n\t}\n}\n';
  t.deepEqual(codes(lint(part)), []);
});

test('a NAT statement that names a family ends an inet chain only for that family: nothing after it is unreachable', (t) => {
  // nft_nat_inet_eval applies `dnat ip to` to IPv4 packets only; an IPv6 packet goes on to the next rule.
  const chain = (family: string, nat: string) => `table ${family} t {
	chain out {
		type nat hook output priority -100; policy accept;
		${nat}
		counter
	}
}
`;
  const unreachable = (text: string) =>
    lint(text)
      .filter((f) => f.code === 'LINT_UNREACHABLE_RULE')
      .map((f) => f.subject);
  t.deepEqual(unreachable(chain('inet', 'dnat ip to 127.0.0.1')), []);
  t.deepEqual(unreachable(chain('inet', 'dnat ip6 to ::1')), []);
  t.deepEqual(unreachable(chain('ip', 'dnat ip to 127.0.0.1')), ['ip t out']);
  t.deepEqual(unreachable(chain('ip', 'dnat to ip daddr map { 192.0.2.9 : 127.0.0.1 }')), []);
});

test('base chains tie only on packets that meet both: ip and ip6 never, each with an inet chain', (t) => {
  const chain = (family: string, name: string) =>
    `table ${family} ${name} {\n\tchain fw {\n\t\ttype filter hook forward priority filter; policy accept;\n\t\ttcp dport 22 drop\n\t}\n}\n`;
  const ties = (text: string) =>
    lint(text)
      .filter((f) => f.code === 'LINT_PRIORITY_TIE')
      .map((f) => /^base chains (.*) both hook/.exec(f.message)?.[1]);
  t.deepEqual(ties(chain('ip', 'a') + chain('ip6', 'b')), []);
  t.deepEqual(ties(chain('ip', 'a') + chain('ip6', 'b') + chain('inet', 'c')), [
    'ip a fw and inet c fw',
    'ip6 b fw and inet c fw',
  ]);
  // Two inet tables meet on both families' packets: one tie.
  t.deepEqual(ties(chain('inet', 'c') + chain('inet', 'd')), ['inet c fw and inet d fw']);
});
