/**
 * nft listings pasted in part, as people post them in issues: several `nft list chain` / `nft list map` commands
 * behind their prompts, and a whole listing with `...` where they left lines out. What the paste shows is read and
 * added up; what it leaves out is unknown, never absent: no chain is called missing, no answer is definite.
 */
import test from 'ava';
import { analyze } from '../../src/library/analyze';
import { readText } from '../../src/library/read-text';
import { services } from '../../src/library/services';
import { readShared, sharedTest } from '../helpers/shared';

const LISTING = 'captures/nft/kube-proxy-v1.34-TestOverallNFTablesRules.nft-list-ruleset.txt';

/** The lines of the listing's block that opens with `head` (a chain's or a map's), braces included. */
function block(listing: readonly string[], head: string): string[] {
  const from = listing.findIndex((l) => l === `${head} {`);
  const to = listing.findIndex((l, i) => i > from && l === '\t}');
  if (from < 0 || to < 0) throw new Error(`no ${head} in the listing`);
  return listing.slice(from, to + 1);
}

/** What `nft list chain|map ip kube-proxy NAME` prints: the block inside its table. */
const listed = (what: string, lines: readonly string[]) => [
  `$ sudo nft list ${what}`,
  'table ip kube-proxy {',
  ...lines,
  '}',
];

const entryPoints = (report: ReturnType<typeof services>) =>
  report.services.flatMap((v) => v.nodes.flatMap((n) => n.entryPoints.map((e) => ({ service: v.name, ...e }))));

sharedTest('several nft list chain and list map outputs in one paste add up to one table, shown in part', async (t) => {
  const listing = readShared(LISTING).split('\n');
  const paste = [
    'kube-proxy never adds my service, here is what I have:',
    '```',
    ...listed('chain ip kube-proxy services', block(listing, '\tchain services')),
    ...listed('map ip kube-proxy service-ips', block(listing, '\tmap service-ips')),
    ...listed(
      'chain ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80',
      block(listing, '\tchain service-ULMVA6XW-ns1/svc1/tcp/p80'),
    ),
    '```',
    '',
  ].join('\n');
  const found = await readText(paste, 'issue.md');
  const entries = entryPoints(services(found));
  // The map's nine elements are services the walk reaches: none is lost to the listing after it.
  t.deepEqual([...new Set(entries.map((e) => e.service))].sort(), [
    'ns1/svc1:p80',
    'ns2/svc2:p80',
    'ns3/svc3:p80',
    'ns4/svc4:p80',
    'ns5/svc5:p80',
  ]);
  for (const e of entries)
    t.true(
      e.assumptions?.some((a) =>
        /shows table ip kube-proxy in part .*: what it does not show may change this$/.test(a),
      ),
      `${e.service} ${e.kind} ${e.verdict}`,
    );
  const report = analyze(found);
  const partial = report.findings.filter((f) => f.code === 'INPUT_PARTIAL');
  t.is(partial.length, 1);
  t.regex(partial[0]!.message, /shows table ip kube-proxy in part \(`nft list chain ip kube-proxy service-ULMVA6XW/);
  t.deepEqual(
    report.findings.filter((f) => f.code.startsWith('LINT_')).map((f) => f.code),
    [],
  );
});

sharedTest(
  'a listing with `...` where lines were left out reads the rest; nothing left out is judged missing',
  async (t) => {
    const listing = readShared(LISTING).trimEnd().split('\n');
    const elided = [...listing];
    const bodyOf = (head: string) => {
      const from = elided.indexOf(`\t${head} {`);
      return { from, to: elided.indexOf('\t}', from) };
    };
    // An endpoint chain's rules left out (a typographic ellipsis); a chain's rules and its closing brace; a note in brackets; a map's element.
    const endpoint = bodyOf('chain endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
    elided.splice(endpoint.from + 1, endpoint.to - endpoint.from - 1, '\t\t\u2026');
    const check = bodyOf('chain cluster-ips-check');
    elided.splice(check.from + 1, check.to - check.from, '\t...');
    elided.splice(elided.indexOf('\tchain filter-forward {'), 0, '\t[... snip, 3 more chains ...]');
    const element = elided.findIndex((l) => l.includes('5.6.7.8 . tcp . 80 : goto external-HVFWP5L3'));
    elided[element] = '\t\t\t     ...,';
    const paste = `root@node-1:~# nft list ruleset\n${elided.join('\n')}\n`;
    const found = await readText(paste, 'elided.txt');
    const lines = paste.split('\n');
    const lineOf = (text: string) => lines.indexOf(text) + 1;
    const elision = (line: string) => ['error', lineOf(line), 'an elision: what the paste left out here is unknown'];
    const nft = found.sections.find((s) => s.kind === 'nft')!;
    t.deepEqual(
      nft.diagnostics.map((d) => [d.severity, d.line, d.message]),
      [
        elision('\t\t\t     ...,'),
        [
          'error',
          lineOf('\tchain cluster-ips-check {'),
          `chain cluster-ips-check is not closed before line ${lineOf('\tchain endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 {')}: the paste left lines out`,
        ],
        elision('\t...'),
        elision('\t\t\u2026'),
        elision('\t[... snip, 3 more chains ...]'),
      ],
    );
    const kubeProxy = (nft.kind === 'nft' ? nft.ruleset.tables : []).find((x) => x.name === 'kube-proxy')!;
    // No elision is a rule; the map keeps the elements shown.
    t.false(kubeProxy.chains.some((c) => c.rules.some((r) => r.stmts.some((s) => s.kind === 'opaque'))));
    t.is(kubeProxy.sets.find((s) => s.name === 'service-ips')!.elements!.length, 8);
    const report = analyze(found);
    t.deepEqual(
      report.findings.filter((f) => f.code.startsWith('LINT_')).map((f) => `${f.code} ${f.subject}`),
      [],
    );
    t.true(report.findings.some((f) => f.code === 'INPUT_UNREADABLE_LINES'));
    for (const e of entryPoints(services(found)))
      t.true(
        e.assumptions?.some((a) => /what it does not show may change this$/.test(a)),
        `${e.service} ${e.kind} ${e.verdict}`,
      );
  },
);

test('a whole nft listing of the same table later in the paste is a later snapshot, each analysed; a part adds to the listing before it', async (t) => {
  const table = (chains: string) => `table ip t {\n${chains}}\n`;
  const chain = (name: string, rule: string) => `\tchain ${name} {\n\t\t${rule}\n\t}\n`;
  const base = '\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tjump a\n\t}\n';
  const first = table(base + chain('a', 'tcp dport 22 drop') + chain('old', 'drop'));
  const whole = table(base + chain('a', 'tcp dport 23 drop'));
  const part = table(chain('a', 'tcp dport 24 drop'));
  const chainsOf = async (text: string) => {
    const report = analyze(await readText(text, 'p.txt'));
    return report.nodes[0]!.rules;
  };
  // Before and after: two snapshots, never merged, never dropped, and said.
  const twice = analyze(await readText(`$ sudo nft list ruleset\n${first}$ sudo nft list ruleset\n${whole}`, 'p.txt'));
  t.deepEqual(
    twice.nodes.map((n) => [n.node, n.rules]),
    [
      ['p.txt#1', 3],
      ['p.txt#2', 2],
    ],
  );
  t.true(twice.findings.some((f) => f.code === 'INPUT_SNAPSHOTS'));
  // A part listed after it replaces its chain `a` and keeps the rest, which the whole listing showed.
  const added = `$ sudo nft list ruleset\n${first}$ sudo nft list chain ip t a\n${part}`;
  t.is(await chainsOf(added), 3);
  t.deepEqual(
    analyze(await readText(added, 'p.txt')).findings.filter((f) => f.code === 'INPUT_PARTIAL'),
    [],
  );
});
