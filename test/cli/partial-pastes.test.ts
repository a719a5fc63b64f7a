/**
 * `nfwalk chains` and `nfwalk diff` on a paste that shows part of a ruleset: a chain drawn without its rules, or
 * rules listed as removed, rest on what the paste did not show, and the report says so (text and --json).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { buildCli, nfwalk } from '../helpers/cli';
import { repoRoot } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'nfwalk-partial-'));
const whole = join(repoRoot, 'samples', 'kube-node.iptables-save');
const cut = join(dir, 'cut.md');
const dump = readFileSync(whole, 'utf8').split('\n');
/** Cut inside the quoted comment of kube-dns's KUBE-SEP rule, before the nat table's service rules and COMMIT. */
const at = dump.findIndex((l) => l.includes('-A KUBE-SEP-N4G2XR5TDX7PQE7P -s'));
const cutText = dump[at]!.slice(0, dump[at]!.indexOf('"kube-system/') + 4);
const cutLine = 3 + at;

const betweenTables = join(dir, 'between-tables.md');
/** Cut after the filter table's COMMIT and the header iptables-save printed before the nat table. */
const natHeader = dump.findIndex((l) => l === '*nat') - 1;
const headerLine = 3 + natHeader;
const twice = join(dir, 'twice.txt');

const wrapped = join(dir, 'wrapped.txt');
/** The dump as a terminal 80 columns wide shows it: each longer line goes on over the next ones. */
const wrappedLines = ['root@node-1:~# iptables-save', ...dump.flatMap((l) => l.match(/.{1,80}/g) ?? [''])];

test.before(() => {
  buildCli();
  writeFileSync(cut, ['```', 'root@node-1:~# iptables-save', ...dump.slice(0, at), cutText, '```', ''].join('\n'));
  writeFileSync(wrapped, `${wrappedLines.join('\n')}\n`);
  writeFileSync(
    betweenTables,
    ['```', 'root@node-1:~# iptables-save', ...dump.slice(0, natHeader + 1), '```', 'The rest did not fit.', ''].join(
      '\n',
    ),
  );
  writeFileSync(twice, `${dump.join('\n')}${dump.join('\n')}`);
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('chains on a cut paste says the dump is truncated and which line it could not read', (t) => {
  const text = nfwalk(['chains', cut, '--fail-on', 'none']);
  t.is(text.status, 0, text.stderr);
  // The service chains are drawn as the paste shows them (empty), and the report says why that proves nothing.
  t.regex(text.stdout, /nat +KUBE-SVC-TCOU7JCQXEZGVUNU \(0 rules\)/);
  t.regex(text.stdout, /WARNING INPUT_TRUNCATED input on cut\.md\n.*truncated at line \d+ \(table nat has no COMMIT\)/);
  t.regex(
    text.stdout,
    new RegExp(`WARNING INPUT_UNREADABLE_LINES input on cut\\.md\\n.*\\n {4}evidence: .*cut\\.md:${cutLine}\\n`),
  );
  const json = JSON.parse(nfwalk(['chains', '--json', cut, '--fail-on', 'none']).stdout) as {
    findings?: { code: string; evidence: { line: number; column: number }[] }[];
  };
  const unread = json.findings?.find((f) => f.code === 'INPUT_UNREADABLE_LINES');
  t.is(unread?.evidence[0]?.line, cutLine);
  t.true(unread!.evidence[0]!.column > 1);
  t.false('findings' in (JSON.parse(nfwalk(['chains', '--json', whole]).stdout) as object));
});

test('diff against a cut paste says the after snapshot is partial: its missing rules are not removed', (t) => {
  const text = nfwalk(['diff', whole, cut, '--fail-on', 'none']);
  t.is(text.status, 0, text.stderr);
  t.regex(
    text.stdout,
    /^node kube-node\.iptables-save → cut\.md\n {2}note: the after snapshot shows part of cut\.md: what it does not show is listed as removed, yet is unknown\n/,
  );
  t.regex(text.stdout, /\nWARNING INPUT_TRUNCATED input on cut\.md\n/);
  const json = JSON.parse(nfwalk(['diff', '--json', whole, cut, '--fail-on', 'none']).stdout) as {
    findings?: { code: string }[];
  };
  t.deepEqual(json.findings?.map((f) => f.code).sort(), ['INPUT_TRUNCATED', 'INPUT_UNREADABLE_LINES']);
  const same = nfwalk(['diff', '--json', whole, whole]);
  t.false('findings' in (JSON.parse(same.stdout) as object));
  t.notRegex(nfwalk(['diff', whole, whole]).stdout, /note:|INPUT_/);
});

test('parse and analyze of a paste a terminal wrapped say its continuations were joined, not skipped', (t) => {
  const continuations = wrappedLines.length - 1 - dump.length;
  const parsed = nfwalk(['parse', wrapped]);
  t.is(parsed.status, 0, parsed.stderr);
  t.regex(parsed.stdout, /wrapped\.txt:2-\d+ {2}iptables-save .* 0 errors {2}0 warnings/);
  t.true(
    parsed.stdout.includes(
      `joined ${continuations} lines: continuations of records a terminal 80 columns wide wrapped, read as part of the line before`,
    ),
    parsed.stdout,
  );
  const analyzed = nfwalk(['analyze', wrapped, '--fail-on', 'none']);
  t.regex(
    analyzed.stdout,
    /INFO +INPUT_UNWRAPPED input on wrapped\.txt\n.*records? a terminal 80 columns wide wrapped over/,
  );
  t.notRegex(analyzed.stdout, /INPUT_UNREADABLE_LINES/);
});

test('a paste cut after the header of its next table is truncated there, not a whole dump of fewer tables', (t) => {
  t.regex(dump[natHeader]!, /^# Generated by iptables-save/);
  const parsed = nfwalk(['parse', betweenTables]);
  t.is(parsed.status, 0, parsed.stderr);
  t.true(
    parsed.stdout.includes(
      `between-tables.md:${headerLine}:1: warning: the dump ends on the header of another table (line ${headerLine}) and no table follows`,
    ),
    parsed.stdout,
  );
  const json = JSON.parse(nfwalk(['services', '--json', betweenTables, '--fail-on', 'none']).stdout) as {
    findings: { code: string; severity: string; message: string; evidence: { line: number }[] }[];
  };
  const truncated = json.findings.find((f) => f.code === 'INPUT_TRUNCATED');
  t.is(truncated?.severity, 'warning');
  t.is(truncated?.evidence[0]?.line, headerLine);
  // The filter table's reject of a service without endpoints is shown, but the tables the paste lacks may change it.
  const rejected = json.findings.find((f) => f.code === 'SVC_NO_ENDPOINTS');
  t.is(rejected?.severity, 'info');
  t.true(rejected!.message.includes(`the dump is cut at line ${headerLine}, after the header of a table`));
  // Two whole dumps one after the other: the second's header starts it, and neither is cut.
  const both = nfwalk(['parse', twice]);
  t.regex(
    both.stdout,
    /twice\.txt:1-\d+ .* 0 errors {2}0 warnings\n(.*\n){4}.*twice\.txt:\d+-\d+ .* 0 errors {2}0 warnings/,
  );
});
