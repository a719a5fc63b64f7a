/**
 * Statements and stateful objects of `nft -j list ruleset` beyond kube-proxy's vocabulary: named counters, quotas,
 * limits, ct helpers, timeouts, expectations and synproxies, `ct count`, `synproxy`, `tproxy`, `queue`. A ruleset
 * with each is loaded into a namespace; the kernel's JSON must read without a diagnostic and print as the kernel's
 * own `nft -a list ruleset` of it (the JSON always carries handles). `queue` cannot be loaded here (no nft_queue in
 * this kernel): its JSON forms are libnftables-json(5)'s, checked against the text nftables' own tests give
 * (tests/py/any/queue.t: `queue num 4-5 fanout bypass` lists as `queue flags bypass,fanout to 4-5`, and the number
 * may be an expression: `queue flags bypass to numgen inc mod 65536`).
 */
import test from 'ava';
import { parseNft, parseNftJson, printNftSection } from '../../../grammar/nft/index';
import { kernelTest, withNetns } from '../../helpers/kernel';

/** Not `nft`: under npm, node_modules/.bin holds an unrelated one (@vercel/nft). */
const NFT = '/usr/sbin/nft';

const RULESET = `
table inet t {
	counter cnt { packets 0 bytes 0; }
	quota q { over 10 mbytes used 0 bytes; }
	limit l { rate 10/second; }
	ct helper h { type "ftp" protocol tcp; l3proto ip; }
	ct timeout tmo { protocol tcp; l3proto ip; policy = { established : 120 }; }
	ct expectation ex { protocol tcp; dport 21; timeout 1m; size 12; l3proto ip; }
	synproxy sp { mss 1460; wscale 7; timestamp sack-perm; }
	chain c {
		type filter hook forward priority filter; policy accept;
		tcp dport 26 ct count over 10 drop
		tcp dport 27 ct count 3 accept
		tcp dport 28 quota name "q" drop
		tcp dport 29 limit name "l" accept
		tcp dport 30 limit rate over 100/minute burst 10 packets drop
		tcp dport 31 quota over 5 mbytes drop
		tcp dport 32 synproxy mss 1460 wscale 7 timestamp sack-perm
		tcp dport 33 synproxy name "sp"
		tcp dport 34 ct helper set "h"
		tcp dport 35 ct timeout set "tmo"
		tcp dport 36 ct expectation set "ex"
		tcp dport 37 counter name "cnt"
		tcp dport 38 log prefix "x " level info flags all
	}
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		meta l4proto tcp tcp dport 80 tproxy ip to 127.0.0.1:8080 meta mark set 1 accept
		meta l4proto tcp tcp dport 81 tproxy ip6 to [::1]:8081 accept
		meta l4proto tcp tcp dport 82 tproxy to :8082 accept
	}
}
`;

kernelTest("the kernel's JSON of objects and statements prints as its own nft -a listing", (t) => {
  withNetns((exec) => {
    const load = exec(NFT, ['-f', '-'], RULESET);
    t.is(load.status, 0, load.stderr);
    const json = parseNftJson(exec(NFT, ['-j', 'list', 'ruleset']).stdout);
    t.deepEqual(json.diagnostics, []);
    t.is(printNftSection(json), exec(NFT, ['-a', 'list', 'ruleset']).stdout);
  });
});

const jsonRule = (...expr: object[]) =>
  JSON.stringify({
    nftables: [
      { table: { family: 'ip', name: 't', handle: 1 } },
      { chain: { family: 'ip', table: 't', name: 'c', handle: 1 } },
      { rule: { family: 'ip', table: 't', chain: 'c', handle: 2, expr } },
    ],
  });

test('queue in JSON reads as the listing prints it, and as the text reader reads that listing', (t) => {
  const cases: [object, string][] = [
    [{ queue: { num: 0 } }, 'queue to 0'],
    [{ queue: { num: 2 } }, 'queue to 2'],
    [{ queue: { num: { range: [2, 3] } } }, 'queue to 2-3'],
    [{ queue: { num: { range: [4, 5] }, flags: ['bypass', 'fanout'] } }, 'queue flags bypass,fanout to 4-5'],
    [{ queue: { num: { range: [4, 5] }, flags: 'fanout' } }, 'queue flags fanout to 4-5'],
    [{ queue: { num: 65535, flags: 'bypass' } }, 'queue flags bypass to 65535'],
    [
      { queue: { num: { numgen: { mode: 'inc', mod: 65536, offset: 0 } }, flags: 'bypass' } },
      'queue flags bypass to numgen inc mod 65536',
    ],
    [{ queue: { num: { symhash: { mod: 65536, offset: 0 } } } }, 'queue to symhash mod 65536'],
  ];
  for (const [stmt, text] of cases) {
    const json = parseNftJson(jsonRule(stmt));
    t.deepEqual(json.diagnostics, [], text);
    const rule = json.ruleset.tables[0]!.chains[0]!.rules[0]!;
    const listed = parseNft(`table ip t {\n\tchain c {\n\t\t${text}\n\t}\n}\n`);
    t.deepEqual(listed.diagnostics, [], text);
    t.deepEqual(rule.stmts, listed.ruleset.tables[0]!.chains[0]!.rules[0]!.stmts, text);
  }
});
