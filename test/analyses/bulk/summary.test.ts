/** The bulk analysis on its own: the --only/--node/--where filter, and the counts by code, bundle and node. */
import test from 'ava';
import type { Finding } from '../../../src/analyses/finding';
import { QueryError, findingFilter } from '../../../src/analyses/bulk/filter';
import { summarizeBulk } from '../../../src/analyses/bulk/summary';
import type { BundleResult } from '../../../src/analyses/bulk/model';

const finding = (code: string, node: string, subject: string, severity: Finding['severity'] = 'error'): Finding => ({
  code,
  severity,
  node,
  subject,
  message: `${code} on ${node}`,
  evidence: [],
  remedy: 'none',
});

const a = finding('STALE_ENDPOINT_GONE', 'n1', 'kube-system/kube-dns:dns');
const b = finding('SVC_NO_ENDPOINTS', 'n2', 'shop/cart:http', 'warning');
const c = finding('STALE_SERVICE_GONE', 'n2', 'shop/web:http');

test('--only takes codes and prefixes, --node names nodes, --where tests fields', (t) => {
  const pick = (q: Parameters<typeof findingFilter>[0]) => [a, b, c].filter((f) => findingFilter(q)(f, 'x.tgz'));
  t.deepEqual(pick({ only: ['STALE_*'] }), [a, c]);
  t.deepEqual(pick({ only: ['SVC_NO_ENDPOINTS'] }), [b]);
  t.deepEqual(pick({ nodes: ['n2'] }), [b, c]);
  t.deepEqual(pick({ where: 'subject~^shop/ and severity=error' }), [c]);
  t.deepEqual(pick({ where: 'bundle!=x.tgz' }), []);
  t.deepEqual(pick({}), [a, b, c]);
});

test('a query it cannot read is a QueryError naming what is wrong', (t) => {
  t.throws(() => findingFilter({ where: 'colour=red' }), { instanceOf: QueryError, message: /unknown field 'colour'/ });
  t.throws(() => findingFilter({ where: 'subject~(' }), { instanceOf: QueryError, message: /bad regular expression/ });
  t.throws(() => findingFilter({ where: 'subject' }), { instanceOf: QueryError });
});

test('counts by code, bundle and node; a failed bundle counts as failed, not as clean', (t) => {
  const result = (path: string, findings: Finding[], error?: string): BundleResult => ({
    path,
    mtimeMs: 0,
    ms: 1,
    nodes: [...new Set(findings.map((f) => f.node!))].map((node) => ({
      node,
      rules: 1,
      conntrackEntries: 0,
      ipvsServices: 0,
      services: 0,
      stale: 0,
      conntrackFill: null,
      findings: { error: 0, warning: 0, info: 0 },
      unreadLines: 0,
    })),
    findings,
    unreadable: [],
    ...(error ? { error } : {}),
  });
  const s = summarizeBulk([
    result('one.tgz', [a, c]),
    result('two.tgz', [b, c]),
    result('broken.tgz', [], 'cannot read'),
  ]);
  t.is(s.bundles, 3);
  t.is(s.analysed, 2);
  t.is(s.failed, 1);
  t.deepEqual(
    s.byCode.map((x) => [x.code, x.findings, x.bundles]),
    [
      ['STALE_SERVICE_GONE', 2, 2],
      ['STALE_ENDPOINT_GONE', 1, 1],
      ['SVC_NO_ENDPOINTS', 1, 1],
    ].sort((x, y) => (y[1] as number) - (x[1] as number) || 0),
  );
  t.deepEqual(s.byBundle.find((x) => x.path === 'one.tgz')?.findings, { error: 2, warning: 0, info: 0 });
  t.is(s.byBundle.find((x) => x.path === 'broken.tgz')?.error, 'cannot read');
});
