/**
 * The rule graph of one ruleset: a node per chain (`table:chain`), an edge per jump or goto pointing at
 * the rule that makes it. Built once per ruleset for lint's checks; the packet walk, the services model and
 * stale's flow key read the lighter chain index (chain-index.ts).
 */
import { MultiDirectedGraph } from 'graphology';
import type { Chain, Rule, Ruleset, TableName } from '../model/ruleset';

export interface ChainNode {
  readonly table: TableName;
  readonly chain: Chain;
}

export interface JumpEdge {
  readonly rule: Rule;
  readonly goto: boolean;
}

export type RuleGraph = MultiDirectedGraph<ChainNode, JumpEdge>;

export const chainKey = (table: TableName, chain: string): string => `${table}:${chain}`;

const graphByRuleset = new WeakMap<Ruleset, RuleGraph>();

/** The ruleset's graph, built on first use: lint's checks of one run share it. */
export function ruleGraphOf(ruleset: Ruleset): RuleGraph {
  let graph = graphByRuleset.get(ruleset);
  if (!graph) graphByRuleset.set(ruleset, (graph = buildRuleGraph(ruleset)));
  return graph;
}

function buildRuleGraph(ruleset: Ruleset): RuleGraph {
  const graph: RuleGraph = new MultiDirectedGraph();
  for (const table of ruleset.tables) {
    for (const chain of table.chains) graph.mergeNode(chainKey(table.name, chain.name), { table: table.name, chain });
  }
  for (const table of ruleset.tables) {
    for (const chain of table.chains) {
      const from = chainKey(table.name, chain.name);
      for (const rule of chain.rules) {
        if (rule.target?.kind !== 'jump') continue;
        const to = chainKey(table.name, rule.target.chain);
        // A jump to a chain the dump never declares has a diagnostic from extraction and nothing to point at.
        if (!graph.hasNode(to)) continue;
        graph.addEdgeWithKey(`${from}#${rule.index}`, from, to, { rule, goto: rule.target.goto });
      }
    }
  }
  return graph;
}

/** The chain a key names, or undefined when the table has no such chain. */
export function chainAt(graph: RuleGraph, table: TableName, name: string): Chain | undefined {
  const key = chainKey(table, name);
  return graph.hasNode(key) ? graph.getNodeAttributes(key).chain : undefined;
}
