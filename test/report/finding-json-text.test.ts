/**
 * Findings written by hand (findingJsonText) are the text JSON.stringify gives them, their line breaks indented: the
 * shapes analyses make, and any other object through JSON.stringify itself.
 */
import test from 'ava';
import type { Finding } from '../../src/analyses/finding';
import { findingJsonText } from '../../src/report/finding-json-text';
import { stringified } from '../../src/report/json';

const BASE: Finding = {
  code: 'STALE_ENDPOINT_GONE',
  severity: 'warning',
  node: 'n1 "quoted" \\ \u2028',
  subject: 'ns/svc:p80',
  message: '7 tcp conntrack entries to 10.96.0.1:80 still go to 10.244.1.8:8080\nand on',
  evidence: [
    { path: '/tmp/a "b"/conntrack.txt', line: 3, column: 1 },
    { path: 'c.txt', line: 133, column: 12 },
  ],
  remedy: 'conntrack -D -p tcp -d 10.96.0.1 --dport 80 -r 10.244.1.8\nconntrack -D -p tcp -d 10.96.0.1 --dport 80',
};

const { node: _node, ...withoutNode } = BASE;

const findings: unknown[] = [
  BASE,
  withoutNode,
  { ...BASE, evidence: [] },
  { ...BASE, node: undefined },
  { ...BASE, evidence: [{ path: 'a', line: -0, column: 1 }] },
  { ...BASE, evidence: [{ path: 'a', line: 1, column: 1, extra: true }] },
  { ...BASE, evidence: [{ line: 1, path: 'a', column: 1 }] },
  { ...BASE, extra: { big: 2n ** 70n, n: 5n } },
  { severity: BASE.severity, code: BASE.code, subject: BASE.subject, message: BASE.message, evidence: [], remedy: '' },
  { ...BASE, subject: 7 },
];

test('each finding written by hand is its JSON text, at the indent of the findings array and at none', (t) => {
  for (const f of findings)
    for (const indent of ['', '    '])
      t.is(findingJsonText(f as Finding, indent), stringified(f)!.replaceAll('\n', `\n${indent}`));
});
