/** The one node a single-node command works on: the only one with a ruleset, or the one `--node` names. */
import { type NodeDumps, nodesOf, singleNode } from '../model/node';
import type { Section } from '../model/section';
import { UsageError } from './exit';

export function pickNode(sections: readonly Section[], name: string | undefined): NodeDumps {
  const nodes = nodesOf(sections);
  const node = name === undefined ? singleNode(sections) : nodes.find((n) => n.name === name);
  if (node) return node;
  const names = nodes.filter((n) => n.rulesets.length > 0).map((n) => n.name).join(', ');
  throw new UsageError(name === undefined ? `the inputs hold several nodes' rulesets; pick one with --node (${names})` : `no node ${name} in the inputs (${names})`);
}
