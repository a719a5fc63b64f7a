/**
 * The base chains each hook runs, in the kernel's order, from both rule languages: iptables' tables at their
 * fixed priorities (raw -300, mangle -150, nat -100 or +100, filter 0, security 50) and nft base chains at
 * theirs. `type nat` chains do not run at their own priority: the NAT core runs them all in its slot (-100 at
 * prerouting and output, +100 at input and postrouting), ordered among themselves by priority
 * (shared/reference/nftables.md §5). Of two chains at one priority the kernel runs the one registered last
 * first, which no dump records: nft chains are taken in reverse listing order (the listing is in creation
 * order), ahead of iptables tables, and the trace says so.
 */
import type { NftFamily } from '../../model/nft';
import type { Backend, TableName } from '../../model/ruleset';
import type { CompiledRuleset, WalkChain } from './compile';
import { HOOK_TABLES } from './hooks';
import type { NftBaseChain } from './nft/compile';
import type { NftPolicyStep, PolicyStep } from './path';
import type { Hook } from './target';

export interface HookChain {
  readonly chain: WalkChain;
  readonly nat: boolean;
  /** Where the hook runs it: the NAT core's slot for nat chains, else the chain's own priority. */
  readonly slot: number;
  readonly priority: number;
  readonly policy: 'ACCEPT' | 'DROP';
  /** The step of `policy` applied: one object for every path that falls off the chain's end. */
  readonly policyStep: PolicyStep | NftPolicyStep;
  /** Set for an iptables table when the node runs both backends. */
  readonly backend?: Backend;
  /** Lower runs first among chains of one slot and priority. */
  readonly tie: number;
  /** How a note names the chain. */
  readonly name: string;
  readonly nft: boolean;
  /** An ingress chain runs for packets arriving on these devices only. */
  readonly devices?: readonly string[];
}

export type HookChains = Readonly<Record<Hook, readonly HookChain[]>>;

const NAT_SLOT: Readonly<Record<Hook, number>> = {
  INGRESS: 0,
  PREROUTING: -100,
  OUTPUT: -100,
  INPUT: 100,
  POSTROUTING: 100,
  FORWARD: 100,
};

const IPTABLES_PRIORITY: Readonly<Record<TableName, number>> = {
  raw: -300,
  mangle: -150,
  nat: -100,
  filter: 0,
  security: 50,
};

/** Conntrack looks the packet up at this priority (NF_IP_PRI_CONNTRACK) on prerouting and output. */
export const CONNTRACK_PRIORITY = -200;

/** Whether the kernel has an iptables table's built-in chain (iptables-nft makes them only as used). */
export type BuiltinExists = (ruleset: number, table: TableName, hook: Hook) => boolean;

function iptablesChains(rulesets: readonly CompiledRuleset[], hook: Hook, exists: BuiltinExists): HookChain[] {
  const out: HookChain[] = [];
  rulesets.forEach((rules, r) => {
    for (const table of HOOK_TABLES[hook]) {
      const chain = rules.chain(table, hook);
      if (!chain || !exists(r, table, hook)) continue;
      const nat = table === 'nat';
      const priority = nat ? NAT_SLOT[hook] : IPTABLES_PRIORITY[table];
      const { backend } = chain;
      const policy = chain.chain.policy === 'DROP' ? 'DROP' : 'ACCEPT';
      out.push({
        chain,
        nat,
        slot: priority,
        priority,
        policy,
        policyStep: backend ? { table, chain: hook, policy, backend } : { table, chain: hook, policy },
        ...(backend ? { backend } : {}),
        tie: r,
        name: `iptables ${table} ${hook}`,
        nft: false,
      });
    }
  });
  return out;
}

function nftChain(b: NftBaseChain): HookChain {
  const family: NftFamily = b.table.family;
  const table = b.table.name;
  const chain = b.chain.name;
  const drop = b.chain.base?.policy === 'drop';
  return {
    chain: b.compiled,
    nat: b.nat,
    slot: b.nat ? NAT_SLOT[b.hook] : b.priority,
    priority: b.priority,
    policy: drop ? 'DROP' : 'ACCEPT',
    policyStep: { family, table, chain, policy: drop ? 'drop' : 'accept' },
    tie: -1 - b.listed,
    name: `${family} ${table} ${chain}`,
    nft: true,
    ...(b.devices ? { devices: b.devices } : {}),
  };
}

function order(a: HookChain, b: HookChain): number {
  return a.slot - b.slot || Number(b.nat) - Number(a.nat) || a.priority - b.priority || a.tie - b.tie;
}

export interface HookPlan {
  readonly chains: HookChains;
  /** Ties among nft chains and between nft chains and iptables tables: the order rests on registration. */
  readonly ties: readonly string[];
  /** Some hook runs an nft base chain. */
  readonly nft: boolean;
}

const HOOKS: readonly Hook[] = ['INGRESS', 'PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

export function hookPlan(
  rulesets: readonly CompiledRuleset[],
  nft: readonly NftBaseChain[],
  exists: BuiltinExists = () => true,
): HookPlan {
  const ties: string[] = [];
  const chains = Object.fromEntries(
    HOOKS.map((hook) => {
      const list = [
        ...iptablesChains(rulesets, hook, exists),
        ...nft.filter((b) => b.hook === hook).map(nftChain),
      ].sort(order);
      for (let i = 1; i < list.length; i++) {
        const [a, b] = [list[i - 1]!, list[i]!];
        if (a.slot === b.slot && a.nat === b.nat && a.priority === b.priority && (a.nft || b.nft))
          ties.push(
            `${a.name} and ${b.name} are both at priority ${a.priority} on ${hook.toLowerCase()}: the kernel runs the one registered last first, which a dump does not record; nfwalk runs ${a.name} first`,
          );
      }
      return [hook, list];
    }),
  ) as Record<Hook, HookChain[]>;
  return { chains, ties, nft: nft.length > 0 };
}
