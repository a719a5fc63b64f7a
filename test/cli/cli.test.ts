/** The command line as contracts.md promises it: exit codes, JSON-only stdout, one-line errors. */
import test from 'ava';
import { buildCli, nfwalk } from '../helpers/cli';
import { kubeProxyNodeFiles } from '../helpers/kube-proxy-node';
import { fixtureFile, readFixture, withoutComments } from '../helpers/shared';

test.before(() => buildCli());

test('--version and --help exit 0', (t) => {
  const v = nfwalk(['--version']);
  t.is(v.status, 0);
  t.regex(v.stdout, /^\d+\.\d+\.\d+\n$/);
  const h = nfwalk(['--help']);
  t.is(h.status, 0);
  t.regex(h.stdout, /parse <inputs\.\.>/);
  t.regex(h.stdout, /fmt <input>/);
});

test('parse --json prints one JSON document with every section, and nothing else', (t) => {
  const r = nfwalk(['parse', '--json', fixtureFile('iptables-save.txt'), fixtureFile('ip6tables-save-c.txt')]);
  t.is(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  t.deepEqual(
    doc.sections.map((s: { kind: string; records: number; source: unknown; diagnostics: unknown[] }) => [
      s.kind,
      s.records,
      s.source,
      s.diagnostics,
    ]),
    [
      [
        'iptables-save',
        90,
        { path: fixtureFile('iptables-save.txt'), startLine: 1, endLine: 153, node: 'iptables-save.txt' },
        [],
      ],
      [
        'ip6tables-save',
        35,
        { path: fixtureFile('ip6tables-save-c.txt'), startLine: 1, endLine: 78, node: 'ip6tables-save-c.txt' },
        [],
      ],
    ],
  );
  const kubeServices = doc.sections[0].ruleset.tables
    .find((tb: { name: string }) => tb.name === 'nat')
    .chains.find((c: { name: string }) => c.name === 'KUBE-SERVICES');
  t.is(kubeServices.rules[0].index, 1);
  t.is(kubeServices.rules[0].destination.value.address, '10.96.0.11');
});

test('fmt prints the dump back; stdin works as -', (t) => {
  const text = readFixture('iptables-save-c.txt');
  const r = nfwalk(['fmt', '-'], text);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, withoutComments(text));
  t.is(r.stderr, '');
});

test('a broken dump: diagnostics name file, line and column; the rest is still printed; exit 1', (t) => {
  const broken =
    '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.999 -j DROP\n-A INPUT -j ACCEPT\nCOMMIT\n';
  const r = nfwalk(['fmt', '-'], broken);
  t.is(r.status, 1);
  t.is(r.stderr, "<stdin>:5:13: error: expected an IP address, got '10.0.0.999'\n");
  t.true(r.stdout.includes('-A INPUT -j ACCEPT\n'));
  t.is(nfwalk(['fmt', '--fail-on', 'none', '-'], broken).status, 0);
});

test('--fail-on warning counts warnings', (t) => {
  const unknownModule =
    '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m frob --x 1 -j ACCEPT\nCOMMIT\n';
  t.is(nfwalk(['parse', '-'], unknownModule).status, 0);
  t.is(nfwalk(['parse', '--fail-on', 'warning', '-'], unknownModule).status, 1);
});

test('could not do the job: exit 2 with one line on stderr and no stack trace', (t) => {
  for (const [args, input, message] of [
    [['parse', '/no/such/file'], undefined, 'nfwalk: cannot read /no/such/file: no such file or directory\n'],
    [['parse', '-'], 'hello world\n', 'nfwalk: no usable dump in <stdin>\n'],
    [['frobnicate'], undefined, 'nfwalk: Unknown argument: frobnicate\n'],
    [['parse', '--fail-on', 'sometimes', '-'], '', undefined],
  ] as const) {
    const r = nfwalk(args, input);
    t.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    t.is(r.stdout, '');
    t.is(r.stderr.split('\n').length, 2, r.stderr);
    if (message) t.is(r.stderr, message);
  }
});

const conformance = kubeProxyNodeFiles();

test('trace --json prints the contract: packet, paths with probability, verdict, final header, masquerade, steps', (t) => {
  const r = nfwalk([
    'trace',
    ...conformance,
    '--src',
    '10.0.0.2',
    '--dst',
    '172.30.0.44',
    '--proto',
    'tcp',
    '--sport',
    '33000',
    '--dport',
    '80',
    '--in',
    'eth0',
    '--json',
  ]);
  t.is(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  t.deepEqual(doc.packet, { src: '10.0.0.2', dst: '172.30.0.44', proto: 'tcp', sport: 33000, dport: 80, in: 'eth0' });
  t.deepEqual(
    doc.paths.map(
      (p: { probability: number; verdict: string; delivered: string; final: unknown; masquerade: boolean }) => [
        p.probability,
        p.verdict,
        p.delivered,
        p.final,
        p.masquerade,
      ],
    ),
    [
      [0.5, 'ACCEPT', 'forwarded', { src: '10.0.0.2', sport: 33000, dst: '10.180.0.4', dport: 80 }, false],
      [0.5, 'ACCEPT', 'forwarded', { src: '10.0.0.2', sport: 33000, dst: '10.180.0.5', dport: 80 }, false],
    ],
  );
  t.deepEqual(doc.paths[0].steps[0], {
    table: 'nat',
    chain: 'PREROUTING',
    rule: 1,
    target: 'KUBE-SERVICES',
    jump: 'jump',
    text: '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  });
  t.deepEqual(
    doc.paths[0].steps.find((s: { policy?: string }) => s.policy),
    { table: 'filter', chain: 'FORWARD', policy: 'ACCEPT' },
  );
  t.is(r.stderr, '');
});

test('trace prints a readable walk and a Mermaid flowchart; bad probes exit 2 with one line', (t) => {
  const text = nfwalk([
    'trace',
    ...conformance,
    '--src',
    '192.168.0.2',
    '--dst',
    '192.168.99.22',
    '--dport',
    '80',
    '--local',
  ]);
  t.is(text.status, 0, text.stderr);
  t.regex(
    text.stdout,
    /^trace on trace-packet\.iptables: tcp 192\.168\.0\.2 → 192\.168\.99\.22:80, sent by the node\n/,
  );
  t.regex(
    text.stdout,
    /nat {6}KUBE-SEP-RS4RBKLTHTF2IUXJ rule 2: .* -j DNAT --to-destination 10\.180\.0\.2:80\n {6}⇒ 192\.168\.0\.2:40000 → 10\.180\.0\.2:80\n/,
  );
  t.regex(text.stdout, /final: 192\.168\.0\.2:40000 → 10\.180\.0\.2:80, masqueraded\n/);
  const mermaid = nfwalk([
    'trace',
    ...conformance,
    '--src',
    '10.0.0.2',
    '--dst',
    '172.30.0.44',
    '--dport',
    '80',
    '--in',
    'eth0',
    '--format',
    'mermaid',
  ]);
  t.is(mermaid.status, 0, mermaid.stderr);
  t.regex(mermaid.stdout, /^flowchart TD\n/);
  t.regex(
    mermaid.stdout,
    /-->\|"rule 2: -m statistic --mode random --probability 0\.50000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC \(p=0\.5\)"\|/,
  );
  t.regex(mermaid.stdout, /\(\["ACCEPT, sent out of eth0<br\/>10\.0\.0\.2:40000 → 10\.180\.0\.4:80"\]\)/);
  for (const args of [
    ['--src', 'nonsense', '--dst', '10.0.0.1', '--dport', '80'],
    ['--src', '10.0.0.2', '--dst', '10.0.0.1'],
  ]) {
    const bad = nfwalk(['trace', ...conformance, ...args]);
    t.is(bad.status, 2);
    t.regex(bad.stderr, /^nfwalk: [^\n]+\n$/);
  }
});
