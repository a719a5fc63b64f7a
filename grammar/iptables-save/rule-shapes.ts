/**
 * A rule read by the fast path (fast-rule.ts) built with its fields set by name for the orders of fields kube-proxy
 * and most firewalls write: one store site per field and shape rather than a keyed store by six names. The rule is
 * a ReadRule (its prototype), with its fields inside the object; keys stay in the order the line gave them, as the
 * grammar's rules have them (JSON output shows that order).
 */
import type { Match } from '../../src/model/match';
import type { Rule } from '../../src/model/ruleset';
import { ReadRule } from '../../src/model/read-located';

export type RuleDraft = { -readonly [K in keyof Rule]: Rule[K] };

/** The fields of a rule after `index`, `matches` and where it was read, as the line can give them. */
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

/*
 * Each shape is an object literal naming ReadRule's prototype (its `location` getter and toJSON), not a class made
 * by `new`: V8 tracks an allocation site per literal and, once most of a site's objects outlive a young collection,
 * makes them in the old generation, which no scavenge copies; it never does so for `new`. The read of a kube-proxy
 * dump of 10,000 services copies about 10 % fewer bytes (docs/performance.md, session 26, h-rules).
 */
const RULE = ReadRule.prototype;

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
  path: string,
  line: number,
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
  let rule: ReadRule;
  switch (shape) {
    case T:
      rule = { __proto__: RULE, index: 0, matches, path, line, target: a } as unknown as ReadRule;
      break;
    case S * 8 + T:
      rule = { __proto__: RULE, index: 0, matches, path, line, source: a, target: b } as unknown as ReadRule;
      break;
    case D * 8 + T:
      rule = { __proto__: RULE, index: 0, matches, path, line, destination: a, target: b } as unknown as ReadRule;
      break;
    case P * 8 + T:
      rule = { __proto__: RULE, index: 0, matches, path, line, protocol: a, target: b } as unknown as ReadRule;
      break;
    case (D * 8 + P) * 8 + T:
      rule = {
        __proto__: RULE,
        index: 0,
        matches,
        path,
        line,
        destination: a,
        protocol: b,
        target: c,
      } as unknown as ReadRule;
      break;
    case (S * 8 + P) * 8 + T:
      rule = {
        __proto__: RULE,
        index: 0,
        matches,
        path,
        line,
        source: a,
        protocol: b,
        target: c,
      } as unknown as ReadRule;
      break;
    case ((S * 8 + D) * 8 + P) * 8 + T:
      rule = {
        __proto__: RULE,
        index: 0,
        matches,
        path,
        line,
        source: a,
        destination: b,
        protocol: c,
        target: d,
      } as unknown as ReadRule;
      break;
    default: {
      rule = new ReadRule(matches, path, line);
      const r = rule as ReadRule & Record<string, unknown>;
      for (let i = 0; i < count; i++) r[fields[i]!] = values[i];
    }
  }
  return rule as unknown as RuleDraft;
}
