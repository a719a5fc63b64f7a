/**
 * A rule read by the fast path (fast-rule.ts) built with its fields set by name for the orders of fields kube-proxy
 * and most firewalls write: one store site per field and shape rather than a keyed store by six names. The rule is
 * a ReadRule, whose fields V8 keeps inside the object when set right after it is made; keys stay in the order the
 * line gave them, as the grammar's rules have them (JSON output shows that order).
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
 * A class per shape, its fields set in its constructor: V8 sizes each class's objects to its fields, where one class
 * whose fields were added after construction gave every rule room for the largest shape's.
 */
class T_ extends ReadRule {
  declare readonly target: unknown;
  constructor(matches: readonly Match[], path: string, line: number, target: unknown) {
    super(matches, path, line);
    this.target = target;
  }
}
class ST extends ReadRule {
  declare readonly source: unknown;
  declare readonly target: unknown;
  constructor(matches: readonly Match[], path: string, line: number, source: unknown, target: unknown) {
    super(matches, path, line);
    this.source = source;
    this.target = target;
  }
}
class DT extends ReadRule {
  declare readonly destination: unknown;
  declare readonly target: unknown;
  constructor(matches: readonly Match[], path: string, line: number, destination: unknown, target: unknown) {
    super(matches, path, line);
    this.destination = destination;
    this.target = target;
  }
}
class PT extends ReadRule {
  declare readonly protocol: unknown;
  declare readonly target: unknown;
  constructor(matches: readonly Match[], path: string, line: number, protocol: unknown, target: unknown) {
    super(matches, path, line);
    this.protocol = protocol;
    this.target = target;
  }
}
class DPT extends ReadRule {
  declare readonly destination: unknown;
  declare readonly protocol: unknown;
  declare readonly target: unknown;
  constructor(
    matches: readonly Match[],
    path: string,
    line: number,
    destination: unknown,
    protocol: unknown,
    target: unknown,
  ) {
    super(matches, path, line);
    this.destination = destination;
    this.protocol = protocol;
    this.target = target;
  }
}
class SPT extends ReadRule {
  declare readonly source: unknown;
  declare readonly protocol: unknown;
  declare readonly target: unknown;
  constructor(
    matches: readonly Match[],
    path: string,
    line: number,
    source: unknown,
    protocol: unknown,
    target: unknown,
  ) {
    super(matches, path, line);
    this.source = source;
    this.protocol = protocol;
    this.target = target;
  }
}
class SDPT extends ReadRule {
  declare readonly source: unknown;
  declare readonly destination: unknown;
  declare readonly protocol: unknown;
  declare readonly target: unknown;
  constructor(
    matches: readonly Match[],
    path: string,
    line: number,
    source: unknown,
    destination: unknown,
    protocol: unknown,
    target: unknown,
  ) {
    super(matches, path, line);
    this.source = source;
    this.destination = destination;
    this.protocol = protocol;
    this.target = target;
  }
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
      rule = new T_(matches, path, line, a);
      break;
    case S * 8 + T:
      rule = new ST(matches, path, line, a, b);
      break;
    case D * 8 + T:
      rule = new DT(matches, path, line, a, b);
      break;
    case P * 8 + T:
      rule = new PT(matches, path, line, a, b);
      break;
    case (D * 8 + P) * 8 + T:
      rule = new DPT(matches, path, line, a, b, c);
      break;
    case (S * 8 + P) * 8 + T:
      rule = new SPT(matches, path, line, a, b, c);
      break;
    case ((S * 8 + D) * 8 + P) * 8 + T:
      rule = new SDPT(matches, path, line, a, b, c, d);
      break;
    default: {
      rule = new ReadRule(matches, path, line);
      const r = rule as ReadRule & Record<string, unknown>;
      for (let i = 0; i < count; i++) r[fields[i]!] = values[i];
    }
  }
  return rule as unknown as RuleDraft;
}
