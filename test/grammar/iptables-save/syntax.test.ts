/** The file grammar of formats.md §1.1–1.3: tables, chains, commands, quoting, negation, noise around a dump. */
import test from 'ava';
import { parseIptablesSave, printRuleset } from '../../../grammar/iptables-save/index';
import { plain } from '../../../src/library/plain';
import type { Rule } from '../../../src/model/ruleset';
import { dedent } from '../../helpers/dedent';

const parse = (text: string) => parseIptablesSave(text, 'test.rules');
const rules = (text: string, table = 'filter', chain = 'INPUT'): readonly Rule[] =>
  parse(text)
    .ruleset.tables.find((t) => t.name === table)!
    .chains.find((c) => c.name === chain)!.rules;

test('tables, chains with policies and counters, rules with and without -c counters', (t) => {
  const r = parse(dedent`
    *security
    :INPUT ACCEPT [5:300]
    :FORWARD DROP [0:0]
    :OUTPUT ACCEPT [18446744073709551615:1]
    :MINE - [0:0]
    [7:420] -A INPUT -j MINE
    -A MINE -j RETURN
    COMMIT
  `);
  t.deepEqual(r.diagnostics, []);
  const [table] = r.ruleset.tables;
  t.is(table!.name, 'security');
  t.deepEqual(
    table!.chains.map((c) => [c.name, c.builtin, c.policy]),
    [
      ['INPUT', true, 'ACCEPT'],
      ['FORWARD', true, 'DROP'],
      ['OUTPUT', true, 'ACCEPT'],
      ['MINE', false, null],
    ],
  );
  t.is(table!.chains[2]!.counters!.packets, 18446744073709551615n);
  t.deepEqual(table!.chains[0]!.rules[0]!.counters, { packets: 7n, bytes: 420n });
  t.is(table!.chains[3]!.rules[0]!.counters, undefined);
});

test("in a dump without *table lines, a user chain named as another table's built-in chain stays a user chain", (t) => {
  // The table is known only at the dump's end (nat, by its DNAT target): FORWARD is filter's and mangle's.
  const r = parse(dedent`
    -P PREROUTING ACCEPT
    -P INPUT ACCEPT
    -P OUTPUT ACCEPT
    -P POSTROUTING ACCEPT
    -N FORWARD
    -A PREROUTING -j FORWARD
    -A FORWARD -j DNAT --to-destination 10.0.0.1
  `);
  const [table] = r.ruleset.tables;
  t.is(table!.name, 'nat');
  const keys = ['name', 'builtin', 'policy', 'rules', 'location', 'counters'];
  t.deepEqual(
    table!.chains.map((c) => [c.name, c.builtin, c.policy, c.rules.length, Object.keys(plain(c))]),
    [
      ['PREROUTING', true, 'ACCEPT', 1, keys],
      ['INPUT', true, 'ACCEPT', 0, keys],
      ['OUTPUT', true, 'ACCEPT', 0, keys],
      ['POSTROUTING', true, 'ACCEPT', 0, keys],
      ['FORWARD', false, null, 1, keys],
    ],
  );
});

test('a policy a chain does not take is an error on its word; `-` on a built-in chain keeps no policy of its own', (t) => {
  const r = parse(dedent`
    *filter
    :INPUT RETURN [0:0]
    :FORWARD - [0:0]
    :OUTPUT DROP [0:0]
    :MINE ACCEPT [0:0]
    :YOURS - [0:0]
    COMMIT
  `);
  t.deepEqual(
    r.diagnostics.map((d) => [d.severity, d.line, d.column, d.message]),
    [
      ['error', 2, 8, "built-in chain INPUT needs policy ACCEPT or DROP, got 'RETURN'"],
      ['error', 5, 7, "user chain MINE takes '-' as policy, got 'ACCEPT'"],
    ],
  );
  const [table] = r.ruleset.tables;
  t.deepEqual(
    table!.chains.map((c) => [c.name, c.policy]),
    // INPUT is still there, as every built-in chain of its table is, with the kernel's own ACCEPT.
    [
      ['INPUT', 'ACCEPT'],
      ['FORWARD', null],
      ['OUTPUT', 'DROP'],
      ['YOURS', null],
    ],
  );
});

test('-j jumps and -g gotos to chains; built-in targets stay targets', (t) => {
  const [a, b, c] = rules(dedent`
    *filter
    :INPUT ACCEPT [0:0]
    :LOG - [0:0]
    :X - [0:0]
    -A INPUT -j X
    -A INPUT -g X
    -A INPUT -j LOG
    COMMIT
  `);
  t.deepEqual(a!.target, { kind: 'jump', chain: 'X', goto: false });
  t.deepEqual(b!.target, { kind: 'jump', chain: 'X', goto: true });
  // A user chain named like a target wins, as iptables looks chains up first.
  t.deepEqual(c!.target, { kind: 'jump', chain: 'LOG', goto: false });
});

test('restore quoting: escapes inside quotes, quote joining a bare word, closing quote ends the word, empty string', (t) => {
  const [r] = rules(dedent`
    *filter
    :INPUT ACCEPT [0:0]
    -A INPUT -m comment --comment "a \"b\" \\c $d" -m comment --comment pre"fix x" -m comment --comment "" -j ACCEPT
    COMMIT
  `);
  t.deepEqual(r!.matches, [
    { module: 'comment', comment: 'a "b" \\c $d' },
    { module: 'comment', comment: 'prefix x' },
    { module: 'comment', comment: '' },
  ]);
  t.is(
    printRuleset(
      parse(`*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "a \\"b\\" \\\\c \\'q $d" -j ACCEPT\nCOMMIT\n`)
        .ruleset,
    )
      .split('\n')
      .find((l) => l.startsWith('-A')),
    `-A INPUT -m comment --comment "a \\"b\\" \\\\c \\'q $d" -j ACCEPT`,
  );
});

test('a closing quote ends the word: "x"y is two words', (t) => {
  const r = parse('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "x"y -j ACCEPT\nCOMMIT\n');
  t.deepEqual(
    r.diagnostics.map((d) => [d.line, d.column, d.severity]),
    [[3, 34, 'error']],
  );
});

test('both negation styles, dotted masks and hosts without /32 read the same', (t) => {
  const [modern, legacy] = rules(dedent`
    *filter
    :INPUT ACCEPT [0:0]
    -A INPUT ! -s 10.0.0.0/8 -p tcp -m tcp ! --dport 22 -j DROP
    -A INPUT -s ! 10.0.0.0/255.0.0.0 -p tcp -m tcp --dport ! 22 -j DROP
    -A INPUT -s 10.1.2.3 -d 10.0.0.0/255.0.255.0 -j DROP
    COMMIT
  `);
  t.deepEqual(modern!.source, { negated: true, value: { family: 'ipv4', address: '10.0.0.0', prefix: 8 } });
  t.deepEqual(legacy!.source, modern!.source);
  t.deepEqual(legacy!.matches, modern!.matches);
  const printed = printRuleset(
    parse('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.1.2.3 -d 10.0.0.0/255.0.255.0 -j DROP\nCOMMIT\n').ruleset,
  );
  t.true(printed.includes('-A INPUT -s 10.1.2.3/32 -d 10.0.0.0/255.0.255.0 -j DROP'));
});

test('host bits are cleared as the kernel stores them', (t) => {
  const [r] = rules('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.1.2.3/24 -j DROP\nCOMMIT\n');
  t.deepEqual(r!.source!.value, { family: 'ipv4', address: '10.1.2.0', prefix: 24 });
});

test('header, footer and warning comments, CRLF, blank lines and a prompt pasted above', (t) => {
  const text = [
    'root@node-1:~# iptables-save',
    '# Warning: iptables-legacy tables present, use iptables-legacy-save to see them',
    '# Generated by iptables-save v1.8.9 (nf_tables) on Sat Nov 21 13:24:00 2026',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    '',
    '-A INPUT -i lo -j ACCEPT',
    'COMMIT',
    '# Completed on Sat Nov 21 13:24:00 2026',
    '',
  ].join('\r\n');
  const r = parse(text);
  t.deepEqual(r.diagnostics, []);
  t.deepEqual(r.lines, { rules: 1, chains: 1, tables: 1, commits: 1, comments: 3, blank: 1, prompts: 1, rejected: 0 });
  t.is(
    printRuleset(r.ruleset),
    '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n',
  );
});

test('restore commands -N, -P, -I and implicit protocol matches become the saved form', (t) => {
  const r = parse(dedent`
    *filter
    -N MINE
    -P INPUT DROP
    -A INPUT -p tcp --dport 22 -j ACCEPT
    -I INPUT -j MINE
    -I INPUT 2 -s 10.0.0.1 -j DROP
    COMMIT
  `);
  t.deepEqual(r.diagnostics, []);
  t.is(
    printRuleset(r.ruleset),
    dedent`
    *filter
    :INPUT DROP [0:0]
    :FORWARD ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    :MINE - [0:0]
    -A INPUT -j MINE
    -A INPUT -s 10.0.0.1/32 -j DROP
    -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
    COMMIT
  `,
  );
});

test('a broken line names file, line and column, and the rest of the dump is still read', (t) => {
  const r = parse(dedent`
    *filter
    :INPUT ACCEPT [0:0]
    -A INPUT -s 10.0.0.300 -j DROP
    -A INPUT -p tcp -m tcp --dport 99999 -j DROP
    -A INPUT -m comment --comment "never closed -j DROP
    this is not a rule
    -A INPUT -j ACCEPT
    COMMIT
  `);
  t.deepEqual(
    r.diagnostics.map((d) => [d.severity, d.line, d.column]),
    [
      ['error', 3, 13],
      ['error', 4, 32],
      ['error', 5, 31],
      ['error', 6, 1],
    ],
  );
  const kept = r.ruleset.tables[0]!.chains[0]!.rules;
  // The bad address drops its rule; the bad port keeps the rule with its match verbatim (opaque).
  t.deepEqual(
    kept.map((x) => x.location.line),
    [4, 7],
  );
  t.is(kept[0]!.matches[0]!.module, 'opaque');
});

test('an unknown match extension is kept verbatim with a warning, never dropped', (t) => {
  const text =
    '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m frobnicate --level 3 ! --shiny -j ACCEPT\nCOMMIT\n';
  const r = parse(text);
  t.deepEqual(
    r.diagnostics.map((d) => [d.severity, d.line, d.column]),
    [['warning', 5, 13]],
  );
  t.deepEqual(r.ruleset.tables[0]!.chains[0]!.rules[0]!.matches[0], {
    module: 'opaque',
    name: 'frobnicate',
    words: [
      { text: '--level', bang: false, quoted: false },
      { text: '3', bang: false, quoted: false },
      { text: '!', bang: true, quoted: false },
      { text: '--shiny', bang: false, quoted: false },
    ],
  });
  t.is(printRuleset(r.ruleset), text);
});

test('a missing COMMIT marks the dump truncated at its last line, and the table is still read', (t) => {
  const r = parse('*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j ACCEPT\n\n');
  t.deepEqual(
    r.diagnostics.map((d) => [d.severity, d.line]),
    [['warning', 3]],
  );
  t.deepEqual(r.ruleset.gaps, [{ kind: 'truncated', table: 'nat', line: 3 }]);
  t.is(r.ruleset.tables[0]!.chains[0]!.rules.length, 1);
});

test('ip6tables-save is recognised from its header and from its addresses', (t) => {
  t.is(
    parse('# Generated by ip6tables-save v1.8.9 on x\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n').kind,
    'ip6tables-save',
  );
  const r = parse(
    '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d fd00::10 -p tcp -m tcp --dport 80 -j DNAT --to-destination [fd00::5]:8080\nCOMMIT\n',
  );
  t.is(r.kind, 'ip6tables-save');
  t.deepEqual(r.diagnostics, []);
  t.true(
    printRuleset(r.ruleset).includes(
      '-A PREROUTING -d fd00::10/128 -p tcp -m tcp --dport 80 -j DNAT --to-destination [fd00::5]:8080',
    ),
  );
});

test('a repeated base option or jump is read once per table and shared; each spelling, negation and table keeps its own', (t) => {
  const r = parse(dedent`
    *filter
    :INPUT ACCEPT [0:0]
    :X - [0:0]
    -A INPUT ! -s 10.0.0.0/8 -p tcp -j X
    -A INPUT ! -s 10.0.0.0/8 -p tcp -j X
    -A INPUT -s 10.0.0.0/8 -p 6 -g X
    -A INPUT -s 0.0.0.0/0 -s 10.0.0.1 -j X
    -A INPUT -s 10.0.0.0/33 -j X
    -A INPUT -s 10.0.0.0/33 -j X
    COMMIT
    *raw
    :PREROUTING ACCEPT [0:0]
    :X - [0:0]
    -A PREROUTING ! -s 10.0.0.0/8 -p tcp -j X
    COMMIT
  `);
  const [filter, raw] = r.ruleset.tables;
  const [a, b, c, d] = filter!.chains[0]!.rules;
  t.is(a!.source, b!.source);
  t.is(a!.protocol, b!.protocol);
  t.is(a!.target, b!.target);
  t.deepEqual([a!.source!.negated, c!.source!.negated], [true, false]);
  t.is(c!.protocol!.value, 'tcp');
  t.deepEqual(c!.target, { kind: 'jump', chain: 'X', goto: true });
  t.deepEqual(a!.target, { kind: 'jump', chain: 'X', goto: false });
  // `-s 0.0.0.0/0` matches everything and sets nothing, so a second -s is no repetition.
  t.like(d!.source!.value, { address: '10.0.0.1' });
  // A bad value is reported on every line that has it, not only the first.
  t.deepEqual(
    r.diagnostics.map((x) => [x.line, x.message]),
    [
      [8, 'prefix length /33 is too long'],
      [9, 'prefix length /33 is too long'],
    ],
  );
  const other = raw!.chains.find((ch) => ch.name === 'PREROUTING')!.rules[0]!;
  t.not(other.source, a!.source);
  t.deepEqual(other.source, a!.source);
});
