/**
 * The nft walk against the kernel, IPv4 (test/helpers/nft-differential.ts): random kube-proxy nftables
 * layouts with random native `ip`/`inet` tables and iptables-nft rules, traced with `nft monitor trace` in the
 * trace lab (namespaces `nfww-*`). More or other rulesets: NFWALK_NFT_SEEDS=40 NFWALK_NFT_FIRST_SEED=100.
 */
import type { ExecutionContext } from 'ava';
import { kernelTest } from '../helpers/kernel';
import { LAB_V4, type LabFamily } from '../helpers/lab-family';
import { compareMixedSeeds, compareMixedShares } from '../helpers/nft-differential';

const FAMILY: LabFamily = { ...LAB_V4, namespaces: 'nfww-' };
const SEEDS = Number(process.env.NFWALK_NFT_SEEDS ?? 8);
const FIRST_SEED = Number(process.env.NFWALK_NFT_FIRST_SEED ?? 1);

kernelTest(
  "trace (nft): the kernel's nft monitor trace of every probe is one of nfwalk's paths, with the NAT conntrack records",
  async (t: ExecutionContext) => {
    await compareMixedSeeds(
      t,
      FAMILY,
      Array.from({ length: SEEDS }, (_, i) => FIRST_SEED + i),
      60,
    );
  },
);

kernelTest(
  "trace (nft): numgen splits real connections to a Service in nfwalk's shares",
  async (t: ExecutionContext) => {
    await compareMixedShares(t, FAMILY);
  },
);
