/**
 * The call graph of a ruleset view (model/ruleset-view.ts), whichever tool printed it: a node per chain
 * (`table:chain`), an edge per call (a jump, a goto, an entry of a verdict map) pointing at the rule that makes it.
 * lint's chain checks and `chains` read it; the iptables walk keeps its own typed graph (rule-graph.ts).
 */
import { MultiDirectedGraph } from 'graphology';
import type { RulesetView, ViewChain, ViewRule, ViewTable } from '../model/ruleset-view';

export interface ViewChainNode {
  readonly table: ViewTable;
  readonly chain: ViewChain;
}

export interface ViewCallEdge {
  readonly rule: ViewRule;
  readonly goto: boolean;
}

export type ChainGraph = MultiDirectedGraph<ViewChainNode, ViewCallEdge>;

export const viewChainKey = (table: string, chain: string): string => `${table}:${chain}`;

const graphs = new WeakMap<RulesetView, ChainGraph>();

/** The view's graph, built on first use. A call to a chain the table lacks has nothing to point at and is left out. */
export function chainGraphOf(view: RulesetView): ChainGraph {
  let graph = graphs.get(view);
  if (graph) return graph;
  graph = new MultiDirectedGraph();
  for (const table of view.tables)
    for (const chain of table.chains) graph.mergeNode(viewChainKey(table.name, chain.name), { table, chain });
  for (const table of view.tables) {
    for (const chain of table.chains) {
      const from = viewChainKey(table.name, chain.name);
      for (const rule of chain.rules) {
        for (const call of rule.calls) {
          const to = viewChainKey(table.name, call.chain);
          if (!graph.hasNode(to)) continue;
          graph.addEdgeWithKey(`${from}#${rule.index}>${call.chain}`, from, to, { rule, goto: call.goto });
        }
      }
    }
  }
  graphs.set(view, graph);
  return graph;
}

/** What reachableChains needs of a graph: this one or the iptables walk's. */
interface Neighbours {
  forEachOutNeighbor(node: string, callback: (neighbor: string) => void): void;
}

/** The chains `starts` can reach by calls, themselves included (keys of chains in the graph). */
export function reachableChains(graph: Neighbours, starts: readonly string[]): Set<string> {
  const seen = new Set(starts);
  const queue = [...starts];
  for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
    graph.forEachOutNeighbor(key, (next) => {
      if (seen.has(next)) return;
      seen.add(next);
      queue.push(next);
    });
  }
  return seen;
}
