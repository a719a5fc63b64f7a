/**
 * Rules and chains as the iptables-save reader makes them: each holds its path and line as fields and makes its
 * SourceRef when `location` is read (a getter on the class's prototype), instead of holding one: a kube-proxy dump of
 * 10,000 services has 120,000 of them, which every young collection of the parse copied. Their JSON is the model's
 * (toJSON puts `location` where the path is). A spread does not copy the getter: copies are made with copiedWith.
 */
import type { Match } from './match';
import type { SourceRef } from './source';

/** The object's JSON: its own fields in order, `location` in place of `path` and without `line` and `column`. */
function locatedJson(x: object, location: SourceRef): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    if (k === 'path') out['location'] = location;
    else if (k !== 'line' && k !== 'column') out[k] = v;
  }
  return out;
}

/** A rule read at `line` of `path` (always at column 1); the other fields are set after it is made. */
export class ReadRule {
  declare index: number;
  declare readonly matches: readonly Match[];
  declare readonly path: string;
  declare readonly line: number;

  constructor(matches: readonly Match[], path: string, line: number) {
    this.index = 0;
    this.matches = matches;
    this.path = path;
    this.line = line;
  }

  get location(): SourceRef {
    return { path: this.path, line: this.line, column: 1 };
  }

  toJSON(): Record<string, unknown> {
    return locatedJson(this, this.location);
  }
}

/** A chain declared (or first met) at `line` and `column` of `path`; the other fields are set after it is made. */
export class ReadChain<R> {
  declare readonly name: string;
  declare readonly builtin: boolean;
  declare policy: 'ACCEPT' | 'DROP' | null;
  declare rules: R[];
  declare readonly path: string;
  declare readonly line: number;
  declare readonly column: number;

  constructor(
    name: string,
    builtin: boolean,
    policy: 'ACCEPT' | 'DROP' | null,
    rules: R[],
    path: string,
    line: number,
    column: number,
  ) {
    this.name = name;
    this.builtin = builtin;
    this.policy = policy;
    this.rules = rules;
    this.path = path;
    this.line = line;
    this.column = column;
  }

  get location(): SourceRef {
    return { path: this.path, line: this.line, column: this.column };
  }

  toJSON(): Record<string, unknown> {
    return locatedJson(this, this.location);
  }
}

/**
 * `{ ...x, ...patch }` that keeps x's class, so that a read rule's or chain's copy keeps its `location` (and its
 * JSON); for a plain object the same as the spread. The patch cannot set `location` of a read one.
 */
export function copiedWith<T extends object>(x: T, patch: Partial<T>): T {
  return Object.assign(Object.create(Object.getPrototypeOf(x) as object) as T, x, patch);
}

/** x's copy without the fields `omit`, keeping x's class (see copiedWith). */
export function copiedWithout<T extends object, K extends keyof T>(x: T, omit: readonly K[]): Omit<T, K> {
  const out = copiedWith(x, {});
  for (const k of omit) delete out[k];
  return out;
}
