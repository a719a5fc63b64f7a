/**
 * The nft walk against the kernel, IPv4 (test/helpers/nft-differential.ts): random kube-proxy nftables
 * layouts with random native `ip`/`inet` tables and iptables-nft rules, traced with `nft monitor trace` in the
 * trace lab (namespaces `nfww-*`). More or other rulesets: NFWALK_NFT_SEEDS=40 NFWALK_NFT_FIRST_SEED=100.
 */
import { LAB_V4 } from '../helpers/lab-family';
import { nftWalkTests } from '../helpers/nft-differential';

nftWalkTests('nft', { ...LAB_V4, namespaces: 'nfww-' }, 8);
