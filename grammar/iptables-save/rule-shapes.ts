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

/**
 * A field's digit in a shape (octal, one digit per field in the order met). A switch rather than a lookup in an
 * object: one load site keyed by six names is megamorphic, and this runs for every field of every rule.
 */
function digitOf(field: RuleField): number {
  switch (field) {
    case 'source':
      return 1;
    case 'destination':
      return 2;
    case 'inInterface':
      return 3;
    case 'outInterface':
      return 4;
    case 'protocol':
      return 5;
    case 'target':
      return 6;
    default:
      return field satisfies never;
  }
}

/** The shape after `field` is met. */
export const withField = (shape: number, field: RuleField): number => shape * 8 + digitOf(field);

/** Whether `field` is met in the shape. */
export function hasField(shape: number, field: RuleField): boolean {
  const digit = digitOf(field);
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
  // Indexed rather than destructured, which goes through the array's iterator until the code is optimized.
  const a = values[0];
  const b = values[1];
  const c = values[2];
  const d = values[3];
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
