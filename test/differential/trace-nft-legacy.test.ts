/**
 * A node whose rules are nft and iptables-legacy at once (test/helpers/nft-differential.ts): random kube-proxy
 * nftables layouts and native nft tables beside random iptables-legacy tables (mangle marks, nat DNAT that
 * competes with kube-proxy's at the same priority, SNAT and MASQUERADE, filter verdicts), loaded with
 * iptables-legacy-restore into the trace lab (namespaces `nfww-leg-*`); the bundle nfwalk reads holds
 * `iptables-legacy-save` and `nft list ruleset`, and one walk runs the legacy tables at their fixed priorities
 * (raw -300, mangle -150, nat -100/+100, filter 0, security 50) among the nft base chains. The kernel's nft trace
 * does not show legacy rules, so each probe's nft steps must be those of one of nfwalk's paths, and its NAT the
 * one conntrack records. More or other rulesets: NFWALK_NFT_SEEDS=40 NFWALK_NFT_FIRST_SEED=100.
 */
import type { ExecutionContext } from 'ava';
import { kernelTest, run } from '../helpers/kernel';
import { LAB_V4, type LabFamily } from '../helpers/lab-family';
import { compareMixedSeeds, seedsFromEnv } from '../helpers/nft-differential';

const FAMILY: LabFamily = { ...LAB_V4, namespaces: 'nfww-leg-' };

kernelTest(
  "trace (nft + iptables-legacy): the kernel's nft trace of every probe is the nft steps of one of nfwalk's paths, with the NAT conntrack records",
  async (t: ExecutionContext) => {
    if (run('iptables-legacy-restore', ['--version']).status !== 0) {
      if (process.env.NFWALK_REQUIRE_KERNEL === '1') t.fail('iptables-legacy-restore is not installed');
      else t.pass('iptables-legacy-restore is not installed: nothing to compare');
      return;
    }
    await compareMixedSeeds(t, FAMILY, seedsFromEnv(6), 60, { legacy: true });
  },
);
