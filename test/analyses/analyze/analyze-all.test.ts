/** The analyze analysis on its own: every analysis's findings gathered, ranked, and summed per node. */
import test from 'ava';
import { analyzeAll } from '../../../src/analyses/analyze/index';
import { findSections } from '../../../src/input/sections';
import { nodesOfInputs } from '../../../src/model/node';
import { repoRoot } from '../../helpers/shared';

test('the incident sample: stale entries, services and capacity findings gathered and summed per node', async (t) => {
  const found = await findSections([`${repoRoot}/samples/incident-node`]);
  const report = analyzeAll(nodesOfInputs(found.sections), {}, found.skipped);
  const codes = new Set(report.findings.map((f) => f.code.split('_')[0]));
  for (const prefix of ['STALE', 'SVC', 'CT']) t.true(codes.has(prefix), `${prefix}: ${[...codes].join(' ')}`);
  for (const f of [...report.stale.findings, ...report.services.findings]) t.true(report.findings.includes(f), f.code);
  t.is(report.nodes.length, 1);
  const node = report.nodes[0]!;
  t.is(node.node, 'incident-node');
  for (const severity of ['error', 'warning', 'info'] as const)
    t.is(
      node.findings[severity],
      report.findings.filter((f) => f.severity === severity && f.node === node.node).length,
    );
  t.is(node.stale, report.stale.stale.length);
  t.true(node.rules > 0 && node.conntrackEntries > 0);
});
