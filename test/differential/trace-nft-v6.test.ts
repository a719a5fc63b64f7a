/**
 * The nft walk against the kernel, IPv6 (test/helpers/nft-differential.ts): kube-proxy's `table ip6
 * kube-proxy` in a random layout with random native `ip6`/`inet` tables and ip6tables-nft rules, in the IPv6
 * trace lab (namespaces `nfww-v6-*`, test/helpers/lab-family.ts); TCP, UDP and ICMPv6 echo probes, neighbour
 * discovery and the other ICMPv6 the probes cause left out of the comparison but walked through by the kernel.
 * More or other rulesets: NFWALK_NFT_SEEDS=40 NFWALK_NFT_FIRST_SEED=100.
 */
import type { ExecutionContext } from 'ava';
import { kernelTest } from '../helpers/kernel';
import { LAB_V6, type LabFamily } from '../helpers/lab-family';
import { compareMixedSeeds, compareMixedShares } from '../helpers/nft-differential';

const FAMILY: LabFamily = { ...LAB_V6, namespaces: 'nfww-v6-' };
const SEEDS = Number(process.env.NFWALK_NFT_SEEDS ?? 6);
const FIRST_SEED = Number(process.env.NFWALK_NFT_FIRST_SEED ?? 1);

kernelTest(
  "trace (nft, IPv6): the kernel's nft monitor trace of every probe is one of nfwalk's paths, with the NAT conntrack records",
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
  "trace (nft, IPv6): numgen splits real connections to a Service in nfwalk's shares",
  async (t: ExecutionContext) => {
    await compareMixedShares(t, FAMILY);
  },
);
