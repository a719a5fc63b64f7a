/**
 * What people paste into issue threads, class by class (issue #22): built from the kernel-made dumps in
 * test/fixtures/kernel (scripts/capture-fixtures.sh), wrapped and cut the way pastes are. Each test names
 * the class it covers; the expectations come from the fixtures and their services.json, never typed in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { analyzeAll } from '../../src/analyses/analyze/index';
import { analyzeServices } from '../../src/analyses/services/index';
import { tracePacket } from '../../src/analyses/trace/index';
import { findSectionsInText } from '../../src/input/sections';
import { nodesOfInputs } from '../../src/model/node';
import { type RulesetSection, isRulesetSection } from '../../src/model/section';
import { servicesJson } from '../../src/report/services-json';
import { repoRoot } from '../helpers/shared';

const fixture = (name: string) => readFileSync(join(repoRoot, 'test/fixtures/kernel', name), 'utf8');
const save = fixture('iptables-save.txt');
const natS = fixture('iptables-t-nat-S.txt');
const filterS = fixture('iptables-t-filter-S.txt');
const mangleS = fixture('iptables-t-mangle-S.txt');
const routes = fixture('ip-route.txt');
const addr = fixture('ip-addr.txt');
const conntrack = fixture('conntrack-L.txt');

interface ManifestService {
  readonly clusterIP: string;
  readonly port: number;
  readonly endpoints: readonly { readonly ip: string; readonly port: number }[];
}
const manifest = (JSON.parse(fixture('services.json')) as { snapshots: { main: { services: ManifestService[] } } })
  .snapshots.main.services;

/** The rules of `text` in iptables-save order, per table: what `iptables -t T -S` and a whole dump hold. */
function rulesPerTable(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith('-A ')) counts.set(table, (counts.get(table) ?? 0) + 1);
  }
  return counts;
}
const savedRules = rulesPerTable(save);
const rulesIn = (text: string) => text.split('\n').filter((l) => l.startsWith('-A ')).length;

const read = (text: string, path = 'paste.txt') => findSectionsInText(text, path);
const rulesets = (text: string) => read(text).sections.filter(isRulesetSection);
const tables = (r: RulesetSection) =>
  r.ruleset.tables.map((t) => [t.name, t.chains.reduce((n, c) => n + c.rules.length, 0)] as const);
const errors = (text: string) =>
  read(text).sections.flatMap((s) =>
    s.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.column} ${d.message}`),
  );

/** cluster IP:port → endpoint ip:port → share, as `services --json` gives them. */
function shares(text: string, path = 'paste.txt'): Map<string, Map<string, number>> {
  const json = servicesJson(analyzeServices(nodesOfInputs(read(text, path).sections)));
  return new Map(
    json.services
      .filter((s) => s.clusterIP)
      .map((s) => [`${s.clusterIP}:${s.port}`, new Map(s.endpoints.map((e) => [`${e.ip}:${e.port}`, e.probability]))]),
  );
}
const expectedShares = (services: readonly ManifestService[]) =>
  new Map(
    services.map((s) => [
      `${s.clusterIP}:${s.port}`,
      new Map(s.endpoints.map((e) => [`${e.ip}:${e.port}`, 1 / s.endpoints.length])),
    ]),
  );
const rounded = (m: Map<string, Map<string, number>>) =>
  [...m].map(([k, v]) => [k, [...v].map(([e, p]) => [e, Math.round(p * 1e6) / 1e6])]).sort();

const codes = (text: string, path = 'paste.txt') => {
  const found = read(text, path);
  return analyzeAll(nodesOfInputs(found.sections), {}, found.skipped).findings.map(
    (f) => `${f.code} ${f.node ?? ''} ${f.subject}`,
  );
};

test('class 1 (iptables -S gets the wrong table): each prompt-named -S output is its table, and together one ruleset', (t) => {
  const paste = `[root@node ~]# iptables -t nat -S\n${natS}[root@node ~]# iptables -t filter -S\n${filterS}[root@node ~]# iptables -t mangle -S\n${mangleS}`;
  const found = rulesets(paste);
  t.deepEqual(found.map(tables), [
    [['nat', savedRules.get('nat')]],
    [['filter', savedRules.get('filter')]],
    [['mangle', savedRules.get('mangle') ?? 0]],
  ]);
  t.deepEqual(errors(paste), []);
  const [node] = nodesOfInputs(read(paste).sections);
  t.deepEqual(
    node!.rulesets.map((r) => r.ruleset.tables.map((x) => x.name)),
    [['nat', 'filter', 'mangle']],
  );
  t.deepEqual(rounded(shares(paste)), rounded(expectedShares(manifest)));
});

test('class 1 (iptables -S gets the wrong table): -S outputs without prompts, split at blank lines, take their table from their content', (t) => {
  const paste = `${natS}\n${filterS}\n${mangleS}`;
  t.deepEqual(
    rulesets(paste).map((r) => r.ruleset.tables.map((x) => x.name)),
    [['nat'], ['filter'], ['mangle']],
  );
  const warnings = read(paste).sections.flatMap((s) => s.diagnostics.map((d) => d.message));
  t.true(
    warnings.some((w) => /read as the nat table \(its (DNAT|MASQUERADE) target/.test(w)),
    warnings.join('\n'),
  );
  t.deepEqual(rounded(shares(paste)), rounded(expectedShares(manifest)));
});

test('class 1 (iptables -S gets the wrong table): a grep of iptables-save lands each table in its own, and its services keep their endpoints', (t) => {
  const grepped = save
    .split('\n')
    .filter((l) => l.includes('KUBE'))
    .join('\n');
  const paste = `$ iptables-save | grep KUBE\n${grepped}\n`;
  const [r] = rulesets(paste);
  t.deepEqual(
    r!.ruleset.tables.map((x) => x.name).sort(),
    [...savedRules.keys()].filter((table) => save.split(`*${table}\n`)[1]!.split('COMMIT')[0]!.includes('KUBE')).sort(),
  );
  t.deepEqual(errors(paste), []);
  t.truthy(r!.source.partial);
  t.deepEqual(rounded(shares(paste)), rounded(expectedShares(manifest)));
  const found = codes(paste);
  t.deepEqual(
    found.filter((c) => /LINT_(MISSING_CHAIN|UNUSED_CHAIN|KUBE_MASQ_MISSING)/.test(c)),
    [],
  );
  t.true(
    found.some((c) => c.startsWith('INPUT_PARTIAL')),
    found.join('\n'),
  );
});

test('class 2 (several dumps in one input: the last silently wins): two dumps of one ruleset are two snapshots, each analysed', (t) => {
  const after = fixture('iptables-save.after.txt');
  const paste = `[root@node ~]# iptables-save\n${save}\n[root@node ~]# iptables-save\n${after}`;
  const nodes = nodesOfInputs(read(paste).sections);
  t.deepEqual(
    nodes.map((n) => [n.name, n.rulesets.map((r) => r.records)]),
    [
      ['paste.txt#1', [rulesIn(save)]],
      ['paste.txt#2', [rulesIn(after)]],
    ],
  );
  const found = codes(paste);
  t.deepEqual(found.filter((c) => c.startsWith('INPUT_SNAPSHOTS')).length, 2);
  // A legacy and an nft dump of one node stay one node.
  const pair = `# Generated by iptables-save v1.8.9\n${save.replace(/^# Generated by.*\n/, '')}\n${save}`;
  t.deepEqual(
    nodesOfInputs(read(pair).sections).map((n) => n.name),
    ['paste.txt'],
  );
});

test('class 3 (partial context is taken as complete): a grepped ip route does not make destinations unroutable', (t) => {
  const grepped = routes
    .split('\n')
    .filter((l) => l.includes('10.244'))
    .join('\n');
  const paste = `[root@node ~]# ip route | grep 10.244\n${grepped}\n[root@node ~]# ip addr\n${addr}[root@node ~]# iptables-save\n${save}`;
  const node = nodesOfInputs(read(paste).sections)[0]!;
  const service = manifest.find((s) => s.endpoints.length === 1)!;
  // From a client beyond the default route: the reply must be routable for the walk to forward.
  const result = tracePacket(node, {
    src: '203.0.113.7',
    dst: service.clusterIP,
    proto: 'tcp',
    sport: 40000,
    dport: service.port,
    in: 'eth0',
  });
  t.true(
    result.paths.every((p) => p.verdict === 'ACCEPT'),
    JSON.stringify(result.paths.map((p) => [p.verdict, p.reason])),
  );
  t.true(
    result.warnings.some((n) => n.includes('no ipv4 default route') && n.includes('grep')),
    result.warnings.join('\n'),
  );
});

test('class 4 (truncated dumps give false errors): a cut dump is one finding, not a lint storm, and a rule cut mid-line is no rule', (t) => {
  const lines = save.split('\n');
  const cutAt = lines.findIndex((l) => l.startsWith('-A KUBE-SVC-'));
  const paste = `${lines.slice(0, cutAt + 2).join('\n')}\n-A KUBE-MARK-MASQ -j MARK --set-xmark`;
  const [r] = rulesets(paste);
  t.deepEqual(
    r!.ruleset.gaps?.map((g) => g.kind),
    ['truncated'],
  );
  t.is(r!.records, rulesIn(lines.slice(0, cutAt + 2).join('\n')));
  t.deepEqual(errors(paste), [
    `${cutAt + 3}:1 the last line is cut off in the middle of a rule: not a rule (the kernel would reject it)`,
  ]);
  const found = codes(paste);
  t.deepEqual(
    found.filter((c) => /LINT_(MISSING_CHAIN|UNUSED_CHAIN|KUBE_MASQ_MISSING)/.test(c)),
    [],
  );
  t.deepEqual(found.filter((c) => c.startsWith('INPUT_TRUNCATED')).length, 1);
  // The same dump whole raises none of it.
  t.deepEqual(
    codes(save).filter((c) => c.startsWith('INPUT_')),
    [],
  );
});

test('class 5 (-A INPUT without :INPUT): built-in chains need no declaration, as iptables-restore has it', (t) => {
  const restore =
    '*filter\n-A INPUT -i lo -j ACCEPT\n-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n';
  t.deepEqual(errors(restore), []);
  const [r] = rulesets(restore);
  t.deepEqual(tables(r!), [['filter', 2]]);
  // A user chain without its declaration is still an error in a whole dump (iptables-restore rejects it).
  t.deepEqual(errors('*filter\n-A MY-CHAIN -j ACCEPT\nCOMMIT\n'), ['2:4 rule for undeclared chain MY-CHAIN']);
});

test("class 6 (wrong advice): Kubernetes' marker chains are never findings", (t) => {
  const markers = ['KUBE-IPTABLES-HINT', 'KUBE-KUBELET-CANARY', 'KUBE-PROXY-CANARY'];
  const dump = `*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${markers.map((m) => `:${m} - [0:0]\n`).join('')}:ORPHAN - [0:0]\nCOMMIT\n`;
  const found = codes(dump);
  t.deepEqual(
    found.filter((c) => markers.some((m) => c.includes(m))),
    [],
  );
  t.true(found.some((c) => c.includes('LINT_UNUSED_CHAIN') && c.includes('ORPHAN')));
});

const wrappers: readonly [string, (text: string) => string][] = [
  ['4-space indented Markdown code', (x) => `Here is the dump:\n\n${x.replace(/^(?=.)/gm, '    ')}\nThanks!\n`],
  ['> quotes', (x) => x.replace(/^/gm, '> ')],
  [
    'grep -n prefixes',
    (x) =>
      x
        .split('\n')
        .map((l, i) => `${i + 1}:${l}`)
        .join('\n'),
  ],
  [
    'file:line: prefixes',
    (x) =>
      x
        .split('\n')
        .map((l, i) => `iptables.txt:${i + 1}:${l}`)
        .join('\n'),
  ],
  ['every line commented out with # ', (x) => x.replace(/^/gm, '# ')],
  ['a JSON-escaped one-line string', (x) => `{"rules": ${JSON.stringify(x)}}\n`],
  [
    'HTML-escaped text',
    (x) => x.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('>', '&gt;').replaceAll('<', '&lt;'),
  ],
];

for (const [name, wrap] of wrappers) {
  test(`class 10 (wrappers not unwrapped): ${name}`, (t) => {
    const paste = wrap(save);
    t.deepEqual(errors(paste), []);
    t.deepEqual(rulesets(paste).map(tables), rulesets(save).map(tables));
    t.deepEqual(rounded(shares(paste)), rounded(expectedShares(manifest)));
  });
}

test('class 10 (wrappers not unwrapped): a trailing bare prompt and prompts of commands nfwalk does not read', (t) => {
  const bridge = fixture('bridge-link.txt');
  const paste = `[root@node ~]# ip -o addr\n${fixture('ip-o-addr.txt')}[root@node ~]# bridge link\n${bridge}[root@node ~]# lsns -t net\n        NS TYPE NPROCS   PID USER  NETNSID NSFS COMMAND\n4026531840 net     142     1 root unassigned      /sbin/init\n[root@node ~]# iptables-save\n${save}[root@node ~]# `;
  const found = read(paste);
  t.deepEqual(errors(paste), []);
  t.deepEqual(
    found.sections.map((s) => [s.kind, s.source.command]),
    [
      ['ip-addr', 'ip -o addr'],
      ['iptables-save', 'iptables-save'],
    ],
  );
  t.true(found.skipped.some((s) => s.reason.startsWith('output of `bridge link`')));
  t.true(found.skipped.some((s) => s.reason.startsWith('output of `lsns -t net`')));
});

test('class 12 (a folder of files from different hosts): prompts that name two hosts make two nodes', (t) => {
  const paste = `[root@node-a ~]# iptables-save\n${save}[root@node-b ~]# conntrack -L\n${conntrack}`;
  const nodes = nodesOfInputs(read(paste).sections);
  t.deepEqual(nodes.map((n) => [n.name, n.rulesets.length, n.conntrack.length]).sort(), [
    ['node-a', 1, 0],
    ['node-b', 0, 1],
  ]);
  t.deepEqual(
    codes(paste).filter((c) => c.startsWith('STALE_') && !c.startsWith('STALE_UNDECIDED')),
    [],
  );
});

test('class 12 (a folder of files from different hosts): ip addr dumps that share no address are said to be two machines', (t) => {
  const other = addr.replace(
    /(inet6? \S+?)(\d+)\/(\d+)( .*scope global)/g,
    (_, head: string, last: string, len: string, tail: string) => `${head}${Number(last) + 50}/${len}${tail}`,
  );
  t.notDeepEqual(other, addr);
  const found = [
    ...read(addr, 'dir/a.txt').sections,
    ...read(other, 'dir/b.txt').sections,
    ...read(save, 'dir/rules.txt').sections,
  ].map((s) => ({ ...s, source: { ...s.source, node: 'dir' } }));
  const report = analyzeAll(nodesOfInputs(found));
  t.deepEqual(
    report.findings.filter((f) => f.code === 'INPUT_MIXED_HOSTS').map((f) => f.evidence.map((e) => e.path)),
    [['dir/a.txt', 'dir/b.txt']],
  );
});

test('class 1 (iptables -S gets the wrong table): one service chain and its endpoint chains, without KUBE-SERVICES, still show the service and say what is assumed', (t) => {
  const service = manifest.find((s) => s.endpoints.length === 3)!;
  const chains = natS
    .split('\n')
    .filter((l) => l.includes(`"${(service as unknown as { name: string }).name}`))
    .map((l) => l.split(' ')[1]!);
  const owned = new Set(chains.filter((c) => /^KUBE-(SVC|SEP)-/.test(c)));
  const paste = [...owned]
    .map(
      (c) =>
        `[root@node ~]# iptables -t nat -S ${c}\n${natS
          .split('\n')
          .filter((l) => l === `-N ${c}` || l.startsWith(`-A ${c} `))
          .join('\n')}\n`,
    )
    .join('');
  t.false(paste.includes('KUBE-SERVICES'));
  t.deepEqual(errors(paste), []);
  t.deepEqual(rounded(shares(paste)), rounded(expectedShares([service])));
  const node = nodesOfInputs(read(paste).sections)[0]!;
  const result = tracePacket(node, {
    src: '10.244.1.77',
    dst: service.clusterIP,
    proto: 'tcp',
    sport: 40000,
    dport: service.port,
  });
  t.is(result.paths.length, service.endpoints.length);
  for (const p of result.paths)
    t.true(
      p.assumptions?.some((a) => a.includes('jump from nat KUBE-SERVICES to KUBE-SVC-')),
      JSON.stringify(p.assumptions),
    );
});

test('class 11 (anonymised addresses): a masked node address in ip addr keeps the interface, and NodePorts are walked on a stand-in', (t) => {
  const nodeIp = addr.match(/inet (\d+\.\d+\.\d+\.\d+)\/\d+ .*scope global eth0/)![1]!;
  const masked = addr.replaceAll(nodeIp, '<node-ip>');
  const paste = `[root@node ~]# ip addr\n${masked}[root@node ~]# iptables-save\n${save}`;
  const found = read(paste);
  const ipAddr = found.sections.find((s) => s.kind === 'ip-addr')!;
  t.is(ipAddr.records, read(addr).sections[0]!.records);
  t.true(ipAddr.diagnostics.some((d) => d.severity === 'warning' && d.message.includes("'<node-ip>' is masked")));
  const json = servicesJson(analyzeServices(nodesOfInputs(found.sections)));
  const withNodePort = manifest.filter(
    (s) =>
      (s as unknown as { nodePort: number | null }).nodePort !== null &&
      (s as unknown as { externalTrafficPolicy: string | null }).externalTrafficPolicy !== 'Local',
  );
  t.true(withNodePort.length > 0);
  for (const s of withNodePort) {
    const nodePort = json.services.find((x) => x.clusterIP === s.clusterIP)!.nodes[0]!.nodePort;
    t.is(nodePort?.verdict, 'forward', s.clusterIP);
  }
  const tracer = analyzeServices(nodesOfInputs(found.sections)).nodes[0]!;
  t.true(
    tracer.warnings.some((w) => w.includes("eth0's address is masked in the paste (<node-ip>)")),
    tracer.warnings.join('\n'),
  );
});

test('class 3 (partial context is taken as complete): a grepped ipset listing leaves members it does not show unknown', (t) => {
  const sets = fixture('ipset-save.txt');
  const [shown, hidden] = sets
    .split('\n')
    .filter((l) => l.startsWith('add cali40all-hosts-net'))
    .map((l) => l.split(' ')[2]!);
  const rules =
    '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m set --match-set cali40all-hosts-net src -j DROP\nCOMMIT\n';
  const grepped = sets
    .split('\n')
    .filter((l) => l.includes('cali40all-hosts-net') && !l.includes(hidden!))
    .join('\n');
  const verdicts = (setDump: string, command: string, src: string) => {
    const node = nodesOfInputs(
      read(
        `[root@node ~]# ${command}\n${setDump}\n[root@node ~]# ip addr\n${addr}[root@node ~]# iptables-save\n${rules}`,
      ).sections,
    )[0]!;
    return tracePacket(node, { src, dst: '192.168.56.10', proto: 'tcp', sport: 40000, dport: 22, in: 'eth0' })
      .paths.map((p) => p.verdict)
      .sort();
  };
  t.deepEqual(verdicts(sets, 'ipset save', hidden!), ['DROP']);
  t.deepEqual(verdicts(grepped, 'ipset save | grep cali40all-hosts-net', shown!), ['DROP']);
  t.deepEqual(verdicts(grepped, 'ipset save | grep cali40all-hosts-net', hidden!), ['ACCEPT', 'DROP']);
  t.deepEqual(verdicts(sets, 'ipset save', '192.168.56.99'), ['ACCEPT']);
});

test('class 10 (wrappers not unwrapped): a reply to a reply (`> > `, `>> `), and HTML from a ticket export', (t) => {
  for (const quote of ['> > ', '>> ']) {
    const paste = save.replace(/^/gm, quote);
    t.deepEqual(errors(paste), [], quote);
    t.deepEqual(rulesets(paste).map(tables), rulesets(save).map(tables), quote);
  }
  const body = save.trimEnd().split('\n');
  const jira = `<p>Node worker-3 can&#39;t reach the NodePort. Output below:</p>\n<div class="preformatted panel"><div class="preformattedContent">\n<pre>${body.join('\n')}</pre>\n</div></div>\n`;
  t.deepEqual(errors(jira), []);
  t.deepEqual(rulesets(jira).map(tables), rulesets(save).map(tables));
  const br = body.map((l) => `${l.replaceAll('"', '&quot;')}<br/>`).join('\n');
  t.deepEqual(errors(br), []);
  t.deepEqual(rounded(shares(br)), rounded(expectedShares(manifest)));
});

test('class 10 (wrappers not unwrapped): prose and a JSON document after ip route and ip addr end those dumps', (t) => {
  const paste = `$ ip route\n${routes}Nothing unusual in the routes.\n$ ip addr\n${addr}Looks normal.\n  },\n  "kind": "ConfigMap"\n`;
  const found = read(paste);
  t.deepEqual(errors(paste), []);
  t.deepEqual(
    found.sections.map((s) => [s.kind, s.records]),
    [
      ['ip-route', read(routes).sections[0]!.records],
      ['ip-addr', read(addr).sections[0]!.records],
    ],
  );
  t.true(found.skipped.some((s) => s.reason === 'not a dump nfwalk reads'));
});

const prompts: readonly [string, string][] = [
  ['core@HOST ~ $ sudo ', 'Flatcar'],
  ['HOST:~# ', 'Alpine'],
  ['HOST ~ # ', 'SUSE'],
  ['bob@laptop:~$ ssh HOST sudo ', 'ssh from a laptop'],
];

for (const [prompt, style] of prompts) {
  test(`class 12 (a folder of files from different hosts): ${style} prompts name their host`, (t) => {
    const at = (host: string, command: string) => `${prompt.replace('HOST', host)}${command}`;
    const paste = `${at('worker-1', 'iptables-save')}\n${save}${at('worker-2', 'conntrack -L')}\n${conntrack}`;
    t.deepEqual(
      nodesOfInputs(read(paste).sections)
        .map((n) => n.name)
        .sort(),
      ['worker-1', 'worker-2'],
    );
  });
}

test('class 1 (iptables -S gets the wrong table): a grep for a NodePort service forwards its NodePort, with what the grep dropped as assumptions', (t) => {
  const service = manifest.find(
    (s) =>
      (s as unknown as { nodePort: number | null; externalTrafficPolicy: string | null }).nodePort !== null &&
      (s as unknown as { externalTrafficPolicy: string | null }).externalTrafficPolicy !== 'Local',
  )!;
  const name = (service as unknown as { name: string }).name;
  const paste = `[root@node ~]# ip addr\n${addr}[root@node ~]# iptables-save | grep ${name}\n${save
    .split('\n')
    .filter((l) => l.includes(name))
    .join('\n')}\n`;
  const json = servicesJson(analyzeServices(nodesOfInputs(read(paste).sections)));
  const nodePort = json.services.find((s) => s.clusterIP === service.clusterIP)!.nodes[0]!.nodePort!;
  t.is(nodePort.verdict, 'forward');
  t.deepEqual(
    nodePort.endpoints.map((e) => `${e.ip}:${e.port}`).sort(),
    service.endpoints.map((e) => `${e.ip}:${e.port}`).sort(),
  );
  const found = codes(paste);
  t.deepEqual(
    found.filter((c) => c.startsWith('SVC_') || c.startsWith('LINT_')),
    [],
  );
});

test('class 12 (a folder of files from different hosts): with ip addr dumps of two machines, no conntrack entry is judged stale', (t) => {
  const other = addr.replace(
    /(inet6? \S+?)(\d+)\/(\d+)( .*scope global)/g,
    (_, head: string, last: string, len: string, tail: string) => `${head}${Number(last) + 50}/${len}${tail}`,
  );
  const dir = [
    ...read(`${addr}`, 'dir/a-addr.txt').sections,
    ...read(save, 'dir/a-rules.txt').sections,
    ...read(other, 'dir/b-addr.txt').sections,
    ...read(conntrack, 'dir/b-conntrack.txt').sections,
  ];
  const sections = dir.map((s) => ({ ...s, source: { ...s.source, node: 'dir' } }));
  const whole = analyzeAll(nodesOfInputs(sections.filter((s) => s.source.path !== 'dir/b-addr.txt'))).findings.filter(
    (f) => f.code.startsWith('STALE_') && f.code !== 'STALE_UNDECIDED',
  );
  t.true(whole.length > 0, 'the fixture has stale entries when the files are one machine');
  const mixed = analyzeAll(nodesOfInputs(sections)).findings;
  t.deepEqual(
    mixed.filter((f) => f.code.startsWith('STALE_') && f.code !== 'STALE_UNDECIDED'),
    [],
  );
  t.true(mixed.some((f) => f.code === 'INPUT_MIXED_HOSTS'));
});

test('class 4 (truncated dumps give false errors): a dump cut inside nat raises no warning or error about services, and walks through the cut chains say so', (t) => {
  const lines = save.split('\n');
  const natStart = lines.indexOf('*nat');
  const firstSvl = lines.findIndex((l) => l.startsWith('-A KUBE-SVL-'));
  t.true(natStart > 0 && firstSvl > natStart);
  const paste = `${lines.slice(0, firstSvl).join('\n')}\n`;
  const node = nodesOfInputs(
    read(`[root@node ~]# ip addr\n${addr}[root@node ~]# iptables-save | head -${firstSvl}\n${paste}`).sections,
  )[0]!;
  const findings = analyzeAll([node]).findings;
  t.deepEqual(
    findings.filter((f) => f.code.startsWith('SVC_') && f.severity !== 'info').map((f) => f.code),
    [],
  );
  t.true(findings.some((f) => f.code === 'INPUT_TRUNCATED'));
  const local = manifest.find(
    (s) => (s as unknown as { externalTrafficPolicy: string | null }).externalTrafficPolicy === 'Local',
  )!;
  const nodeIp = addr.match(/inet (\d+\.\d+\.\d+\.\d+)\/\d+ .*scope global eth0/)![1]!;
  const result = tracePacket(node, {
    src: '203.0.113.7',
    dst: nodeIp,
    proto: 'tcp',
    sport: 40000,
    dport: (local as unknown as { nodePort: number }).nodePort,
    in: 'eth0',
  });
  t.true(
    result.paths.every((p) =>
      p.assumptions?.some((a) => /chain nat KUBE-SVL-\S+ is cut off where the dump ends/.test(a)),
    ),
    JSON.stringify(result.paths.map((p) => p.assumptions)),
  );
});

test('class 7 (conntrack without protocol names): extended lines that lost their family name are read from its number, with a warning', (t) => {
  const extended = fixture('conntrack-L-o-extended.txt');
  const cut = extended.replace(/^ipv([46]) +/gm, '');
  t.notDeepEqual(cut, extended);
  const [whole] = read(extended).sections;
  const [damaged] = read(cut).sections;
  t.is(damaged?.kind, 'conntrack');
  if (damaged?.kind !== 'conntrack' || whole?.kind !== 'conntrack') return;
  t.deepEqual(
    damaged.entries.map((e) => [e.family, e.proto, e.orig, e.reply]),
    whole.entries.map((e) => [e.family, e.proto, e.orig, e.reply]),
  );
  t.is(
    damaged.diagnostics.filter((d) => d.severity === 'warning' && d.message.includes('family name is missing')).length,
    whole.entries.length,
  );
  t.deepEqual(errors(cut), []);
});

test('class 10 (wrappers not unwrapped): dumps in a ConfigMap printed as YAML block scalars', (t) => {
  const block = (text: string) => text.trimEnd().replace(/^/gm, '    ');
  const paste = `$ kubectl -n kube-system get cm node-dump -o yaml\napiVersion: v1\ndata:\n  conntrack.txt: |\n${block(conntrack)}\n  iptables.txt: |\n${block(save)}\nkind: ConfigMap\nmetadata:\n  name: node-dump\n`;
  t.deepEqual(errors(paste), []);
  t.deepEqual(
    read(paste).sections.map((s) => [s.kind, s.records]),
    [...read(conntrack).sections, ...read(save).sections].map((s) => [s.kind, s.records]),
  );
});

test('class 12 (a folder of files from different hosts): one machine named short and in full is one node', (t) => {
  const paste = `[root@worker-1 ~]# iptables-save\n${save}root@worker-1.cluster.example:~# conntrack -L\n${conntrack}`;
  t.deepEqual(
    nodesOfInputs(read(paste).sections).map((n) => n.name),
    ['paste.txt'],
  );
});

test('class 12 (a folder of files from different hosts): two whole rulesets of one kind are said, and no entry is called stale against them', (t) => {
  // node-b's rules: one endpoint of every service moved, so that node-a's live connections would look stale there.
  const moved = save.replace(
    /--to-destination (\d+\.\d+\.\d+\.)(\d+):/g,
    (_, net: string, host: string) => `--to-destination ${net}${Number(host) + 100}:`,
  );
  t.not(moved, save);
  const dir = [
    ...read(save, 'dir/node-a.iptables-save').sections,
    ...read(conntrack, 'dir/node-a.conntrack-L.txt').sections,
    ...read(moved, 'dir/node-b.iptables-save').sections,
  ].map((s) => ({ ...s, source: { ...s.source, node: 'dir' } }));
  const stale = (fs: readonly { code: string }[]) =>
    fs.filter((f) => f.code.startsWith('STALE_') && f.code !== 'STALE_UNDECIDED').map((f) => f.code);
  const againstB = analyzeAll(nodesOfInputs(dir.filter((s) => s.source.path !== 'dir/node-a.iptables-save')));
  t.true(stale(againstB.findings).length > 0, "node-a's table against node-b's rules alone has stale entries");
  const findings = analyzeAll(nodesOfInputs(dir)).findings;
  t.deepEqual(
    findings.filter((f) => f.code === 'INPUT_MIXED_HOSTS').map((f) => f.evidence.map((e) => e.path)),
    [['dir/node-a.iptables-save', 'dir/node-b.iptables-save']],
  );
  t.deepEqual(stale(findings), []);
  t.regex(
    findings.find((f) => f.code === 'STALE_UNDECIDED')?.message ?? '',
    /the node's files hold 2 whole iptables-save dumps \(dir\/node-a\.iptables-save, dir\/node-b\.iptables-save\)/,
  );
});

test("class 1 (iptables -S gets the wrong table): KUBE-SERVICES pasted alone, as -S or as a listing, is nat's by the chains it jumps to, and keeps its services", (t) => {
  const natL = fixture('iptables-t-nat-L-n-v.txt');
  const listed = /^Chain KUBE-SERVICES .*\n(?:.+\n)+/m.exec(natL)![0];
  const ruled = natS
    .split('\n')
    .filter((l) => l === '-N KUBE-SERVICES' || l.startsWith('-A KUBE-SERVICES '))
    .join('\n');
  // A service without endpoints has no nat rule: its REJECT is filter's.
  const clusterIPs = manifest
    .filter((s) => s.endpoints.length > 0)
    .map((s) => `${s.clusterIP}:${s.port}`)
    .sort();
  for (const paste of [`${ruled}\n`, listed]) {
    const found = rulesets(paste);
    t.deepEqual(
      found.map((r) => r.ruleset.tables.map((x) => x.name)),
      [['nat']],
    );
    const warnings = read(paste).sections.flatMap((s) => s.diagnostics.map((d) => d.message));
    t.true(
      warnings.some((w) => /nat table.*jumps to KUBE-(SVC|MARK-MASQ)/.test(w)),
      warnings.join('\n'),
    );
    t.deepEqual([...shares(paste).keys()].sort(), clusterIPs);
  }
});
