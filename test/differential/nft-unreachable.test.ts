/**
 * Which nft rules end their chain, against the kernel: a packet the node sends itself (ping, OUTPUT) through a nat
 * chain whose first rule DNATs. The kernel's counter on the second rule says whether the chain went on; lint's
 * LINT_UNREACHABLE_RULE must say the second rule never runs exactly when that counter stays at 0.
 */
import type { ExecutionContext } from 'ava';
import { analyze, readText } from '../../src/index';
import { type Exec, kernelTest, withNetns } from '../helpers/kernel';

const NFT = '/usr/sbin/nft';

/** A nat chain on output whose first rule is `first`, then a counted rule for the probe's destination. */
const ruleset = (first: string) => `table ip t {
	map x {
		type ipv4_addr : ipv4_addr
	}
	chain out {
		type nat hook output priority -100; policy accept;
		${first}
		ip daddr 192.0.2.9 counter dnat to 127.0.0.1
	}
}
`;

/** The listing after one ping to 192.0.2.9, routed to loopback (nothing leaves the namespace). */
function afterPing(t: ExecutionContext, exec: Exec, first: string): string {
  for (const [cmd, args] of [
    ['ip', ['link', 'set', 'lo', 'up']],
    ['ip', ['route', 'add', '192.0.2.0/24', 'dev', 'lo']],
  ] as const) {
    const r = exec(cmd, args);
    t.is(r.status, 0, r.stderr);
  }
  const load = exec(NFT, ['-f', '-'], ruleset(first));
  t.is(load.status, 0, load.stderr);
  exec('ping', ['-c', '1', '-W', '1', '192.0.2.9']);
  return exec(NFT, ['list', 'ruleset']).stdout;
}

for (const [first, ends] of [
  // The map is empty: the lookup misses, which breaks off the rule, and the chain goes on (nft_lookup, NFT_BREAK).
  ['dnat to ip daddr map @x', false],
  ['dnat to 127.0.0.1', true],
] as const) {
  kernelTest(`nft: \`${first}\` ${ends ? 'ends' : 'does not end'} the chain, in the kernel and in lint`, async (t) => {
    const listing = withNetns((exec) => afterPing(t, exec, first));
    const counted = /ip daddr 192\.0\.2\.9 counter packets (\d+)/.exec(listing);
    t.truthy(counted, listing);
    t.is(Number(counted![1]) === 0, ends, `the kernel's counter of the second rule:\n${listing}`);
    const unreachable = analyze(await readText(listing, 'nft.txt')).findings.filter(
      (f) => f.code === 'LINT_UNREACHABLE_RULE',
    );
    t.is(unreachable.length, ends ? 1 : 0, unreachable.map((f) => f.message).join('\n'));
  });
}
