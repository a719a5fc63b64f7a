/**
 * `iptables -L` listings made by the kernel's iptables: the real captures in ../shared/captures and the
 * project's kernel-made fixtures (scripts/capture-fixtures.sh). Expectations come from the iptables-save
 * dumps of the same rulesets, never typed in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { printRule } from '../../../grammar/iptables-save/index';
import { parseIptablesList } from '../../../grammar/iptables-list/index';
import { analyzeServices } from '../../../src/analyses/services/index';
import { tracePacket } from '../../../src/analyses/trace/index';
import { findSectionsInText } from '../../../src/input/sections';
import { nodesOfInputs } from '../../../src/model/node';
import type { Ruleset } from '../../../src/model/ruleset';
import { isRulesetSection } from '../../../src/model/section';
import { readFixture, repoRoot, sharedTest } from '../../helpers/shared';

const CAPTURES = join(repoRoot, '..', 'shared', 'captures');
const ruleLines = (listing: string) =>
  listing
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('Chain ') && !l.startsWith('#') && !/\btarget +prot\b/.test(l)).length;

function rulesOf(r: Ruleset, table: string, interfaces = true): string[] {
  const t = r.tables.find((x) => x.name === table)!;
  return t.chains.flatMap((c) =>
    c.rules.map((x) =>
      printRule(c, interfaces ? x : { ...x, inInterface: undefined, outInterface: undefined }, r.family, {
        counters: false,
      }),
    ),
  );
}

function saveRuleset(text: string): Ruleset {
  return findSectionsInText(text, 'save').sections.filter(isRulesetSection)[0]!.ruleset;
}

sharedTest('the real iptables -L captures parse with no error, every rule line read', (t) => {
  const files = readdirSync(CAPTURES).filter((f) => f.startsWith('iptables-L-'));
  t.true(files.length >= 2);
  for (const f of files) {
    const text = readFileSync(join(CAPTURES, f), 'utf8');
    const found = findSectionsInText(text, f, 'capture');
    const sections = found.sections.filter(isRulesetSection);
    t.deepEqual(
      sections.map((s) => s.kind),
      ['iptables-list'],
      f,
    );
    t.deepEqual(
      sections.flatMap((s) => s.diagnostics.filter((d) => d.severity === 'error')),
      [],
      f,
    );
    t.is(sections[0]!.records, ruleLines(text), f);
  }
});

test('the kernel-made listings read as the kernel’s iptables-save of the same ruleset', (t) => {
  const save = saveRuleset(readFixture('iptables-save.txt'));
  const nat = parseIptablesList(readFixture('iptables-t-nat-L-n-v.txt'), 'nat', 'iptables -t nat -L -n -v');
  t.deepEqual(nat.diagnostics, []);
  t.like(nat.shows, { verbose: true, lineNumbers: false, names: false });
  t.deepEqual(
    rulesOf(nat.ruleset, 'nat'),
    rulesOf(save, 'nat').map((r) => r.replaceAll(' -m conntrack', '')),
  );
  const filter = parseIptablesList(readFixture('iptables-L-n.txt'), 'filter', 'iptables -L -n');
  t.deepEqual(
    filter.diagnostics.map((d) => d.message),
    [filter.diagnostics[0]!.message],
  );
  t.regex(filter.diagnostics[0]!.message, /without -v does not show interfaces/);
  t.false(filter.shows.verbose);
  // Two conntrack matches of one rule print as one in -L: the same test.
  const merged = (rules: string[]) => rules.map((r) => r.replaceAll(' -m conntrack', ''));
  t.deepEqual(merged(rulesOf(filter.ruleset, 'filter')), merged(rulesOf(save, 'filter', false)));
});

test('one node’s listings of several tables, pasted without prompts, are one ruleset with iptables-save’s services', (t) => {
  const paste = readFixture('iptables-L-n.txt') + readFixture('iptables-t-nat-L-n-v.txt');
  const found = findSectionsInText(paste, 'paste', 'node');
  t.deepEqual(
    found.sections.map((s) => s.kind),
    ['iptables-list', 'iptables-list'],
  );
  const nodes = nodesOfInputs(found.sections);
  t.is(nodes.length, 1);
  t.deepEqual(
    nodes[0]!.rulesets.map((r) => r.ruleset.tables.map((x) => x.name).sort()),
    [['filter', 'nat']],
  );
  const shares = (text: string) =>
    analyzeServices(nodesOfInputs(findSectionsInText(text, 'x', 'node').sections)).services.flatMap((v) =>
      v.nodes[0]!.outcomes.map(
        (o) =>
          `${v.service.name} ${o.entry.kind} ${o.entry.port} ${o.verdict} ${o.endpoints.map((e) => `${e.ip}:${e.port}=${e.probability.toFixed(6)}`).join(' ')}`,
      ),
    );
  const context = readFixture('ip-addr.txt') + readFixture('ip-route.txt');
  t.deepEqual(shares(`${context}${paste}`).sort(), shares(`${context}${readFixture('iptables-save.txt')}`).sort());
});

test('without -v, a walk through listed rules says it assumed their interfaces', (t) => {
  const found = findSectionsInText(readFixture('ip-addr.txt') + readFixture('iptables-L-n.txt'), 'x', 'node');
  t.deepEqual(
    found.sections.map((s) => s.kind),
    ['ip-addr', 'iptables-list'],
  );
  const result = tracePacket(nodesOfInputs(found.sections)[0]!, {
    proto: 'tcp',
    src: '203.0.113.9',
    dst: '192.168.56.10',
    sport: 40000,
    dport: 22,
    in: 'eth0',
  });
  t.true(result.paths.length > 0);
  for (const p of result.paths)
    t.true(
      (p.assumptions ?? []).some((a) => /without -v/.test(a)),
      JSON.stringify(p.assumptions),
    );
});

test('counters with K and M, a rule without a target, goto, and text nfwalk does not read kept with a warning', (t) => {
  const listing = [
    'Chain INPUT (policy DROP 12M packets, 3G bytes)',
    'num   pkts bytes target     prot opt in     out     source               destination',
    '1     120K  9M Y          6    --  eth0   *       10.0.0.0/8           0.0.0.0/0           [goto]  tcp dpt:22',
    '2        0     0            0    --  *      *       0.0.0.0/0            0.0.0.0/0            TTL match TTL == 5',
    '3        0     0 NFQUEUE    0    --  *      *       0.0.0.0/0            0.0.0.0/0            NFQUEUE num 3',
    '',
    'Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)',
    'num   pkts bytes target     prot opt in     out     source               destination',
    '',
    'Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)',
    'num   pkts bytes target     prot opt in     out     source               destination',
    '',
    'Chain Y (1 references)',
    'num   pkts bytes target     prot opt in     out     source               destination',
    '',
  ].join('\n');
  const b = parseIptablesList(listing, 'x', 'iptables -L -n -v --line-numbers');
  t.deepEqual(
    b.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  t.deepEqual(
    b.diagnostics.map((d) => [d.line, d.message.split(':')[0]]),
    [
      [4, "listing text 'TTL …' is no match text nfwalk reads"],
      [5, "listing text 'NFQUEUE …' is no target text nfwalk reads"],
    ],
  );
  t.true(b.shows.roundedCounters);
  const input = b.ruleset.tables[0]!.chains.find((c) => c.name === 'INPUT')!;
  t.deepEqual(input.counters, { packets: 12_000_000n, bytes: 3_000_000_000n });
  t.deepEqual(input.rules[0]!.counters, { packets: 120_000n, bytes: 9_000_000n });
  t.deepEqual(input.rules[0]!.target, { kind: 'jump', chain: 'Y', goto: true });
  t.is(input.rules[1]!.target, undefined);
  t.like(input.rules[1]!.matches[0], { module: 'opaque', name: 'TTL' });
  t.like(input.rules[2]!.target, { kind: 'opaque', name: 'NFQUEUE' });
  t.is(rulesOf(b.ruleset, 'filter')[0], '-A INPUT -s 10.0.0.0/8 -i eth0 -p tcp -m tcp --dport 22 -g Y');
});
