/** `nfwalk analyze` and `nfwalk stale` as a user runs them, on the bundled incident sample (what `npm start` runs). */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { buildCli, cliPath, nfwalk } from '../helpers/cli';
import { readFlowchart } from '../helpers/mermaid';
import { readFixture, repoRoot, sharedFile, sharedTest } from '../helpers/shared';

const SAMPLE = 'samples/incident-node';
test.before(() => buildCli());

const run = (args: readonly string[], env: Record<string, string | undefined>) =>
  spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env } });

test("analyze ranks every analysis' findings, summarises the node and fails on errors", (t) => {
  const r = run(['analyze', SAMPLE, '--json'], {});
  t.is(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout) as {
    nodes: { node: string; stale: number; conntrackEntries: number }[];
    findings: { code: string; severity: string; evidence: { path: string; line: number }[]; remedy: string }[];
  };
  t.deepEqual(
    report.nodes.map((n) => `${n.node} ${n.conntrackEntries} ${n.stale}`),
    ['incident-node 54 10'],
  );
  const codes = new Set(report.findings.map((f) => f.code));
  for (const code of [
    'CT_TABLE_FULL',
    'CT_INSERT_FAILED',
    'CT_UNANSWERED_DESTINATION',
    'STALE_ENDPOINT_GONE',
    'STALE_SERVICE_GONE',
    'SVC_NO_ENDPOINTS',
  ])
    t.true(codes.has(code), code);
  for (const f of report.findings) t.true(f.remedy.length > 0 && f.evidence.every((e) => e.line > 0), f.code);
  t.is(run(['analyze', SAMPLE, '--fail-on', 'none'], {}).status, 0);
});

test('analyze text is coloured only on request or a terminal, and NO_COLOR wins', (t) => {
  const plain = run(['analyze', SAMPLE, '--fail-on', 'none'], { FORCE_COLOR: undefined, NO_COLOR: undefined });
  t.notRegex(plain.stdout, /\u001b\[/);
  t.regex(
    plain.stdout,
    /^incident-node: 54 rules, 4 services, 54 conntrack entries \(10 stale\), table 90% full; 3 errors/,
  );
  t.regex(
    run(['analyze', SAMPLE, '--fail-on', 'none'], { FORCE_COLOR: '1', NO_COLOR: undefined }).stdout,
    /\u001b\[31m/,
  );
  t.notRegex(run(['analyze', SAMPLE, '--fail-on', 'none'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout, /\u001b\[/);
});

test('analyze --format markdown: a node table, a section per finding with its fix, and diagrams Mermaid reads', async (t) => {
  const md = run(['analyze', SAMPLE, '--format', 'markdown', '--fail-on', 'none'], {}).stdout;
  t.regex(md, /^# nfwalk analyze\n\n\| node \| rules/);
  t.regex(md, /## ERROR `STALE_ENDPOINT_GONE` kube-system\/kube-dns:dns on incident-node\n/);
  t.regex(md, /```sh\nconntrack -D -p udp -d 10\.96\.0\.10 --dport 53 -r 10\.244\.3\.5 --reply-port-src 53\n```/);
  const blocks = Object.fromEntries(
    [...md.matchAll(/^## (.+)\n\n```mermaid\n([^]*?)```$/gm)].map((m) => [m[1], m[2] as string]),
  );
  t.deepEqual(Object.keys(blocks), ['Services with findings', 'Stale entries']);
  const stale = await readFlowchart(blocks['Stale entries'] as string);
  t.true([...stale.vertices.values()].includes('10.244.3.5:53<br>endpoint-gone'));
  const services = await readFlowchart(blocks['Services with findings'] as string);
  t.true([...services.vertices.values()].includes('cluster IP 10.96.14.21:80'), 'shop/cart, which rejects, is drawn');
});

test('stale --json keeps the contract: every stale entry with its tuple, target, reason, service and line', (t) => {
  const r = nfwalk(['stale', '--json', `${repoRoot}/${SAMPLE}`]);
  t.is(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { stale: Record<string, unknown>[] };
  t.is(out.stale.length, 10);
  for (const s of out.stale)
    t.deepEqual(Object.keys(s).slice(0, 9), [
      'proto',
      'src',
      'sport',
      'dst',
      'dport',
      'natTarget',
      'reason',
      'service',
      'line',
    ]);
  t.deepEqual(
    out.stale.find((s) => s.dst === '10.96.77.3'),
    {
      proto: 'udp',
      src: '10.244.1.70',
      sport: 45000,
      dst: '10.96.77.3',
      dport: 514,
      natTarget: '10.244.4.12:5140',
      reason: 'DNATed to 10.244.4.12:5140, but no rule rewrites 10.96.77.3:514 any more: the service is gone',
      service: null,
      line: 22,
      kind: 'service-gone',
      node: 'incident-node',
      file: `${repoRoot}/${SAMPLE}/conntrack-L.txt`,
      table: 'conntrack',
      now: [],
      cleanup:
        'conntrack -D -p udp -s 10.244.1.70 -d 10.96.77.3 --sport 45000 --dport 514 -r 10.244.4.12 --reply-port-src 5140',
    },
  );
  t.is(nfwalk(['stale', `${repoRoot}/${SAMPLE}/iptables-save.txt`]).status, 2);
});

test('analyze on a dump with an unreadable line: the warning finding, and the line counts for the exit code as elsewhere', (t) => {
  const bad = '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.300 -j DROP\n-A INPUT -s 10.0.0.3/32 -j DROP\nCOMMIT\n';
  const r = nfwalk(['analyze', '-', '--json'], bad);
  t.is(r.status, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as { findings: { code: string; severity: string }[] };
  t.deepEqual(
    doc.findings.filter((f) => f.code === 'INPUT_UNREADABLE_LINES').map((f) => f.severity),
    ['warning'],
  );
  t.is(nfwalk(['parse', '-'], bad).status, 1, 'as parse counts it');
  t.is(nfwalk(['analyze', '-', '--fail-on', 'none'], bad).status, 0);
  const text = nfwalk(['analyze', '-'], bad);
  t.is(text.status, 1);
  t.is(
    text.stdout.split('\n')[0],
    'stdin: 1 rule; 1 line not read, 1 warning, 0 info',
    'no "no errors" beside a run that fails',
  );
  t.regex(
    nfwalk(['analyze', '-', '--format', 'markdown'], bad).stdout,
    /\| stdin \| 1 \| 0 \| 0 \| 0 \|  \| 1 \| 0 \| 1 \| 0 \|/,
  );
});

/** kube-proxy's nftables table (walked) and a bridge table (read, not walked) in one `nft list ruleset`. */
const NFT_RULESET = `table ip kube-proxy {
	chain services {
		ip daddr . meta l4proto . th dport vmap @service-ips
	}
}
table bridge filter {
	chain forward {
		type filter hook forward priority filter; policy accept;
		ether type arp accept
	}
}
`;

test('nft tables the walk leaves out (bridge, netdev, arp) are named: a finding in analyze, a warning elsewhere; ip tables are walked; an iptables -L listing is read', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-foreign-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const node = join(dir, 'node-a');
  cpSync(join(repoRoot, SAMPLE), node, { recursive: true });
  const listing = readFixture('iptables-t-nat-L-n-v.txt');
  writeFileSync(join(node, 'iptables-L.txt'), listing);
  writeFileSync(join(node, 'nft.txt'), NFT_RULESET);

  const r = nfwalk(['analyze', node, '--json', '--fail-on', 'none']);
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr, '', 'analyze says it in its report');
  const doc = JSON.parse(r.stdout) as {
    findings: { code: string; message: string; evidence: { path: string; line: number }[] }[];
  };
  const notRead = doc.findings.filter((f) => f.code === 'INPUT_NOT_READ');
  t.deepEqual(
    notRead.filter((f) => f.evidence.some((e) => e.path.endsWith('iptables-L.txt'))),
    [],
    'the listing is read',
  );
  t.deepEqual(
    notRead.filter((f) => f.evidence.some((e) => e.path.endsWith('nft.txt'))).map((f) => f.message),
    [
      'nft table bridge filter was read but not walked: nfwalk walks ip, ip6 and inet tables, so services, stale entries and traces here leave it out',
    ],
  );
  const parsed = JSON.parse(nfwalk(['parse', '--json', join(node, 'iptables-L.txt')]).stdout) as {
    sections: { kind: string; records: number }[];
  };
  t.deepEqual(
    parsed.sections.map((s) => s.kind),
    ['iptables-list'],
  );
  t.is(
    parsed.sections[0]!.records,
    listing.split('\n').filter((l) => l.trim() && !l.startsWith('Chain ') && !/\btarget +prot\b/.test(l)).length,
  );

  const stale = nfwalk(['stale', node, '--json', '--fail-on', 'none']);
  t.is(stale.status, 0, stale.stderr);
  t.notThrows(() => JSON.parse(stale.stdout));
  t.deepEqual(stale.stderr.trimEnd().split('\n'), [
    `nfwalk: warning: ${node}/nft.txt:1-${NFT_RULESET.trimEnd().split('\n').length} holds nft tables of families nfwalk reads but does not walk (bridge filter); those rules are not part of this answer`,
  ]);

  const bridgeOnly = join(dir, 'bridge.txt');
  writeFileSync(bridgeOnly, NFT_RULESET.slice(NFT_RULESET.indexOf('table bridge')));
  const alone = nfwalk(['services', bridgeOnly]);
  t.is(alone.status, 2);
  t.regex(
    alone.stderr,
    /nothing programs services \(.*bridge\.txt:1-\d+ holds nft tables of families nfwalk reads but does not walk \(bridge filter\)\)\n$/,
  );
  const kubeProxy = nfwalk(['services', join(node, 'nft.txt'), '--json']);
  t.is(kubeProxy.status, 0, 'an ip kube-proxy table is walked: no service in it, nothing wrong');
});

test("iptables-nft-save's warning that legacy tables exist, before or after the dump it printed: a finding that rules are missing", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-legacy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const stdout = readFixture('iptables-nft-save-legacy-present.stdout.txt');
  const stderr = readFixture('iptables-nft-save-legacy-present.stderr.txt');
  // Collectors keep stderr with stdout, in either order (2>&1 into one file, or appended after).
  for (const [name, text, line] of [
    ['before', stderr + stdout, 1],
    ['after', stdout + stderr, stdout.split('\n').length],
  ] as const) {
    const node = join(dir, name);
    mkdirSync(node);
    writeFileSync(join(node, 'iptables-save.txt'), text);
    const r = nfwalk(['analyze', node, '--json', '--fail-on', 'none']);
    t.is(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      nodes: { rules: number }[];
      findings: { code: string; message: string; evidence: { line: number }[] }[];
    };
    t.is(
      doc.nodes[0]!.rules,
      stdout.split('\n').filter((l) => l.startsWith('-A ')).length,
      `${name}: the dump itself is read`,
    );
    t.deepEqual(
      doc.findings.filter((f) => f.code === 'INPUT_NOT_READ').map((f) => [f.message, f.evidence[0]!.line]),
      [
        [
          'iptables says this node also has iptables-legacy tables, which the dump does not show: their rules act on packets too, and are missing from this analysis',
          line,
        ],
      ],
      name,
    );
  }
});

sharedTest(
  'analyze counts every finding in its summary: those about the nodes together on a line of their own',
  (t) => {
    // kube-proxy's nft layout with externalTrafficPolicy: Local services, which the one node given drops.
    const r = nfwalk([
      'analyze',
      sharedFile('captures/nft/kube-proxy-v1.34-TestOverallNFTablesRules.nft-list-ruleset.txt'),
    ]);
    const [summary, findings] = r.stdout.split('\n\n');
    const counted = [...summary!.matchAll(/(\d+|no) (errors?|warnings?|info)/g)].reduce(
      (n, m) => n + (m[1] === 'no' ? 0 : Number(m[1])),
      0,
    );
    t.is(counted, (findings!.match(/^(ERROR|WARNING|INFO) /gm) ?? []).length);
    t.regex(summary!, /\nall nodes together: no errors, 0 warnings, [1-9]\d* info$/);
  },
);
