/**
 * Issue #22: pastes as people post them, made by test/generators/messy-paste.ts from the kernel's own output
 * (test/fixtures/kernel/, scripts/capture-fixtures.sh). Per paste: the sections found with the right kind, tables
 * and records; every input line accounted for; the services the paste shows completely with the right endpoints
 * and shares; no finding the paste cannot support. Expectations come from the fixtures, never from nfwalk.
 */
import test from 'ava';
import { analyzeAll } from '../../src/analyses/analyze/index';
import { analyzeServices } from '../../src/analyses/services/index';
import { findSectionsInText } from '../../src/input/sections';
import { nodesOfInputs } from '../../src/model/node';
import type { Section } from '../../src/model/section';
import {
  CLASS_TITLES,
  type MessyPaste,
  type ServiceExpectation,
  loadKernelFixtures,
  messyPastes,
} from '../generators/messy-paste';

const fx = loadKernelFixtures();
const corpus = messyPastes(fx, { seed: 22, perClass: 4, combined: 24 });
const SHARE_TOLERANCE = 1e-6;

const tablesOf = (s: Section) => ('ruleset' in s ? s.ruleset.tables.map((t) => t.name).sort() : undefined);

function describeSections(sections: readonly Section[]) {
  return sections.map((s) => ({ kind: s.kind, ...(tablesOf(s) ? { tables: tablesOf(s) } : {}), records: s.records }));
}

function titleOf(p: MessyPaste): string {
  const classes =
    p.classes.length === 1
      ? `class ${p.classes[0]} (${CLASS_TITLES[p.classes[0]!]})`
      : `combined (classes ${p.classes.join('+')})`;
  return `${classes}: ${p.id} ${p.title}`;
}

/** ip:port=share, sorted, for messages and comparison. */
const sharesText = (eps: readonly { ip: string; port: number; share: number }[]) =>
  eps
    .map((e) => `${e.ip}:${e.port}=${e.share.toFixed(6)}`)
    .sort()
    .join(' ');

function sameShares(
  expected: readonly { ip: string; port: number; share: number }[],
  got: readonly { ip: string; port: number; probability: number }[],
): boolean {
  if (expected.length !== got.length) return false;
  return expected.every((e) =>
    got.some((g) => g.ip === e.ip && g.port === e.port && Math.abs(g.probability - e.share) < SHARE_TOLERANCE),
  );
}

const show = (x: unknown) => JSON.stringify(x).replaceAll('"', '');

/**
 * Everything wrong with one paste, each problem one self-explaining line: a failing test lists all of them
 * at once (AVA reports only the first failed assertion of a test).
 */
function problemsOf(p: MessyPaste): string[] {
  const problems: string[] = [];
  const { sections, skipped } = findSectionsInText(p.text, 'paste.txt', 'paste');

  // Sections: kind, tables, records, in paste order.
  const expected = p.dumps.map((d) => ({
    kind: d.kind,
    ...(d.tables ? { tables: [...d.tables] } : {}),
    records: d.records,
  }));
  const got = describeSections(sections);
  if (show(got) !== show(expected))
    problems.push(`sections: expected ${show(expected)} (${p.dumps.map((d) => d.what).join(' | ')}); got ${show(got)}`);

  // conntrack entries keep their protocol (the number says which when the name is lost).
  const ctExpected = p.dumps.filter((d) => d.protocols);
  const ctSections = sections.filter((s): s is Extract<Section, { kind: 'conntrack' }> => s.kind === 'conntrack');
  ctExpected.forEach((d, i) => {
    const protocols: Record<string, number> = {};
    for (const e of ctSections[i]?.entries ?? []) protocols[e.proto] = (protocols[e.proto] ?? 0) + 1;
    if (show(Object.entries(protocols).sort()) !== show(Object.entries(d.protocols!).sort()))
      problems.push(`conntrack protocols of ${d.what}: expected ${show(d.protocols)}; got ${show(protocols)}`);
  });

  // Every input line is accounted for: in a section, skipped with a reason, or blank.
  const covered = new Set<number>();
  for (const r of [...sections.map((s) => s.source), ...skipped])
    for (let l = r.startLine; l <= r.endLine; l++) covered.add(l);
  p.text
    .split('\n')
    .slice(0, -1)
    .forEach((l, i) => {
      // A wrapper's line with nothing inside (`#` of a commented-out paste, `> ` of a quote) is a blank line.
      if (!covered.has(i + 1) && l.replace(/^(#|>)(?= |$)/, '').trim() !== '')
        problems.push(`line ${i + 1} in no section and not skipped: ${l.slice(0, 80)}`);
    });

  // Services the paste shows completely: the right verdict, endpoints and shares.
  const nodes = nodesOfInputs(sections);
  const services = analyzeServices(nodes);
  const outcomes = services.services.flatMap((v) =>
    v.nodes.flatMap((n) => n.outcomes.map((o) => ({ name: v.service.name, node: n.node, o }))),
  );
  for (const s of p.services) {
    const at = outcomes.filter(
      ({ o }) => o.entry.kind === s.entry && o.entry.port === s.port && (s.entry === 'nodePort' || o.entry.ip === s.ip),
    );
    const where = describeEntry(s);
    if (at.length === 0)
      problems.push(
        `${where}: not found (services found: ${services.services.map((v) => v.service.name).join(', ') || 'none'})`,
      );
    else if (!at.some(({ o }) => o.verdict === s.verdict && sameShares(s.endpoints, o.endpoints)))
      problems.push(
        `${where}: expected ${s.verdict} ${sharesText(s.endpoints)}; got ${at.map(({ o, node }) => `[${node}] ${o.verdict} ${sharesText(o.endpoints.map((e) => ({ ip: e.ip, port: e.port, share: e.probability })))}`).join('; ')}`,
      );
  }
  for (const { o, name, node } of outcomes) {
    const noRoute = [...(o.afterDnat?.rules ?? []), ...o.assumptions].filter((r) => /no route/i.test(r));
    if (noRoute.length)
      problems.push(
        `[${node}] ${name} ${o.entry.kind} ${o.entry.ip ?? ''}:${o.entry.port}: a walk ended in "${noRoute[0]}"`,
      );
  }

  // Findings the paste cannot support.
  const report = analyzeAll(nodes, {}, skipped);
  for (const f of report.findings) {
    const rule = p.forbidden.find((x) => x.code === f.code && (x.subject === undefined || x.subject === f.subject));
    if (rule && !(p.truncated && f.severity === 'info'))
      problems.push(`finding ${f.code} ${f.subject} raised (${f.severity}), but ${rule.why}`);
    else if (p.markerChains.some((m) => f.subject.includes(m) || f.message.includes(m)))
      problems.push(`finding ${f.code} ${f.subject} about a Kubernetes marker chain`);
  }
  return problems;
}

for (const p of corpus) {
  test(titleOf(p), (t) => {
    t.deepEqual(problemsOf(p), []);
  });
}

function describeEntry(s: ServiceExpectation): string {
  return `service ${s.name} (${s.snapshot}) ${s.entry} ${s.ip === null ? '' : s.ip.includes(':') ? `[${s.ip}]` : s.ip}:${s.port}/${s.protocol}`;
}

test('the corpus is deterministic and covers every class alone and combined', (t) => {
  const again = messyPastes(loadKernelFixtures(), { seed: 22, perClass: 4, combined: 24 });
  t.deepEqual(
    again.map((p) => p.text),
    corpus.map((p) => p.text),
  );
  t.true(corpus.length >= 60, `${corpus.length} pastes`);
  for (const c of [1, 2, 3, 4, 5, 6, 7, 9, 10, 11]) {
    t.true(corpus.filter((p) => p.classes.length === 1 && p.classes[0] === c).length >= 2, `class ${c} alone`);
    if (c !== 6)
      t.true(
        corpus.some((p) => p.classes.length > 1 && p.classes.includes(c)),
        `class ${c} combined`,
      );
  }
  // Expectations hold something to check: services with shares, records in every dump.
  t.true(corpus.filter((p) => p.services.length > 0).length >= corpus.length / 2);
  t.true(corpus.every((p) => p.dumps.length > 0));
});
