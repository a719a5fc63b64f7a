/** The library's choice of node, with its error in the CLI's words: which flag picks the node. */
import { NfwalkError } from '../library/errors';
import { pickNode as pickNodeOf } from '../library/pick-node';
import type { NodeDumps } from '../model/node';
import type { Section } from '../model/section';
import { UsageError } from './exit';

export function pickNode(sections: readonly Section[], name: string | undefined): NodeDumps {
  try {
    return pickNodeOf(sections, name);
  } catch (e) {
    if (e instanceof NfwalkError && e.code === 'NODE_AMBIGUOUS')
      throw new UsageError(`the inputs hold several nodes' rulesets; pick one with --node (${e.nodes.join(', ')})`);
    throw e;
  }
}
