/** The one node a single-node analysis works on: the only one with a ruleset, or the one named. */
import { type NodeDumps, nodesOf, singleNode } from '../model/node';
import type { Section } from '../model/section';
import { NfwalkError } from './errors';

export function pickNode(sections: readonly Section[], name: string | undefined): NodeDumps {
  const nodes = nodesOf(sections);
  const node = name === undefined ? singleNode(sections) : nodes.find((n) => n.name === name);
  if (node) return node;
  const names = nodes.filter((n) => n.rulesets.length > 0).map((n) => n.name);
  if (name === undefined)
    throw new NfwalkError(
      'NODE_AMBIGUOUS',
      `the inputs hold several nodes' rulesets; name one (${names.join(', ')})`,
      names,
    );
  throw new NfwalkError('NODE_NOT_FOUND', `no node ${name} in the inputs (${names.join(', ')})`, names);
}
