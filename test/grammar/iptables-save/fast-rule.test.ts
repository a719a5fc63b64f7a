/**
 * The fast path for `-A` lines (grammar/iptables-save/fast-rule.ts, fast-chunk.ts) against the grammar it
 * stands in for: every dump read with the fast path gives the same ruleset, diagnostics and line account as
 * the grammar alone, down to the order of object keys (which JSON output shows). Dumps: the kernel fixtures,
 * ../shared's captures and real-world dumps, the kube-proxy and trace-lab generators, random rules, and each
 * of those with its rule lines mutated (words deleted, doubled, swapped, quoted, negated; odd spacing, tabs,
 * escapes, CRLF), so that the lines the fast path must decline are there too.
 */
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { FastRuleReader } from '../../../grammar/iptables-save/fast-rule';
import { parseIptablesSave } from '../../../grammar/iptables-save/index';
import { detectFamily } from '../../../grammar/iptables-save/detect';
import { copiedWith } from '../../../src/model/read-located';
import type { Chain } from '../../../src/model/ruleset';
import type { Match } from '../../../src/model/match';
import { kubeProxyDump, kubeProxyRuleset, kubeProxyServices } from '../../generators/kube-proxy-dump';
import { rulesetArbitrary } from '../../generators/random-rules';
import { labRuleset, labServices, seeded, type Random } from '../../generators/trace-ruleset';
import { grammarOnly } from '../../helpers/grammar-only';
import { LAB_V6 } from '../../helpers/lab-family';
import { plainModel } from '../../helpers/plain-model';
import { iptablesSaveDumps, readDump, sharedAvailable } from '../../helpers/shared';

const withBigints = (_key: string, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value);

function sameAsGrammar(t: ExecutionContext, text: string, path: string): void {
  const family = detectFamily(text);
  const reference = grammarOnly(text, path, family);
  const { ruleset, diagnostics, lines } = parseIptablesSave(text, path, family);
  const { backend: _backend, ...read } = ruleset;
  t.deepEqual(
    plainModel({ ruleset: read, diagnostics, lines }),
    plainModel({ ruleset: reference.ruleset, diagnostics: reference.diagnostics, lines: reference.lines }),
    path,
  );
  t.is(JSON.stringify(read, withBigints), JSON.stringify(reference.ruleset, withBigints), `${path}: key order`);
}

type Mutation = (words: string[], r: Random) => string;
const at = (words: readonly string[], r: Random) => Math.floor(r() * words.length);
const MUTATIONS: readonly Mutation[] = [
  (w, r) => w.filter((_, i) => i !== at(w, r)).join(' '),
  (w) => `  ${w.join(' ')}`,
  (w) => `\t${w.join(' ')}`,
  (w) => `${w.join(' ')} #x`,
  (w, r) => w.map((x, i) => (i === at(w, r) ? `${x}\u00e9` : x)).join(' '),
  (w, r) => {
    const i = at(w, r);
    return [...w.slice(0, i + 1), ...w.slice(i)].join(' ');
  },
  (w, r) => {
    const i = Math.max(2, at(w, r));
    const s = [...w];
    [s[i], s[i - 1]] = [s[i - 1]!, s[i]!];
    return s.join(' ');
  },
  (w, r) => w.map((x, i) => (i === at(w, r) ? `"${x}"` : x)).join(' '),
  (w, r) => {
    const i = at(w, r);
    return [...w.slice(0, i), '!', ...w.slice(i)].join(' ');
  },
  (w, r) => w.map((x, i) => (i === at(w, r) ? `${x}  ` : x)).join(' '),
  (w, r) => w.map((x, i) => (i === at(w, r) ? `${x}\t` : x)).join(' '),
  (w) => `${w.join(' ')} `,
  (w) => `${w.join(' ')}\r`,
  (w) => `${w.join(' ')} -j ACCEPT`,
  (w) => `${w.join(' ')} -m comment --comment "a \\"quoted\\" word"`,
  (w, r) => w.map((x, i) => (i === at(w, r) ? `${x}"a b"` : x)).join(' '),
  (w, r) => w.map((x, i) => (i === at(w, r) ? `"${x}"y` : x)).join(' '),
  (w, r) => w.map((x, i) => (i === at(w, r) ? `"${x}` : x)).join(' '),
  (w) => w.join(' ').replace(/^-A/, '-I'),
  (w) => w.join(' ').replace(/^-A/, '[3:4] -A'),
  (w) => w.join(' ').replace(/ -d /, ' -d ! '),
  (w) => w.join(' ').replace(/\/(\d+)/, (_, p: string) => `/${Number(p) + 17}`),
  (w) => w.join(' ').replace(/(\d+)\.(\d+)/, 'x.$2'),
  (w) => w.join(' ').replace(/ -m (tcp|udp) /, ' '),
  (w) => w.join(' ').replace(/ -j (\S+)/, ' -g $1'),
  (w) => w.join(' ').replace(/--dport (\d+)/, '--dport $1:99999'),
  (w) => w.join(' ').replace(/ -s /, ' --source '),
  (w) => `${w.join(' ')} -s 0.0.0.0/0`,
  (w) => w.join(' ').replace(/ -[sd] \S+/, (m) => `${m}${m}`),
  // Spellings kube-sections.ts must decline or read as the engine does.
  (w) => w.join(' ').replace(/--to-destination (\d+)/, '--to-destination 0$1'),
  (w) => w.join(' ').replace(/--to-destination (\d+)/, '--to-destination 2$1'),
  (w) => w.join(' ').replace(/--to-destination [\d.]+/, '$&.1'),
  (w) => w.join(' ').replace(/--to-destination ([\d.]+):(\d+)/, '--to-destination $1:0$2'),
  (w) => w.join(' ').replace(/--to-destination ([\d.]+):(\d+)/, '--to-destination $1:9$2'),
  (w) => w.join(' ').replace(/--to-destination ([\d.]+):\d+/, '--to-destination $1:'),
  (w) => w.join(' ').replace(/--to-destination ([\d.]+):\d+/, '--to-destination $1'),
  (w) => w.join(' ').replace(/--to-destination/, '--to'),
  (w) => w.join(' ').replace(/--dport (\d+)/, '--dport 0$1'),
  (w) => w.join(' ').replace(/--dport (\d+)/, '--dport 7$1'),
  (w) => w.join(' ').replace(/--dport (\d+)/, '--dport $1x'),
  (w) => w.join(' ').replace(/--dport/, '--destination-port'),
  (w) => w.join(' ').replace(/--comment/, '--comment ""'),
  (w) => w.join(' ').replace(/--comment \S+/, '--comment !'),
  // Address spellings, odd and plain, that the fast path must read as the grammar does.
  (w) => w.join(' ').replace(/ -([sd]) ([\d.]+)\/(\d+)/, ' -$1 $2/0$3'),
  (w) => w.join(' ').replace(/ -([sd]) ([\d.]+)\/\d+/, ' -$1 $2'),
  (w) => w.join(' ').replace(/ -([sd]) ([\d.]+)(\/\d+)?/, ' -$1 $2/32'),
  (w) => w.join(' ').replace(/ -([sd]) ([\d.]+)(\/\d+)?/, ' -$1 $2/3'),
  (w) => w.join(' ').replace(/ -([sd]) ([\d.]+)(\/\d+)?/, ' -$1 $2/0'),
  (w) => w.join(' ').replace(/ -([sd]) ([\d.]+)(\/\d+)?/, ' -$1 $2/'),
  (w) => w.join(' ').replace(/ -([sd]) ([\d.]+)(\/\d+)?/, ' -$1 $2/08'),
  (w) => w.join(' ').replace(/ -([sd]) ([\d.]+)(\/\d+)?/, ' -$1 $2/33'),
  (w) => w.join(' ').replace(/ -([sd]) ([\d.]+)(\/\d+)?/, ' -$1 $2/255.255.0.0'),
  (w) => w.join(' ').replace(/ -([sd]) (\d+)\./, ' -$1 0$2.'),
  (w) => w.join(' ').replace(/ -([sd]) (\d+)\./, ' -$1 3$2.'),
  (w) => w.join(' ').replace(/ -([sd]) ([\d.]+)/, ' -$1 $2.7'),
  (w) => w.join(' ').replace(/ -([sd]) (\d+)\.(\d+)\./, ' -$1 $2..'),
];

/**
 * The dump with about half its `-A` lines and a fifth of its other lines (chain declarations, `*table`, `COMMIT`,
 * comments, which fast-chunk.ts also reads by hand) mutated.
 */
function mutated(text: string, seed: number): string {
  const r = seeded(seed);
  return text
    .split('\n')
    .map((line) => {
      if (r() < (line.startsWith('-A ') ? 0.5 : 0.8)) return line;
      return MUTATIONS[Math.floor(r() * MUTATIONS.length)]!(line.split(' '), r);
    })
    .join('\n');
}

/** Chain declarations extract.ts fastChain must decline or read as declareChain does. */
const DECLARATION_MUTATIONS: readonly Mutation[] = [
  (w, r) => w.map((x, i) => (i === at(w, r) ? `"${x}"` : x)).join(' '),
  (w, r) => w.map((x, i) => (i === at(w, r) ? `${x}\u00e9` : x)).join(' '),
  (w, r) => w.map((x, i) => (i === at(w, r) ? `${x}\t` : x)).join(' '),
  (w, r) => w.map((x, i) => (i === at(w, r) ? `${x}  ` : x)).join(' '),
  (w, r) => w.filter((_, i) => i !== at(w, r)).join(' '),
  (w) => `${w.join(' ')} x`,
  (w) => w.join(' ').replace(/^:(\S+) -/, ':$1 ACCEPT'),
  (w) => w.join(' ').replace(/^:(\S+) (ACCEPT|DROP)/, ':$1 -'),
  (w) => w.join(' ').replace(/^:(\S+) (ACCEPT|DROP)/, ':$1 RETURN'),
  (w) => w.join(' ').replace(/^:(\S+) (ACCEPT|DROP)/, ':$1 DROP'),
  (w) => w.join(' ').replace(/\[0:0\]$/, '[12:3456]'),
  (w) => w.join(' ').replace(/\[0:0\]$/, '[0:0'),
  (w) => w.join(' ').replace(/\[0:0\]$/, '[-1:0]'),
  (w) => w.join(' ').replace(/^:/, ': '),
  (w) => w.join(' ').replace(/^:\S+/, ':INPUT'),
  (w) => w.join(' ').replace(/^:\S+/, ':PREROUTING'),
  (w) => `${w.join(' ')}\n${w.join(' ')}`,
];

/** The dump with about a third of its chain declarations mutated by one of DECLARATION_MUTATIONS each. */
function declarationsMutated(text: string, seed: number): string {
  const r = seeded(seed);
  return text
    .split('\n')
    .map((line) =>
      line.startsWith(':') && r() < 0.3
        ? DECLARATION_MUTATIONS[Math.floor(r() * DECLARATION_MUTATIONS.length)]!(line.split(' '), r)
        : line,
    )
    .join('\n');
}

const dumps = iptablesSaveDumps();

test('captured and fixture dumps read the same with the fast path as with the grammar alone', (t) => {
  for (const name of dumps) sameAsGrammar(t, readDump(name), name);
  if (sharedAvailable) t.true(dumps.some((d) => d.startsWith('realworld/')));
});

test('captured and fixture dumps, with rule lines mutated, read the same with the fast path', (t) => {
  for (const name of dumps) {
    const text = readDump(name);
    for (const seed of [1, 2, 3]) sameAsGrammar(t, mutated(text, seed), `${name} (mutated, seed ${seed})`);
  }
});

const kubeServices = kubeProxyServices({ services: 300 }).map((s, i) =>
  i % 5 === 1 ? { ...s, affinitySeconds: 10800 } : i % 5 === 2 ? { ...s, internalTrafficPolicy: 'Local' as const } : s,
);
const generated: [string, string][] = [
  ['kube-proxy', kubeProxyDump({ services: 400 }).text],
  ['kube-proxy (affinity, local traffic)', kubeProxyRuleset(kubeServices, { clusterCidr: '10.244.0.0/16' })],
  ['trace lab', labRuleset(seeded(7), labServices(seeded(8), 40), 400).text],
  ['trace lab (IPv6)', labRuleset(seeded(9), labServices(seeded(10), 40, LAB_V6), 400, LAB_V6).text],
];

test('generated dumps, as written and mutated, read the same with the fast path', (t) => {
  for (const [name, text] of generated) {
    sameAsGrammar(t, text, name);
    for (const seed of [1, 2, 3, 4, 5]) sameAsGrammar(t, mutated(text, seed), `${name} (mutated, seed ${seed})`);
  }
});

test('generated and captured dumps with chain declarations mutated read the same with the fast path', (t) => {
  const texts = [...generated, ...dumps.map((name): [string, string] => [name, readDump(name)])];
  for (const [name, text] of texts)
    for (const seed of [1, 2, 3])
      sameAsGrammar(t, declarationsMutated(text, seed), `${name} (declarations, seed ${seed})`);
});

test('random rules read the same with the fast path', (t) => {
  fc.assert(
    fc.property(rulesetArbitrary, fc.integer({ min: 1, max: 1000 }), (text, seed) => {
      sameAsGrammar(t, text, 'random');
      sameAsGrammar(t, mutated(text, seed), 'random (mutated)');
    }),
    { numRuns: 150 },
  );
});

test("the fast path takes every rule line of kube-proxy's dump and of the trace lab", (t) => {
  for (const [name, text] of generated) {
    const reference = grammarOnly(text, name, detectFamily(text));
    let table = reference.ruleset.tables[0]!;
    const chains = new Map<string, Chain>();
    const reader = new FastRuleReader<Chain>(name, reference.ruleset.family);
    let taken = 0;
    let rules = 0;
    text.split('\n').forEach((line, i) => {
      if (line.startsWith('*')) {
        table = reference.ruleset.tables.find((x) => x.name === line.slice(1))!;
        chains.clear();
        for (const c of table.chains) chains.set(c.name, c);
      }
      if (!line.startsWith('-A ')) return;
      rules++;
      const rule = reader.read(line, 0, line.length, i + 1, chains);
      if (!rule) return;
      taken++;
      const chain = table.chains.find((c) => c.name === line.split(' ')[1])!;
      const expected = chain.rules.find((r) => r.location.line === i + 1)!;
      t.deepEqual(plainModel(copiedWith(rule, { index: expected.index })), plainModel(expected));
    });
    t.is(taken, rules, name);
  }
});

test('the rules of a table whose matches are the same records share one array of them', (t) => {
  for (const [name, text] of generated) {
    for (const table of parseIptablesSave(text, name).ruleset.tables) {
      const ids = new Map<object, number>();
      const id = (m: object) => ids.get(m) ?? (ids.set(m, ids.size), ids.size - 1);
      const lists = new Map<string, readonly Match[]>();
      let shared = 0;
      for (const rule of table.chains.flatMap((c) => c.rules)) {
        const key = rule.matches.map(id).join(',');
        const seen = lists.get(key);
        if (seen === undefined) lists.set(key, rule.matches);
        else {
          t.is(rule.matches, seen, `${name} ${table.name} line ${rule.location.line}`);
          shared++;
        }
      }
      if (table.name === 'nat') t.true(shared > 0, name);
    }
  }
});

test('a name the fast path found to be no chain is looked up again once the table has more chains', (t) => {
  const chain = (name: string): Chain => ({
    name,
    builtin: false,
    policy: null,
    rules: [],
    location: { path: 'x', line: 1, column: 1 },
  });
  const chains = new Map<string, Chain>([['INPUT', chain('INPUT')]]);
  const reader = new FastRuleReader<Chain>('x', 'ipv4');
  const line = '-A INPUT -j LATER';
  t.is(reader.read(line, 0, line.length, 1, chains), undefined);
  t.is(reader.read(line, 0, line.length, 2, chains), undefined);
  chains.set('LATER', chain('LATER'));
  t.deepEqual(reader.read(line, 0, line.length, 3, chains)?.target, { kind: 'jump', chain: 'LATER', goto: false });
});

test("a chain's rules read by the fast path and by the grammar keep the dump's order, in runs broken and resumed", (t) => {
  const text = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':A - [0:0]',
    ':B - [0:0]',
    '-A A -s 10.0.0.1/32 -j ACCEPT',
    '[3:40] -A A -s 10.0.0.2/32 -j ACCEPT',
    '-A A -s 10.0.0.3/32 -j ACCEPT',
    '-I A 1 -s 10.0.0.4/32 -j ACCEPT',
    '-A A -s 10.0.0.5/32 -j ACCEPT',
    '-A B -j A',
    '-A A -s 10.0.0.6/32 -j ACCEPT',
    '-I A 2 -s 10.0.0.7/32 -j ACCEPT',
    '-A INPUT -j B',
    '-A INPUT -j A',
    'COMMIT',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':C - [0:0]',
    '-A C -j RETURN',
    '-A C -d 10.0.0.8/32 -j RETURN',
    '-A C -m comment --comment',
  ].join('\n');
  sameAsGrammar(t, text, 'runs.rules');
  // Without its last line the dump ends in the fast path's rules, where the cut is marked.
  sameAsGrammar(t, text.slice(0, text.lastIndexOf('\n')), 'runs-cut.rules');
  const a = parseIptablesSave(text, 'runs.rules').ruleset.tables[0]!.chains.find((c) => c.name === 'A')!;
  t.deepEqual(
    a.rules.map((r) => [r.index, r.location.line]),
    [10, 14, 7, 8, 9, 11, 13].map((line, i) => [i + 1, line]),
  );
  const c = parseIptablesSave(text, 'runs.rules').ruleset.tables[1]!.chains.find((c) => c.name === 'C')!;
  t.deepEqual(
    c.rules.map((r) => r.location.line),
    [21, 22],
  );
});

/**
 * A nat table of `n` chains whose rules come in `order` (indexes of chains), jumping and going to chains in turn
 * (more than the fast path remembers), with host sources and DNAT destinations written more than once.
 */
function chainsDump(n: number, order: readonly number[], v6: boolean): string {
  const host = (k: number) => (v6 ? `fd00::${k}/128` : `10.0.0.${k}/32`);
  const to = (k: number) => (v6 ? `[fd00::1:${k}]:80` : `10.1.0.${k}:80`);
  const lines = [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
  ];
  for (let k = 0; k < n; k++) lines.push(`:C${k} - [0:0]`);
  for (const k of order) {
    if (k % 7 === 3) continue;
    lines.push(`-A C${k} -s ${host(k % 3)} -j C${(k * 5 + 1) % n}`);
    lines.push(`-A C${k} ! -s ${host(k % 2)} -g C${(k * 3 + 2) % n}`);
    lines.push(`-A C${k} -p tcp -m tcp --dport 80 -j DNAT --to-destination ${to(k % 2)}`);
  }
  lines.push('-A PREROUTING -j C0', 'COMMIT', '');
  return lines.join('\n');
}

test('chains met out of their declared order, jumps to many chains in turn, and repeated endpoints read the same', (t) => {
  const n = 90;
  const inOrder = Array.from({ length: n }, (_, k) => k);
  const shuffled = inOrder.map((k) => (k * 37) % n);
  const backAndForth = inOrder.flatMap((k) => [k, (k + 45) % n]);
  for (const v6 of [false, true])
    for (const [name, order] of [
      ['declared order', inOrder],
      ['shuffled', shuffled],
      ['back and forth', backAndForth],
    ] as const)
      sameAsGrammar(t, chainsDump(n, order, v6), `${name}${v6 ? ' (IPv6)' : ''}`);
});
