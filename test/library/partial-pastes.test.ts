/**
 * Pastes that show part of a node's dumps (wrapped by a chat client, cut mid-line, piped through `grep` or `head`)
 * given to services, analyze and trace: each report says what it could not read or see, with file, line and
 * column, rather than judging the missing part as absent (a chain missing, a service without endpoints).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { analyze } from '../../src/library/analyze';
import { readText } from '../../src/library/read-text';
import { services } from '../../src/library/services';
import { stale } from '../../src/library/stale';
import { trace, traceResult } from '../../src/library/trace';
import { formatTrace } from '../../src/report/trace-text';
import { readFixture, readShared, repoRoot, sharedTest } from '../helpers/shared';

const sample = (name: string) => readFileSync(join(repoRoot, 'samples', name), 'utf8');
const kubeNode = sample('kube-node.iptables-save');

/** A terminal 80 columns wide, copied from: each longer line goes on over the next ones. */
const wrapped = (dump: string) =>
  dump
    .trimEnd()
    .split('\n')
    .flatMap((line) => line.match(/.{1,80}/g) ?? [''])
    .join('\n');

/** The dump behind a prompt in a Markdown fence, cut after `lines` lines and `column` characters into the next. */
function cutPaste(dump: string, lines: number, column: number): string {
  const all = dump.split('\n');
  return ['```', 'root@node-1:~# iptables-save', ...all.slice(0, lines), all[lines]!.slice(0, column), '```', ''].join(
    '\n',
  );
}

const ipvsadm = sample('kube-node-ipvs.ipvsadm.txt').split('\n');
/** `ipvsadm -Ln` of the sample node: its title, header and services with their real servers. */
const listing = ipvsadm.slice(
  ipvsadm.indexOf('root@node-b:~# ipvsadm -Ln') + 1,
  ipvsadm.indexOf('root@node-b:~# ipvsadm -Ln --stats'),
);

const inputCodes = (findings: readonly { code: string }[]) =>
  findings.map((f) => f.code).filter((c) => c.startsWith('INPUT_'));

test('services on a wrapped paste places a line it cannot read on the continuation the terminal cut it to', async (t) => {
  const lines = kubeNode.split('\n');
  const at = lines.findIndex((l) => l.startsWith('[0:0] -A INPUT -m conntrack --ctstate NEW -m comment'));
  // An edit past the terminal's width: a quote left open after the target.
  lines[at] = `${lines[at]!} "unbalanced`;
  const text = `root@node-1:~# iptables-save\n${wrapped(lines.join('\n'))}\n`;
  const report = services(await readText(text, 'wrapped.txt'));
  t.deepEqual(inputCodes(report.findings), ['INPUT_UNREADABLE_LINES']);
  const first = report.findings[0]!.evidence[0]!;
  t.is(first.path, 'wrapped.txt');
  t.true(first.line > at + 2, 'on a continuation, not on the line the rule starts at');
  t.is(text.split('\n')[first.line - 1]!.slice(first.column - 1), '"unbalanced');
  t.deepEqual(
    inputCodes(services(await readText(`root@node-1:~# iptables-save\n${kubeNode}`, 'whole.txt')).findings),
    [],
  );
});

test('services on a filtered IPVS listing says it is partial, whatever service is asked for', async (t) => {
  const grep = ['root@node-b:~# ipvsadm -Ln | grep TCP', ...listing.filter((l) => l.startsWith('TCP'))].join('\n');
  const report = services(await readText(`${grep}\n`, 'ipvs.txt'), { services: ['10.96.120.7'] });
  // Every service is shown without real servers: the finding says why that proves nothing.
  t.true(report.services.every((s) => s.endpoints.length === 0));
  const partial = report.findings.filter((f) => f.code === 'INPUT_PARTIAL');
  t.is(partial.length, 1);
  t.regex(partial[0]!.message, /IPVS service listing at ipvs\.txt:2-\d+ was filtered \(`ipvsadm -Ln \| grep TCP`\)/);
  t.deepEqual(partial[0]!.evidence, [{ path: 'ipvs.txt', line: 2, column: 1 }]);
  // analyze says it too; the whole listing says nothing about its input.
  t.true(analyze(await readText(`${grep}\n`, 'ipvs.txt')).findings.some((f) => f.code === 'INPUT_PARTIAL'));
  const whole = ['root@node-b:~# ipvsadm -Ln', ...listing].join('\n');
  t.deepEqual(inputCodes(services(await readText(`${whole}\n`, 'ipvs.txt')).findings), []);
});

/** A chat client's wrap: long lines broken after a word, each as long as its next word lets it. */
const folded = (dump: string) =>
  dump
    .trimEnd()
    .split('\n')
    .flatMap((line) => line.match(/.{1,71}(?:\s|$)|\S+/g) ?? [''])
    .join('\n');

test('analyze reads a folded paste whole, its records joined between words, and judges no chain missing', async (t) => {
  const report = analyze(await readText(`root@node-1:~# iptables-save\n${folded(kubeNode)}\n`, 'folded.txt'));
  t.deepEqual(inputCodes(report.findings), ['INPUT_UNWRAPPED']);
  t.regex(report.findings.find((f) => f.code === 'INPUT_UNWRAPPED')!.message, /wrapped between words at 7\d columns/);
  t.is(report.nodes[0]!.rules, analyze(await readText(kubeNode, 'whole.txt')).nodes[0]!.rules);
  const judged = report.findings.filter((f) => /^LINT_(MISSING_CHAIN|UNUSED_CHAIN|KUBE_MASQ_MISSING)$/.test(f.code));
  t.deepEqual(
    judged.map((f) => `${f.code} ${f.subject}`),
    [],
  );
});

test('trace on a paste cut mid-line notes the line it could not read, with file, line and column', async (t) => {
  // Cut inside the quoted comment of a DNAT rule: the reader rejects the line (a cut between words may still read).
  const at = 78;
  const text = cutPaste(kubeNode, at, kubeNode.split('\n')[at]!.indexOf('"default/') + 5);
  const report = trace(await readText(text, 'cut.md'), {
    src: '10.0.0.9',
    dst: '10.96.0.10',
    proto: 'tcp',
    dport: 80,
    in: 'eth0',
  });
  const line = text.split('\n').findIndex((l) => l.endsWith('"defa')) + 1;
  t.true(
    report.warnings.some((w) => w.includes('could not be read') && w.includes(`cut.md:${line}:`)),
    report.warnings.join('\n'),
  );
  t.true(report.warnings.some((w) => /truncated at line \d+ \(table nat has no COMMIT\)/.test(w)));
  const whole = trace(await readText(`root@node-1:~# iptables-save\n${kubeNode}`, 'whole.txt'), {
    src: '10.0.0.9',
    dst: '10.96.0.10',
    proto: 'tcp',
    dport: 80,
    in: 'eth0',
  });
  t.false(whole.warnings.some((w) => /could not be read|truncated/.test(w)));
});

sharedTest('services on a real AKS dump cut mid-rule says the dump is truncated and the line unread', async (t) => {
  const dump = readShared('realworld/azure-acn_aks-node_kube-proxy-iptables_npm_iptables-save-v1.8.4.txt');
  const report = services(await readText(cutPaste(dump, 300, 50), 'aks.md'));
  t.deepEqual(inputCodes(report.findings).sort(), ['INPUT_TRUNCATED', 'INPUT_UNREADABLE_LINES']);
  t.true(report.services.length > 0);
});

sharedTest(
  'a service judged on a cut nft listing is said as information, with the unread lines as the reason',
  async (t) => {
    const listing = readShared('captures/nft/kube-proxy-v1.34-TestOverallNFTablesRules.nft-list-ruleset.txt').split(
      '\n',
    );
    // Cut at the first per-service chain after the base chains: the chains of later services are not shown.
    const at = listing.findIndex((l) => l.includes('chain firewall-HVFWP5L3-ns5/svc5/tcp/p80'));
    const text = ['root@node-1:~# nft list ruleset', ...listing.slice(0, at), listing[at]!.slice(0, 25), ''].join('\n');
    const report = analyze(await readText(text, 'nft.txt'));
    t.true(report.findings.some((f) => f.code === 'INPUT_UNREADABLE_LINES'));
    const judged = report.findings.filter((f) => f.code.startsWith('SVC_'));
    t.true(judged.length > 0);
    for (const f of judged) {
      t.is(f.severity, 'info', f.message);
      t.regex(
        f.message,
        /lines? of the nft dump at nft\.txt:2 could not be read: what it does not show may change this\)$/,
      );
    }
    // Cut at the first line of the listing's chains: every answer, not only the findings, rests on the rest.
    const head = listing.findIndex((l) => l.trimStart().startsWith('chain '));
    const cut = ['root@node-1:~# nft list ruleset', ...listing.slice(0, head), ''].join('\n');
    const entries = services(await readText(cut, 'nft.txt')).services.flatMap((v) =>
      v.nodes.flatMap((n) => n.entryPoints),
    );
    t.true(entries.length > 0);
    for (const e of entries)
      t.true(
        e.assumptions?.some((a) => /nft\.txt:2 .*: what it does not show may change this$/.test(a)),
        `${e.kind} ${e.ip}:${e.port} ${e.verdict}`,
      );
  },
);

test('a paste cut between words of its last rule counts that line as unread, not as a rule with a warning', async (t) => {
  // Cut inside `-m comment` of kube-dns's KUBE-SERVICES rule: `-m comme` reads as an unknown match extension.
  const lines = kubeNode.split('\n');
  const at = lines.findIndex((l) => l.includes('-A KUBE-SERVICES -d 10.96.0.10/32 -p udp'));
  const text = cutPaste(kubeNode, at, lines[at]!.indexOf('-m comment') + 8);
  t.true(text.includes('-m comme\n```'));
  const found = await readText(text, 'cut.md');
  const report = analyze(found);
  t.deepEqual(inputCodes(report.findings).sort(), ['INPUT_TRUNCATED', 'INPUT_UNREADABLE_LINES']);
  const unread = report.findings.find((f) => f.code === 'INPUT_UNREADABLE_LINES')!;
  const line = text.split('\n').findIndex((l) => l.endsWith('-m comme')) + 1;
  t.deepEqual(unread.evidence, [{ path: 'cut.md', line, column: 1 }]);
  const section = found.sections[0]!;
  t.false(section.diagnostics.some((d) => d.severity === 'warning' && d.message.includes('comme')));
  t.true(section.kind === 'iptables-save' && section.lines.rejected === 1);
});

sharedTest('an nft listing pasted without its closing braces is said partial where it ends', async (t) => {
  const listing = readShared('captures/nft/kube-proxy-v1.34-TestOverallNFTablesRules.nft-list-ruleset.txt').split('\n');
  // Cut at a line end before the chains of later services: no line is cut, only the braces are missing.
  const at = listing.findIndex((l) => l.includes('chain firewall-HVFWP5L3-ns5/svc5/tcp/p80'));
  const text = ['root@node-1:~# nft list ruleset', ...listing.slice(0, at), ''].join('\n');
  const report = services(await readText(text, 'nft.txt'));
  const partial = report.findings.filter((f) => f.code === 'INPUT_PARTIAL');
  t.is(partial.length, 1);
  t.regex(
    partial[0]!.message,
    new RegExp(`nft listing at nft\\.txt:2-${at + 1} ends at line ${at + 1} inside a block`),
  );
  t.deepEqual(partial[0]!.evidence, [{ path: 'nft.txt', line: at + 1, column: 1 }]);
  const whole = ['root@node-1:~# nft list ruleset', ...listing].join('\n');
  t.deepEqual(inputCodes(services(await readText(whole, 'nft.txt')).findings), []);
});

test('an iptables -L listing cut before the chains its rules jump to is said partial, and no chain is missing', async (t) => {
  const listing = readFixture('iptables-t-nat-L-n-v.txt');
  const whole = analyze(await readText(`root@node-1:~# iptables -t nat -L -n -v\n${listing}`, 'whole.txt'));
  t.deepEqual(
    whole.findings.filter((f) => f.code.startsWith('INPUT_') || f.code.startsWith('LINT_MISSING')),
    [],
  );
  for (const lines of [12, 30, 60]) {
    const cut = listing.split('\n').slice(0, lines).join('\n');
    const report = analyze(await readText(`root@node-1:~# iptables -t nat -L -n -v\n${cut}\n`, 'cut.txt'));
    const codes = report.findings.map((f) => f.code);
    t.false(codes.includes('LINT_MISSING_CHAIN'), `cut after ${lines} lines: ${codes.join(' ')}`);
    const partial = report.findings.filter((f) => f.code === 'INPUT_PARTIAL');
    t.is(partial.length, 1, `cut after ${lines} lines: ${codes.join(' ')}`);
    t.regex(
      partial[0]!.message,
      /listing at cut\.txt:\d+-\d+ does not show chain KUBE-[A-Z0-9-]+, which its rule at line \d+ jumps to/,
    );
  }
});

const FOREIGN_TABLES = 'captures/nft/calico-13263-foreign-ruleset.kernel';

sharedTest("iptables-nft-save's lines for tables it could not print are a dump that shows none of them", async (t) => {
  // All iptables-nft-save printed on calico#13263's node: three `# Table … is incompatible` lines, each a comment.
  const save = readShared(`${FOREIGN_TABLES}.iptables-nft-save.stdout+stderr.txt`);
  const alone = await readText(save, 'iptables-nft-save.txt');
  t.deepEqual(
    alone.sections.map((s) => [s.kind, s.diagnostics.map((d) => [d.severity, d.line])]),
    [
      [
        'iptables-save',
        [
          ['warning', 1],
          ['warning', 2],
          ['warning', 3],
        ],
      ],
    ],
  );
  const said = (a: typeof alone) =>
    analyze(a)
      .findings.filter((f) => f.code === 'INPUT_NOT_READ')
      .map((f) => [f.severity, f.evidence[0]!.line, /could not print table (\w+)/.exec(f.message)?.[1]]);
  t.deepEqual(said(alone), [
    ['warning', 1, 'mangle'],
    ['warning', 2, 'filter'],
    ['warning', 3, 'nat'],
  ]);
  // The same lines from ip6tables-nft-save name no family; the command that printed them does.
  const v6 = await readText(`root@node:~# ip6tables-nft-save\n${save}`, 'paste.txt');
  t.deepEqual(
    v6.sections.map((s) => s.kind),
    ['ip6tables-save'],
  );
  // With the node's nft listing, which shows the three tables: walked from there, and said so.
  const listing = readShared(`${FOREIGN_TABLES}.nft-list-ruleset.stdout+stderr.txt`);
  const both = await readText(`${save}\n${listing}`, 'node.txt');
  const walked = analyze(both).findings.filter((x) => x.code === 'INPUT_NOT_READ');
  t.is(walked.length, 3);
  for (const f of walked) {
    t.is(f.severity, 'info');
    t.regex(f.message, /The nft listing at node\.txt:\d+ shows it, and it is walked from there$/);
  }
});

sharedTest(
  "kube-proxy's iptables-mode chains seen only in an nft listing are walked, and their services said unread",
  async (t) => {
    // `nft list ruleset` of a node whose kube-proxy runs in iptables mode on iptables-nft, without its iptables-save.
    const listing = await readText(
      readShared('captures/nft/iptables-nft-kube-proxy.nft-list-ruleset.stdout+stderr.txt'),
      'nft.txt',
    );
    t.deepEqual(
      analyze(listing)
        .findings.filter((f) => f.code === 'INPUT_NOT_READ')
        .map((f) => [f.severity, /^nft table (ip \w+) holds kube-proxy's iptables-mode chains/.exec(f.message)?.[1]]),
      [
        ['warning', 'ip filter'],
        ['warning', 'ip nat'],
      ],
    );
    const error = t.throws(() => services(listing));
    t.regex(
      error.message,
      /^no iptables-save or ipvsadm dump and no kube-proxy nft table among the inputs: nothing programs services \(nft\.txt:1-\d+ holds kube-proxy's iptables-mode chains in iptables-nft's tables \(ip filter, ip nat\), whose services nfwalk reads from the node's iptables-save\)$/,
    );
    // Walked all the same: a packet to kube-dns's cluster IP is DNATed by the listing's nat table to its pod.
    const walked = trace(listing, { src: '203.0.113.5', dst: '10.96.0.10', proto: 'udp', dport: 53, in: 'eth0' });
    t.deepEqual(
      walked.paths.map((p) => p.final),
      [{ src: '203.0.113.5', dst: '10.244.1.5', dport: 5353 }],
    );
    // Its conntrack entries are undecided, for that reason rather than for want of any ruleset.
    const entry =
      'udp      17 25 src=10.244.1.9 dst=10.96.0.10 sport=40001 dport=53 src=10.244.1.77 dst=10.244.1.9 sport=5353 dport=40001 mark=0 use=1';
    const withTable = await readText(
      `${readShared('captures/nft/iptables-nft-kube-proxy.nft-list-ruleset.stdout+stderr.txt')}root@node-1:~# conntrack -L\n${entry}\n`,
      'nft.txt',
    );
    t.deepEqual(
      stale(withTable).nodes.flatMap((n) => n.undecided.map((u) => u.why)),
      [
        "kube-proxy's iptables-mode chains are only in the nft listing at nft.txt:1 (table ip nat), and their services are read from iptables-save dumps",
      ],
    );
  },
);

test('a comment whose options a word processor edited (`–comment`) still matches every packet, as xt_comment does', async (t) => {
  // The first rule of a two-endpoint ladder, its `--comment` turned into an en dash: the kernel's comment match reads
  // no packet, so the ladder's shares stay the probabilities', and no finding rests on the edit.
  const ladder = kubeNode.split('\n').find((l) => /-m statistic --mode random --probability 0\.5/.test(l))!;
  const edited = kubeNode.replace(ladder, ladder.replace('--comment', '–comment'));
  t.not(edited, kubeNode);
  const [before, after] = await Promise.all([readText(kubeNode, 'n.txt'), readText(edited, 'n.txt')]);
  const shares = (r: ReturnType<typeof services>) =>
    r.services.flatMap((v) =>
      v.nodes.flatMap((n) => n.entryPoints.map((e) => [v.name, e.kind, e.verdict, e.endpoints])),
    );
  t.deepEqual(shares(services(after)), shares(services(before)));
  const svcCodes = (r: ReturnType<typeof services>) =>
    r.findings.filter((f) => f.code.startsWith('SVC_')).map((f) => f.code);
  t.deepEqual(svcCodes(services(after)), svcCodes(services(before)));
});

test('an ipset listing cut short of its own count, or filtered, is said partial where the set starts', async (t) => {
  const set = (members: readonly string[], said: number) =>
    [
      'Name: KUBE-CLUSTER-IP',
      'Type: hash:ip,port',
      'Revision: 5',
      'Header: family inet hashsize 1024 maxelem 65536',
      'Size in memory: 696',
      'References: 2',
      `Number of entries: ${said}`,
      'Members:',
      ...members,
    ].join('\n');
  const members = ['10.96.0.1,tcp:443', '10.96.0.10,udp:53', '10.96.0.10,tcp:53'];
  const partial = async (text: string) =>
    analyze(await readText(text, 'sets.txt')).findings.filter((f) => f.code === 'INPUT_PARTIAL');
  const cut = await partial(`[root@node-3 ~]# ipset list KUBE-CLUSTER-IP\n${set(members, 6)}\n`);
  t.deepEqual(
    cut.map((f) => [f.evidence[0]!.line, /KUBE-CLUSTER-IP lists 3 of the 6 members ipset says it has/.test(f.message)]),
    [[2, true]],
  );
  const filtered = await partial(`[root@node-3 ~]# ipset list | grep -A20 KUBE-CLUSTER\n${set(members, 3)}\n`);
  t.true(filtered.some((f) => /KUBE-CLUSTER-IP was filtered/.test(f.message)));
  t.deepEqual(await partial(`[root@node-3 ~]# ipset list KUBE-CLUSTER-IP\n${set(members, 3)}\n`), []);
});

test('trace on a paste cut before the NAT rules: every path rests on what the paste does not show, and says so first', async (t) => {
  const lines = kubeNode.split('\n');
  const at = lines.findIndex((l) => l.includes('-A KUBE-SEP-'));
  t.true(at > 0);
  const paste = `root@node-1:~# iptables-save | head -${at}\n${lines.slice(0, at).join('\n')}\n`;
  const walked = trace(await readText(paste, 'cut.txt'), {
    src: '10.244.1.9',
    dst: '10.96.0.10',
    proto: 'tcp',
    dport: 80,
    in: 'eth0',
  });
  t.true(walked.paths.length > 0);
  for (const p of walked.paths)
    t.true(
      (p.assumptions ?? []).some((a) =>
        /the dump was filtered \(`iptables-save \| head -\d+`\).*: what it does not show may change this$/.test(a),
      ),
      JSON.stringify(p.assumptions),
    );
  const whole = trace(await readText(kubeNode, 'whole.txt'), {
    src: '10.244.1.9',
    dst: '10.96.0.10',
    proto: 'tcp',
    dport: 80,
    in: 'eth0',
  });
  t.false(whole.paths.some((p) => (p.assumptions ?? []).some((a) => a.endsWith('may change this'))));
  t.regex(
    formatTrace(
      traceResult(await readText(paste, 'cut.txt'), {
        src: '10.244.1.9',
        dst: '10.96.0.10',
        proto: 'tcp',
        dport: 80,
        in: 'eth0',
      }),
    ),
    /^path 1 of \d+(?: \(probability [\d.]+\))?: .*, if what it assumes \(below\) holds$/m,
  );
});

test('a service chain pasted alone (iptables -S KUBE-SVC-…): its endpoints are the ones its comments name, each answer marked as resting on that', async (t) => {
  const svc = 'KUBE-SVC-XPGD46QRK7WJZT7O';
  const lines = kubeNode
    .split('\n')
    .filter((l) => l.includes(`-A ${svc} `))
    .map((l) => l.replace(/^\[\d+:\d+\] /, ''));
  t.true(lines.length >= 3);
  const paste = `[root@node1 ~]# iptables -t nat -S ${svc}\n-N ${svc}\n${lines.join('\n')}\n`;
  const report = services(await readText(paste, 'svc.txt'));
  const whole = services(await readText(kubeNode, 'whole.txt'));
  const shares = (r: typeof report) =>
    r.services
      .filter((v) => v.name === 'default/web:http')
      .flatMap((v) => v.nodes.flatMap((n) => n.entryPoints.filter((e) => e.kind === 'clusterIP')))
      .map((e) => [e.verdict, e.endpoints.map((x) => [x.ip, x.port, +x.probability.toFixed(6)])]);
  t.deepEqual(shares(report), shares(whole));
  const [entry] = report.services.flatMap((v) => v.nodes.flatMap((n) => n.entryPoints));
  t.true(
    entry!.assumptions!.some((a) =>
      /assumed kube-proxy's DNAT to [\d.]+:\d+, the endpoint the comment of KUBE-SVC-XPGD46QRK7WJZT7O rule \d names$/.test(
        a,
      ),
    ),
  );
});
