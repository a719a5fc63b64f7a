/**
 * Pastes copied from a terminal that wrapped long records at its width: real dumps wrapped at several widths give
 * the analyses of the dumps themselves, with every line placed where the paste has it, and a note that they were
 * joined; a line that merely happens to be as wide as the terminal is read as it is.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { analyze } from '../../src/library/analyze';
import { readText } from '../../src/library/read-text';
import { services } from '../../src/library/services';
import { trace } from '../../src/library/trace';
import { readFixture, readShared, repoRoot, sharedTest } from '../helpers/shared';

const sample = (name: string) => readFileSync(join(repoRoot, 'samples', name), 'utf8');

/** Terminal columns of a line up to each character: a tab goes on to the next multiple of 8. */
function cutAt(line: string, width: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let column = 0;
  for (const c of line) {
    const next = c === '\t' ? (Math.floor(column / 8) + 1) * 8 : column + 1;
    if (next > width) {
      pieces.push(piece);
      piece = '';
      column = c === '\t' ? 8 : 1;
    } else column = next;
    piece += c;
  }
  return [...pieces, piece];
}

/**
 * A line as an editor or a web page wraps it at `width` columns (`fold -s`): each piece ends in the space before the
 * first word that would not fit; a word longer than the width is cut at it.
 */
function cutBetweenWords(line: string, width: number): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > width) {
    const space = rest.lastIndexOf(' ', width - 1);
    const at = space > 0 ? space + 1 : width;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  return [...pieces, rest];
}

type Style = 'terminal' | 'words';

/**
 * `prompt` and `dump` as a terminal `width` columns wide shows them (or an editor wrapping between words), and where
 * each pasted line and column was in the unwrapped paste.
 */
function wrap(prompt: string, dump: string, width: number, trim = false, style: Style = 'terminal') {
  const whole = `${prompt}\n${dump.trimEnd()}\n`;
  const lines: string[] = [];
  const origin: { line: number; offset: number }[] = [];
  whole
    .slice(0, -1)
    .split('\n')
    .forEach((line, i) => {
      let offset = 0;
      const pieces = style === 'terminal' ? cutAt(line, width) : cutBetweenWords(line, width);
      for (const [k, piece] of pieces.entries()) {
        lines.push(trim && k < pieces.length - 1 ? piece.trimEnd() : piece);
        origin.push({ line: i + 1, offset });
        offset += piece.length;
      }
    });
  return { whole, wrapped: `${lines.join('\n')}\n`, origin, cut: lines.length - (whole.split('\n').length - 1) };
}

/** A report of the wrapped paste with its lines and columns put back where the unwrapped paste has them. */
function unwrapped(value: unknown, origin: readonly { line: number; offset: number }[]): unknown {
  if (Array.isArray(value)) return value.map((v) => unwrapped(v, origin));
  if (typeof value === 'string')
    return value.replace(
      /(wrapped\.txt):(\d+)(?:-(\d+))?(?::(\d+))?/g,
      (_, path: string, line: string, end?: string, column?: string) => {
        const o = origin[Number(line) - 1]!;
        const last = end ? `-${origin[Number(end) - 1]!.line}` : '';
        return `${path}:${o.line}${last}${column ? `:${Number(column) + o.offset}` : ''}`;
      },
    );
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const out = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrapped(v, origin)]));
  if (typeof o.line === 'number' && (o.path === 'wrapped.txt' || o.path === undefined) && origin[o.line - 1]) {
    const from = origin[o.line - 1]!;
    out.line = from.line;
    if (typeof o.column === 'number') out.column = o.column + from.offset;
  }
  return out;
}

const named = (s: string) => s.replace(/whole\.txt/g, 'wrapped.txt');
const probe = { src: '10.0.0.9', dst: '10.96.0.10', proto: 'tcp', dport: 53, in: 'eth0' } as const;

/** Every analysis of the wrapped paste is that of the whole one, and analyze says it was unwrapped. */
async function sameAsWhole(
  t: import('ava').ExecutionContext,
  prompt: string,
  dump: string,
  width: number,
  trim = false,
  style: Style = 'terminal',
) {
  const { whole, wrapped, origin, cut } = wrap(prompt, dump, width, trim, style);
  t.true(cut > 0, `nothing wider than ${width} columns`);
  const [a, b] = [await readText(whole, 'whole.txt'), await readText(wrapped, 'wrapped.txt')];
  const report = analyze(b);
  const note = report.findings.filter((f) => f.code === 'INPUT_UNWRAPPED');
  t.is(note.length, 1, `${width}: ${report.findings.map((f) => f.code).join(' ')}`);
  const by =
    style === 'terminal'
      ? `a terminal ${width} columns wide wrapped`
      : 'an editor or a web page wrapped between words at \\d+ columns';
  t.regex(note[0]!.message, new RegExp(`has \\d+ records? ${by} over ${cut} more`));
  const expected = JSON.parse(named(JSON.stringify(analyze(a)))) as { findings: unknown[] };
  const nodes = report.nodes.map((n) => ({ ...n, findings: { ...n.findings, info: n.findings.info - 1 } }));
  const findings = report.findings.filter((f) => f.code !== 'INPUT_UNWRAPPED');
  const got = unwrapped({ nodes, findings }, origin);
  t.deepEqual(got, expected, `analyze at ${width}`);
  const same = (what: string, run: (inputs: typeof a) => unknown) =>
    t.deepEqual(
      unwrapped(
        outcome(() => run(b)),
        origin,
      ),
      JSON.parse(named(JSON.stringify(outcome(() => run(a))))),
      `${what} at ${width}`,
    );
  same('records', (inputs) =>
    inputs.sections.map((s) => ({ kind: s.kind, records: s.records, diagnostics: s.diagnostics })),
  );
  same('services', services);
  same('trace', (inputs) => trace(inputs, probe));
}

/** What a command answers, or the error it refuses with (services without rules, trace without a ruleset). */
function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (e) {
    return { error: (e as Error).message };
  }
}

for (const width of [80, 100, 132]) {
  test(`kube-proxy's iptables-save -c wrapped at ${width} columns is read whole`, async (t) => {
    await sameAsWhole(t, 'root@node-1:~# iptables-save -c', sample('kube-node.iptables-save'), width);
  });
}

test('a wrapped paste whose copy trimmed the space each cut line ended in is read whole', async (t) => {
  const { wrapped } = wrap('#', sample('kube-node.iptables-save'), 80, true);
  t.true(
    wrapped.split('\n').some((l) => l.length === 79),
    'a line cut at a space',
  );
  await sameAsWhole(t, 'root@node-1:~# iptables-save -c', sample('kube-node.iptables-save'), 80, true);
});

sharedTest('a real AKS dump wrapped at 120 columns, trailing spaces trimmed, is read whole', async (t) => {
  await sameAsWhole(
    t,
    'root@aks-node:~# iptables-save',
    readShared('realworld/azure-acn_aks-node_kube-proxy-iptables_npm_iptables-save-v1.8.4.txt'),
    120,
    true,
  );
});

for (const [width, trim] of [
  [80, true],
  [100, true],
  [100, false],
  [72, true],
] as const)
  test(`kube-proxy's iptables-save -c wrapped between words at ${width} columns${trim ? ', the space at each break lost,' : ''} is read whole`, async (t) => {
    const { wrapped } = wrap('#', sample('kube-node.iptables-save'), width, trim, 'words');
    t.true(
      wrapped.split('\n').filter((l) => l.length < width - 1 && !l.startsWith('[')).length > 2,
      'lines a terminal would not have cut',
    );
    await sameAsWhole(t, 'root@node-1:~# iptables-save -c', sample('kube-node.iptables-save'), width, trim, 'words');
  });

/** A line as a terminal shows it, each tab turned into the spaces to the next multiple of 8: what a copy gives. */
const expanded = (text: string) =>
  text.replace(/^.*$/gm, (line) => {
    let out = '';
    for (const c of line) out += c === '\t' ? ' '.repeat(8 - (out.length % 8)) : c;
    return out;
  });

// iptables-nft's listing trimmed at 80 columns is left out: two cuts in its runs of spaces lose them all (open).
for (const file of [
  'kube-proxy-v1.34-TestOverallNFTablesRules.nft-list-ruleset.txt',
  'iptables-nft-kube-proxy.nft-list-ruleset.txt',
])
  for (const width of [80, 120])
    for (const trim of file.startsWith('iptables-nft') && width === 80 ? [false] : [false, true])
      sharedTest(
        `${file} copied with its tabs as spaces and wrapped at ${width} columns${trim ? ', trailing blanks trimmed,' : ''} is read whole`,
        async (t) => {
          const listing = expanded(readShared(`captures/nft/${file}`));
          t.false(listing.includes('\t'));
          await sameAsWhole(t, 'root@node-1:~# nft list ruleset', listing, width, trim);
        },
      );

test("the kernel's ip6tables-save -c wrapped between words at 80 columns is read whole: a continuation may fill the width", async (t) => {
  await sameAsWhole(t, 'root@node-1:~# ip6tables-save -c', readFixture('ip6tables-save-c.txt'), 80, true, 'words');
});

const wordWrapped: readonly [string, string, number][] = [
  ['realworld/azure-acn_aks-node_kube-proxy-iptables_npm_iptables-save-v1.8.4.txt', 'iptables-save', 100],
  ['realworld/netnetwork_shorewall_iptables-save-v1.4.21.txt', 'iptables-save', 80],
  ['captures/conntrack-L-o-extended-timestamp-id-acct.txt', 'conntrack -L -o extended,timestamp,id', 120],
];

for (const [file, command, width] of wordWrapped)
  sharedTest(`${file} wrapped between words at ${width} columns gives the analyses of the whole dump`, async (t) => {
    await sameAsWhole(t, `[root@node-1 ~]# ${command}`, readShared(file), width, true, 'words');
  });

const realDumps: readonly [string, string, readonly number[]][] = [
  ['realworld/azure-acn_aks-node_kube-proxy-iptables_npm_iptables-save-v1.8.4.txt', 'iptables-save', [80, 120, 200]],
  ['realworld/netnetwork_ugent_iptables-save-v1.3.5.txt', 'iptables-save', [80]],
  ['realworld/netnetwork_shorewall_iptables-save-v1.4.21.txt', 'iptables-save', [80, 100]],
  ['realworld/netnetwork_home_user_iptables-save-v1.4.14.txt', 'iptables-save', [80]],
  ['realworld/netnetwork_synology_ip6tables-save-v1.6.0.txt', 'ip6tables-save', [80]],
  ['realworld/venera66_router_proc-net-nf_conntrack.txt', 'cat /proc/net/nf_conntrack', [80, 132]],
  ['captures/conntrack-L-o-extended-timestamp-id-acct.txt', 'conntrack -L -o extended,timestamp,id', [80, 160]],
  ['captures/conntrack-E-o-timestamp-extended.txt', 'conntrack -E -o timestamp,extended', [100]],
  ['captures/nft/kube-proxy-v1.34-TestOverallNFTablesRules.nft-list-ruleset.txt', 'nft list ruleset', [80, 120]],
  ['realworld/nft/calico-felix-fv_cali-nftables-dump.nft-list-ruleset.txt', 'nft list ruleset', [80]],
  ['captures/iptables-L-n-v-nat.txt', 'iptables -t nat -L -n -v --line-numbers', [80, 120, 160]],
];

for (const [file, command, widths] of realDumps)
  for (const width of widths)
    sharedTest(`${file} wrapped at ${width} columns gives the analyses of the whole dump`, async (t) => {
      await sameAsWhole(t, `[root@node-1 ~]# ${command}`, readShared(file), width);
    });

for (const [fixture, command] of [
  ['iptables-L-n.txt', 'iptables -L -n'],
  ['iptables-t-nat-L-n-v.txt', 'iptables -t nat -L -n -v'],
] as const)
  for (const width of [80, 100, 132]) {
    test(`the kernel's ${command} wrapped at ${width} columns gives the analyses of the whole listing`, async (t) => {
      await sameAsWhole(t, `root@node-1:~# ${command}`, readFixture(fixture), width);
    });
    // A copy trims every line's trailing spaces: a cut inside a padded column loses the padding before it.
    test(`the kernel's ${command} wrapped at ${width} columns and copied with its trailing spaces trimmed is read whole`, async (t) => {
      await sameAsWhole(t, `root@node-1:~# ${command}`, readFixture(fixture).replace(/ +$/gm, ''), width, true);
    });
  }

sharedTest('a wrapped paste longer than the chunks it is read in is joined across them', async (t) => {
  const { whole, wrapped, origin, cut } = wrap(
    '[root@fw ~]# iptables-save',
    readShared('realworld/netnetwork_tum_chair_iptables-save-v1.4.14-large.txt'),
    80,
  );
  t.true(wrapped.length > 4 * 64 * 1024);
  const [a, b] = [await readText(whole, 'whole.txt'), await readText(wrapped, 'wrapped.txt')];
  const shape = (inputs: typeof a) =>
    inputs.sections.map((s) => ({ kind: s.kind, records: s.records, diagnostics: s.diagnostics }));
  t.deepEqual(unwrapped(shape(b), origin), JSON.parse(named(JSON.stringify(shape(a)))));
  const joined = b.skipped.filter((s) => s.wrap?.style === 'terminal' && s.wrap.width === 80);
  t.is(
    joined.reduce((n, s) => n + s.endLine - s.startLine + 1, 0),
    cut,
  );
});

test('a line as wide as the terminal is joined only to a line that goes on with it', async (t) => {
  const dump = sample('kube-node.iptables-save').trimEnd().split('\n');
  const rules = dump.filter((l) => l.startsWith('[0:0] -A KUBE-'));
  // `iptables -S`-like rules without a COMMIT; the last is exactly as wide as the terminal, a prompt follows it.
  const last = '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y';
  t.is(last.length, 80);
  const conntrack = readFixture('conntrack-L.txt').trimEnd();
  const text = [
    'root@node-1:~# iptables-save',
    ...wrap('#', rules.join('\n'), 80).wrapped.trimEnd().split('\n').slice(1),
    last,
    ...wrap('root@node-1:~# conntrack -L', conntrack, 80).wrapped.trimEnd().split('\n'),
    '',
  ].join('\n');
  const found = await readText(text, 'paste.txt');
  t.true(found.skipped.some((s) => s.wrap?.style === 'terminal' && s.wrap.width === 80));
  t.deepEqual(
    found.sections.map((s) => [s.kind, s.source.command]),
    [
      ['iptables-save', 'iptables-save'],
      ['conntrack', 'conntrack -L'],
    ],
  );
  const lineOfLast = text.split('\n').indexOf(last) + 1;
  t.false(found.skipped.some((s) => s.startLine === lineOfLast + 1 && s.wrap !== undefined));
  t.is(found.sections[1]!.records, (await readText(`${conntrack}\n`, 'c.txt')).sections[0]!.records);
});

test('one line that happens to be as wide as an uncommon terminal is no evidence of a wrap', async (t) => {
  const dump = sample('kube-node.iptables-save').split('\n');
  const at = dump.findIndex((l) => l.startsWith('[0:0] -A KUBE-SERVICES') && l.length > 93);
  // An edit: the rule broken in two by hand at column 93, nowhere else.
  const text = [...dump.slice(0, at), dump[at]!.slice(0, 93), dump[at]!.slice(93), ...dump.slice(at + 1)].join('\n');
  const found = await readText(text, 'edited.txt');
  t.false(found.skipped.some((s) => s.wrap !== undefined));
  t.true(found.sections[0]!.diagnostics.some((d) => d.severity === 'error' && d.line === at + 2));
});

test('one rule wrapped at 80 columns inside a dump is joined; prose after a dump last rule 80 wide is not', async (t) => {
  const rule = '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y';
  const long = `${rule.replace('-j ', '-m comment --comment "default/kubernetes:https" -j ')}`;
  const rules = ['-P INPUT ACCEPT', '-N KUBE-SERVICES', '-N KUBE-SVC-NPX46M4PTMTKRN6Y'];
  const inside = [
    'root@node-1:~# iptables -t nat -S',
    ...rules,
    long.slice(0, 80),
    long.slice(80),
    '-A OUTPUT -j KUBE-SERVICES',
  ];
  const joined = await readText(`${inside.join('\n')}\n`, 'one.txt');
  t.true(joined.skipped.some((s) => s.wrap?.style === 'terminal' && s.wrap.width === 80 && s.startLine === 6));
  t.deepEqual(joined.sections[0]!.diagnostics, []);
  const prose = [
    'root@node-1:~# iptables -t nat -S',
    ...rules,
    rule,
    'the service stopped answering after the upgrade',
  ];
  const found = await readText(`${prose.join('\n')}\n`, 'prose.txt');
  t.false(found.skipped.some((s) => s.wrap !== undefined));
  t.is(found.sections[0]!.records, 1);
});
test('a wrapped record that ends a paste without its last newline is read whole: the section ends on its last continuation', async (t) => {
  const rules = sample('kube-node.iptables-save')
    .split('\n')
    .filter((l) => l.startsWith('[0:0] -A KUBE-'))
    .map((l) => l.slice('[0:0] '.length));
  t.true(rules.at(-1)!.length > 160, 'the last rule is wrapped twice');
  const paste = wrap('root@node-1:~# iptables -t nat -S', rules.join('\n'), 80).wrapped.trimEnd();
  const lines = paste.split('\n').length;
  for (const text of [paste, `${paste}\n`]) {
    const found = await readText(text, 'last.txt');
    t.true(found.skipped.some((s) => s.wrap?.style === 'terminal' && s.wrap.width === 80 && s.endLine === lines));
    t.deepEqual(
      found.sections.map((s) => [s.source.startLine, s.source.endLine]),
      [[2, lines]],
    );
  }
});

test('a paste of the same rules twice, with labels, prose, markup or grep separators after them, is not wrapped', async (t) => {
  const rules = sample('kube-node.iptables-save')
    .split('\n')
    .filter((l) => l.startsWith('[') && l.includes('-A KUBE-SERVICES'))
    .map((l) => l.replace(/^\[\d+:\d+\] /, ''));
  // The widest rule last, so that each copy ends on a line as wide as the widest record.
  const widest = rules.reduce((a, b) => (b.length > a.length ? b : a));
  const copy = [...rules.filter((r) => r !== widest), widest];
  const pastes = {
    labels: ['before the restart:', ...copy, 'after systemctl restart kube-proxy (10 min later):', ...copy, 'why?'],
    prose: [...copy, 'this is node-a, the next one is node-b', ...copy, 'shop/web is gone from KUBE-SERVICES, why?'],
    jira: ['h3. Before', '{noformat}', ...copy, '{noformat}', 'h3. After', '{noformat}', ...copy, '{noformat}'],
    grep: ['$ sudo iptables -t nat -S | grep -A1 KUBE-SERVICES', ...copy, '--', ...copy, '--'],
  };
  for (const [name, lines] of Object.entries(pastes)) {
    const found = await readText(`${lines.join('\n')}\n`, `${name}.txt`);
    t.false(
      found.skipped.some((s) => s.wrap !== undefined),
      `${name}: ${found.skipped.map((s) => s.reason).join('; ')}`,
    );
    t.deepEqual(
      found.sections.flatMap((s) => s.diagnostics.filter((d) => d.severity === 'error')),
      [],
      name,
    );
    t.is(
      found.sections.reduce((n, s) => n + s.records, 0),
      2 * copy.length,
      name,
    );
  }
});
