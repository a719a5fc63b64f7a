/**
 * `stale` on a paste that shows part of a conntrack table (a line cut mid-address, a run piped through
 * `tail`, conntrack's own count saying more were shown): the entries it holds are judged, and the report says
 * what it could not see, with file, line and column, instead of presenting the count as the node's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { readText } from '../../src/library/read-text';
import { stale, staleAnalysis } from '../../src/library/stale';
import { formatStale } from '../../src/report/stale-text';
import { repoRoot } from '../helpers/shared';

const sample = join(repoRoot, 'samples', 'incident-node');
const rules = readFileSync(join(sample, 'iptables-save.txt'), 'utf8');
const table = readFileSync(join(sample, 'conntrack-L.txt'), 'utf8').split('\n').filter(Boolean);

/** A Markdown paste: the rules, then two runs of conntrack -L behind prompts; `cut` cuts the first run's third line. */
function paste(cut: boolean): string {
  const third = cut ? table[2]!.slice(0, table[2]!.indexOf(' dport=')) : table[2]!;
  return [
    'The node, as asked:',
    '```',
    'root@node-1:~# iptables-save',
    ...rules.trimEnd().split('\n'),
    'root@node-1:~# conntrack -L',
    table[0]!,
    table[1]!,
    third,
    ...(cut ? ['^C', 'root@node-1:~# conntrack -L | tail -2', table[3]!, table[4]!] : [table[3]!, table[4]!]),
    `conntrack v1.4.7 (conntrack-tools): ${cut ? table.length : 5} flow entries have been shown.`,
    '```',
    '',
  ].join('\n');
}

test('a cut and filtered table is judged and reported as partial, with the cut line and column', async (t) => {
  const text = paste(true);
  const report = stale(await readText(text, 'paste.md'));
  const lines = text.split('\n');
  const cutLine = lines.findIndex((l) => l === table[2]!.slice(0, table[2]!.indexOf(' dport='))) + 1;
  const unreadable = report.findings.find((f) => f.code === 'INPUT_UNREADABLE_LINES');
  t.truthy(unreadable, JSON.stringify(report.findings.map((f) => f.code)));
  t.is(unreadable!.evidence[0]!.path, 'paste.md');
  t.is(unreadable!.evidence[0]!.line, cutLine);
  t.true(unreadable!.evidence[0]!.column > 1);
  const partial = report.findings.filter((f) => f.code === 'INPUT_PARTIAL');
  t.is(partial.length, 1);
  t.regex(partial[0]!.message, /`conntrack -L \| tail -2`/);
  t.regex(partial[0]!.message, new RegExp(`holds 2 of the ${table.length} entries`));
  // The four whole entries are still judged: the cut one is the only one left out.
  t.is(report.nodes[0]!.checked, 4);
  t.true(report.findings.some((f) => f.code.startsWith('STALE_')));
  t.regex(
    formatStale(staleAnalysis(await readText(text, 'paste.md'))),
    /4 entries checked, \d+ stale \(of a partial input/,
  );
});

test('the same entries pasted whole say nothing about the input', async (t) => {
  const text = paste(false);
  const report = stale(await readText(text, 'paste.md'));
  t.deepEqual(
    report.findings.filter((f) => f.code.startsWith('INPUT_')),
    [],
  );
  t.is(report.nodes[0]!.checked, 5);
  t.notRegex(formatStale(staleAnalysis(await readText(text, 'paste.md'))), /partial/);
});

test('a NodePort entry on a node whose addresses no input gives is undecided, beside the entries judged', async (t) => {
  // The rules without the node's ip addr: whether 10.0.3.17 is the node's decides if 31080 is its NodePort.
  const nodePort =
    'tcp      6 86397 ESTABLISHED src=198.51.100.4 dst=10.0.3.17 sport=50522 dport=31080 src=10.244.3.32 dst=10.244.1.1 sport=8080 dport=17211 [ASSURED] mark=0 use=1';
  for (const entries of [[nodePort], [table[0]!, nodePort, table[1]!]]) {
    const report = stale(await readText(`${rules}${entries.join('\n')}\n`, 'paste.txt'));
    t.deepEqual(
      report.nodes.map((n) => n.undecided.map((u) => [u.why.slice(0, 45), u.count])),
      [[['a NodePort connection if 10.0.3.17 is an addr', 1]]],
    );
    t.is(report.nodes[0]!.checked, entries.length - 1);
  }
});

test("the node's addresses from an ip -br addr paste decide a NodePort entry", async (t) => {
  const brief =
    'root@node-1:~# ip -br addr\nlo               UNKNOWN        127.0.0.1/8 ::1/128\neth0             UP             10.0.3.17/24 fe80::5054:ff:fe12:3456/64\n';
  const entry =
    'tcp      6 86397 ESTABLISHED src=198.51.100.4 dst=10.0.3.17 sport=50522 dport=31080 src=10.244.3.32 dst=10.244.1.1 sport=8080 dport=17211 [ASSURED] mark=0 use=1';
  const report = stale(
    await readText(
      `${brief}root@node-1:~# iptables-save\n${rules}root@node-1:~# conntrack -L\n${entry}\n`,
      'paste.txt',
    ),
  );
  t.deepEqual(
    report.nodes.map((n) => [n.checked, n.undecided]),
    [[1, []]],
  );
});
