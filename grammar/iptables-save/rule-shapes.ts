/**
 * A rule read by the fast path (fast-rule.ts) built as one object literal for the orders of fields kube-proxy
 * and most firewalls write. A field added to an object after its literal goes to a separate property array in
 * V8, one more object per rule for the collector to copy; keys stay in the order the line gave them, as the
 * grammar's rules have them (JSON output shows that order).
 */
import type { Match } from '../../src/model/match';
import type { Rule } from '../../src/model/ruleset';
import type { SourceRef } from '../../src/model/source';

export type RuleDraft = { -readonly [K in keyof Rule]: Rule[K] };

/** The fields of a rule after `index`, `matches` and `location`, as the line can give them. */
export type RuleField = 'source' | 'destination' | 'inInterface' | 'outInterface' | 'protocol' | 'target';

/** A field's digit in a shape (octal, one digit per field in the order met). */
const FIELD_DIGIT: { readonly [F in RuleField]: number } = {
  source: 1,
  destination: 2,
  inInterface: 3,
  outInterface: 4,
  protocol: 5,
  target: 6,
};

/** The shape after `field` is met. */
export const withField = (shape: number, field: RuleField): number => shape * 8 + FIELD_DIGIT[field];

/** Whether `field` is met in the shape. */
export function hasField(shape: number, field: RuleField): boolean {
  const digit = FIELD_DIGIT[field];
  for (let s = shape; s > 0; s = Math.floor(s / 8)) if (s % 8 === digit) return true;
  return false;
}

const S = 1;
const D = 2;
const P = 5;
const T = 6;

/**
 * The rule with the first `count` of `fields` (in the order the line gave them; `shape` is their code, see
 * withField) set to as many `values`, each the value the grammar sets for its field.
 */
export function ruleOfShape(
  matches: readonly Match[],
  location: SourceRef,
  shape: number,
  fields: readonly RuleField[],
  values: readonly unknown[],
  count: number,
): RuleDraft {
  const [a, b, c, d] = values;
  let rule: Record<string, unknown>;
  switch (shape) {
    case T:
      rule = { index: 0, matches, location, target: a };
      break;
    case S * 8 + T:
      rule = { index: 0, matches, location, source: a, target: b };
      break;
    case D * 8 + T:
      rule = { index: 0, matches, location, destination: a, target: b };
      break;
    case P * 8 + T:
      rule = { index: 0, matches, location, protocol: a, target: b };
      break;
    case (D * 8 + P) * 8 + T:
      rule = { index: 0, matches, location, destination: a, protocol: b, target: c };
      break;
    case (S * 8 + P) * 8 + T:
      rule = { index: 0, matches, location, source: a, protocol: b, target: c };
      break;
    case ((S * 8 + D) * 8 + P) * 8 + T:
      rule = { index: 0, matches, location, source: a, destination: b, protocol: c, target: d };
      break;
    default:
      rule = { index: 0, matches, location };
      for (let i = 0; i < count; i++) rule[fields[i]!] = values[i];
  }
  return rule as RuleDraft;
}
