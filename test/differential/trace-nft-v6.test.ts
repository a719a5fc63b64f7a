/**
 * The nft walk against the kernel, IPv6 (test/helpers/nft-differential.ts): kube-proxy's `table ip6
 * kube-proxy` in a random layout with random native `ip6`/`inet` tables and ip6tables-nft rules, in the IPv6
 * trace lab (namespaces `nfww-v6-*`, test/helpers/lab-family.ts); TCP, UDP and ICMPv6 echo probes, neighbour
 * discovery and the other ICMPv6 the probes cause left out of the comparison but walked through by the kernel.
 * More or other rulesets: NFWALK_NFT_SEEDS=40 NFWALK_NFT_FIRST_SEED=100.
 */
import { LAB_V6 } from '../helpers/lab-family';
import { nftWalkTests } from '../helpers/nft-differential';

nftWalkTests('nft, IPv6', { ...LAB_V6, namespaces: 'nfww-v6-' }, 6);
