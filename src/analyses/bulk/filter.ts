/**
 * Which findings a bulk run keeps: `--only CODE` (a trailing `*` matches a prefix), `--node NAME`, and
 * `--where`, a small query a shell user can type: `field=value`, `field!=value`, `field~regex`,
 * `field!~regex` joined by `and`, over code, severity, node, subject, message and bundle.
 */
import type { Finding } from '../finding';

export interface FindingQuery {
  readonly only?: readonly string[];
  readonly nodes?: readonly string[];
  readonly where?: string;
}

export class QueryError extends Error {}

type Row = Finding & { readonly bundle: string };
type Test = (row: Row) => boolean;

const FIELDS = ['code', 'severity', 'node', 'subject', 'message', 'bundle'] as const;

function term(text: string): Test {
  const m = /^\s*(\w+)\s*(!=|!~|=|~)\s*(.*?)\s*$/.exec(text);
  if (!m)
    throw new QueryError(
      `--where: cannot read '${text.trim()}': write field=value, field!=value, field~regex or field!~regex`,
    );
  const [, field, op, raw] = m as unknown as [string, string, string, string];
  if (!(FIELDS as readonly string[]).includes(field))
    throw new QueryError(`--where: unknown field '${field}' (${FIELDS.join(', ')})`);
  const value = raw.replace(/^(['"])(.*)\1$/, '$2');
  const get = (row: Row) => String(row[field as (typeof FIELDS)[number]] ?? '');
  if (op === '=' || op === '!=') return (row) => (get(row) === value) === (op === '=');
  let re: RegExp;
  try {
    re = new RegExp(value, 'i');
  } catch (e) {
    throw new QueryError(`--where: bad regular expression '${value}': ${(e as Error).message}`);
  }
  return (row) => re.test(get(row)) === (op === '~');
}

const codeMatches = (pattern: string, code: string) =>
  pattern.endsWith('*') ? code.startsWith(pattern.slice(0, -1)) : code === pattern;

/** The predicate a query stands for; throws QueryError on a query it cannot read. */
export function findingFilter(q: FindingQuery): (finding: Finding, bundle: string) => boolean {
  const tests: Test[] = (q.where ?? '').trim() ? (q.where as string).split(/\s+and\s+/i).map(term) : [];
  const only = q.only?.length ? q.only : undefined;
  const nodes = q.nodes?.length ? q.nodes : undefined;
  return (finding, bundle) => {
    if (only && !only.some((p) => codeMatches(p, finding.code))) return false;
    if (nodes && !nodes.includes(finding.node ?? '')) return false;
    const row = { ...finding, bundle };
    return tests.every((t) => t(row));
  };
}
