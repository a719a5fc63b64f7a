/**
 * `nfwalk trace` against the kernel for IPv6: the IPv4 lab's plan carried over to IPv6 (test/helpers/
 * lab-family.ts) — random kube-proxy style rulesets ([addr]:port DNAT targets, icmp6 rejects, NodePorts behind
 * addrtype) with random rules in raw, mangle, nat and filter, inet6 ipsets, all loaded with ip6tables-restore;
 * TCP, UDP and ICMPv6 echo probes from outside, from pod-side addresses and from the node itself. The kernel's
 * trace (`nft -a monitor trace`: xtables-monitor cannot print ip6tables rules) must be one of nfwalk's paths,
 * and the NAT conntrack recorded the final header of such a path.
 */
import type { ExecutionContext } from 'ava';
import { kernelTest } from '../helpers/kernel';
import { LAB_V6 } from '../helpers/lab-family';
import { compareSeeds } from '../helpers/trace-compare';
import { TraceLab } from '../helpers/trace-lab';

// About 5 s per ruleset; more, or other ones, for a longer look: NFWALK_V6_SEEDS=40 NFWALK_V6_FIRST_SEED=100.
const SEEDS = Number(process.env.NFWALK_V6_SEEDS ?? 10);
const FIRST_SEED = Number(process.env.NFWALK_V6_FIRST_SEED ?? 1);
const PROBES_PER_RULESET = 60;

kernelTest(
  'trace (IPv6): the kernel’s trace of every probe is one of nfwalk’s paths, with the NAT conntrack records',
  async (t: ExecutionContext) => {
    await compareSeeds(
      t,
      new TraceLab(LAB_V6),
      Array.from({ length: SEEDS }, (_, i) => FIRST_SEED + i),
      PROBES_PER_RULESET,
      LAB_V6,
    );
  },
);
