/** Matchers a compiled ruleset makes once and gives every rule that tests the same model object. */
import type { Match } from '../../../model/match';
import type { Matcher } from './decision';

/**
 * Matchers made once per compiled ruleset, by the model's object they test: a compiled rule is mostly its matchers,
 * and the matchers of 88,000 rules made one by one are what every young collection of a 10,000-service walk copies.
 */
export class SharedMatchers {
  readonly byMatch = new Map<Match, readonly Matcher[]>();
  /** `-p`, by the option object (one per protocol and negation in a table). */
  readonly byProtocol = new Map<object, Matcher>();
  /** `-s`/`-d` of a fully shown address, by the value object: `[side][negated]`. */
  readonly byAddress = {
    src: [new Map<object, Matcher>(), new Map<object, Matcher>()],
    dst: [new Map<object, Matcher>(), new Map<object, Matcher>()],
  } as const;
}
