/**
 * iptables-save's reader of the ruleset view (ruleset-view.ts): the five tables of a family, built-in chains as base
 * chains at the fixed priorities x_tables and iptables-nft register them at, `-j CHAIN`/`-g CHAIN` as calls.
 */
import { printRule } from '../../grammar/iptables-save/print';
import { type SectionGap, inShownTables, unshownOf } from './gaps';
import type { CommentMatch } from './match';
import { nftFamilyOf } from './nft';
import type { Chain, Rule, Ruleset, Table, TableName } from './ruleset';
import type { ViewBase, ViewChain, ViewRule, RulesetView } from './ruleset-view';
import type { RulesetSection } from './section';
import type { Family } from './values';

/** The netfilter priority of a table's built-in chain (include/uapi/linux/netfilter_ipv4.h NF_IP_PRI_*). */
function priorityOf(table: TableName, hook: string): number {
  switch (table) {
    case 'raw':
      return -300;
    case 'mangle':
      return -150;
    case 'nat':
      return hook === 'prerouting' || hook === 'output' ? -100 : 100;
    case 'filter':
      return 0;
    case 'security':
      return 50;
  }
}

function baseOf(table: TableName, chain: Chain): ViewBase | undefined {
  if (!chain.builtin) return undefined;
  const hook = chain.name.toLowerCase();
  const priority = priorityOf(table, hook);
  return {
    hook,
    type: table === 'nat' ? 'nat' : table === 'mangle' && hook === 'output' ? 'route' : 'filter',
    priority,
    priorityText: String(priority),
    policy: chain.policy,
  };
}

function ruleOf(chain: Chain, rule: Rule, family: Family): ViewRule {
  const t = rule.target;
  const comment = rule.matches.find((m): m is CommentMatch => m.module === 'comment')?.comment;
  let text: string | undefined;
  return {
    index: rule.index,
    location: rule.location,
    calls: t?.kind === 'jump' ? [{ chain: t.chain, goto: t.goto }] : [],
    ...(comment !== undefined ? { comment } : {}),
    ...(rule.assumed !== undefined ? { assumed: true as const } : {}),
    text: () => (text ??= printRule(chain, rule, family, { counters: false })),
  };
}

function chainOf(table: Table, chain: Chain, family: Family): ViewChain {
  const base = baseOf(table.name, chain);
  return {
    name: chain.name,
    ...(base ? { base } : {}),
    rules: chain.rules.map((r) => ruleOf(chain, r, family)),
    location: chain.location,
  };
}

const views = new WeakMap<Ruleset, Map<boolean, RulesetView>>();

/**
 * The view of one iptables-save dump. `gaps`: what the dump does not show (its own, and a section's filter: see
 * sectionView); a dump with gaps in the tables it shows is not whole.
 */
export function iptablesView(ruleset: Ruleset, gaps: readonly SectionGap[] = ruleset.gaps ?? []): RulesetView {
  const whole = !gaps.some(inShownTables);
  let byWhole = views.get(ruleset);
  if (!byWhole) views.set(ruleset, (byWhole = new Map()));
  let view = byWhole.get(whole);
  if (view) return view;
  view = {
    format: 'iptables',
    family: ruleset.family,
    tables: ruleset.tables.map((t) => ({
      name: t.name,
      family: nftFamilyOf(ruleset.family),
      chains: t.chains.map((c) => chainOf(t, c, ruleset.family)),
      whole,
    })),
  };
  byWhole.set(whole, view);
  return view;
}

/** The view of a dump as found: a section cut out of a filtered paste, or with lines not read, is not whole either. */
export const sectionView = (section: RulesetSection): RulesetView => iptablesView(section.ruleset, unshownOf(section));
