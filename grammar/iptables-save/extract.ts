/**
 * Extraction: syntax records → typed ruleset (Batfish's extraction stage). Pure; every problem becomes a
 * diagnostic with line and column, and a line that cannot be used is named, never silently skipped.
 */
import type { Diagnostic } from '../../src/model/diagnostic';
import type { Match } from '../../src/model/match';
import type { Chain, Rule, Ruleset, Table, TableName } from '../../src/model/ruleset';
import type { Target } from '../../src/model/target';
import type { Counters, Family } from '../../src/model/values';
import { BUILTIN_CHAINS, isTableName } from './builtins';
import { Problem, parseAddressMask } from './codecs';
import { type ExtensionSpec, optionArity, parseSection } from './extension';
import { IMPLICIT_PROTOCOL_MODULES, matchExtensions, targetExtensions } from './extensions/index';
import { canonicalProtocol } from './protocols';
import { type Segment, type SegmentContext, segmentRule } from './segments';
import type { SyntaxLine, WordSyntax } from './syntax';
import { lookup } from '../shared/lookup';

/** How each input line was used; together they account for every line. */
export interface LineAccount {
  readonly rules: number;
  readonly chains: number;
  readonly tables: number;
  readonly commits: number;
  readonly comments: number;
  readonly blank: number;
  readonly prompts: number;
  readonly rejected: number;
}

export interface Extraction {
  readonly ruleset: Ruleset;
  readonly diagnostics: readonly Diagnostic[];
  readonly lines: LineAccount;
}

interface PendingRule {
  readonly line: number;
  readonly chain: string;
  readonly counters?: Counters;
  readonly words: readonly WordSyntax[];
  /** 1-based insert position for `-I`; append otherwise. */
  readonly insertAt?: number;
}

interface ChainDraft {
  name: string;
  policy: 'ACCEPT' | 'DROP' | null;
  counters?: Counters;
  line: number;
  column: number;
}

interface TableDraft {
  readonly name: TableName;
  readonly line: number;
  readonly column: number;
  readonly chains: Map<string, ChainDraft>;
  readonly rules: PendingRule[];
}

const COUNTERS = /^\[(\d+):(\d+)\]$/;

export function extractIptablesSave(lines: readonly SyntaxLine[], path: string, family: Family): Extraction {
  const diagnostics: Diagnostic[] = [];
  const tables: Table[] = [];
  const account = { rules: 0, chains: 0, tables: 0, commits: 0, comments: 0, blank: 0, prompts: 0, rejected: 0 };
  let table: TableDraft | undefined;
  let assumedFilter = false;

  const report = (severity: Diagnostic['severity'], line: number, column: number, message: string) => diagnostics.push({ severity, line, column, message });
  const reject = (line: number, column: number, message: string) => {
    report('error', line, column, message);
    account.rejected++;
  };
  const finish = () => {
    if (table) tables.push(buildTable(table, path, family, report, account));
    table = undefined;
  };
  const currentTable = (line: number): TableDraft => {
    if (!table) {
      if (!assumedFilter) report('warning', line, 1, 'rules before any *table line: assuming the filter table (as iptables -S prints)');
      assumedFilter = true;
      table = newTable('filter', line, 1);
    }
    return table;
  };

  for (const l of lines) {
    switch (l.kind) {
      case 'blank':
        account.blank++;
        break;
      case 'comment':
        account.comments++;
        break;
      case 'invalid':
        reject(l.line, l.column, l.message);
        break;
      case 'table': {
        if (table) report('error', l.line, l.column, `table ${table.name} (line ${table.line}) has no COMMIT before *${l.name}`);
        finish();
        if (!isTableName(l.name)) {
          reject(l.line, l.column + 1, `unknown table '${l.name}' (expected raw, mangle, nat, filter or security)`);
          break;
        }
        if (l.words[0]) report('warning', l.line, l.words[0].column, `unexpected text after *${l.name}`);
        table = newTable(l.name, l.line, l.column);
        account.tables++;
        break;
      }
      case 'chain': {
        const open = l.words.find((w) => w.unterminated);
        if (open) {
          reject(l.line, open.column, 'quoted string is not closed on this line');
          break;
        }
        const t = currentTable(l.line);
        const problem = declareChain(t, l.name, l.words, l.line, l.column);
        if (problem) reject(l.line, problem.column, problem.message);
        else account.chains++;
        break;
      }
      case 'words': {
        const first = l.words[0]!;
        const open = l.words.find((w) => w.unterminated);
        if (open) {
          reject(l.line, open.column, 'quoted string is not closed on this line');
          break;
        }
        if (first.text === 'COMMIT' && !first.quoted) {
          if (!table) reject(l.line, first.column, 'COMMIT without a *table line');
          else account.commits++;
          finish();
          break;
        }
        if (isPrompt(l.words)) {
          account.prompts++;
          break;
        }
        const problem = command(currentTable, l.words, l.line, account);
        if (problem) reject(l.line, problem.column, problem.message);
        break;
      }
    }
  }
  if (table) {
    report('error', table.line, table.column, `table ${table.name} has no COMMIT (truncated input?)`);
    finish();
  }
  return { ruleset: { family, tables }, diagnostics: diagnostics.sort((a, b) => a.line - b.line || a.column - b.column), lines: account };
}

function newTable(name: TableName, line: number, column: number): TableDraft {
  return { name, line, column, chains: new Map(), rules: [] };
}

function parseCounters(text: string): Counters | undefined {
  const m = COUNTERS.exec(text);
  return m ? { packets: BigInt(m[1]!), bytes: BigInt(m[2]!) } : undefined;
}

function declareChain(t: TableDraft, name: string, words: readonly WordSyntax[], line: number, column: number): { message: string; column: number } | undefined {
  if (!name) return { message: 'chain declaration without a name', column };
  const [policyWord, countersWord, extra] = words;
  if (!policyWord) return { message: `chain ${name} has no policy (expected ACCEPT, DROP or -)`, column };
  const builtin = BUILTIN_CHAINS[t.name].includes(name);
  const policy = policyWord.text;
  // On a built-in chain `-` keeps the current policy (iptables-restore), ACCEPT on a freshly created table.
  if (builtin ? policy !== 'ACCEPT' && policy !== 'DROP' && policy !== '-' : policy !== '-') {
    return { message: builtin ? `built-in chain ${name} needs policy ACCEPT or DROP, got '${policy}'` : `user chain ${name} takes '-' as policy, got '${policy}'`, column: policyWord.column };
  }
  let counters: Counters | undefined;
  if (countersWord) {
    counters = parseCounters(countersWord.text);
    if (!counters) return { message: `expected [packets:bytes], got '${countersWord.text}'`, column: countersWord.column };
  }
  if (extra) return { message: `unexpected '${extra.text}' after chain declaration`, column: extra.column };
  if (t.chains.has(name)) return { message: `chain ${name} declared twice`, column };
  t.chains.set(name, { name, policy: builtin ? (policy === 'DROP' ? 'DROP' : 'ACCEPT') : null, line, column, ...(counters ? { counters } : {}) });
  return undefined;
}

/** A shell prompt or command pasted above or between dumps (`root@node:~# iptables-save`). */
function isPrompt(words: readonly WordSyntax[]): boolean {
  const first = words[0]!.text;
  if (/^[^-].*[#$%>]$/.test(first) || first === '$' || first === '%' || first === '>') return true;
  return /^(sudo|kubectl|iptables|ip6tables|iptables-save|ip6tables-save|iptables-nft-save|iptables-legacy-save|ip6tables-nft-save|ip6tables-legacy-save|xtables-save)$/.test(first);
}

function command(
  currentTable: (line: number) => TableDraft,
  all: readonly WordSyntax[],
  line: number,
  account: { rules: number; chains: number },
): { message: string; column: number } | undefined {
  let words = all;
  let counters: Counters | undefined;
  if (COUNTERS.test(words[0]!.text)) {
    counters = parseCounters(words[0]!.text);
    words = words.slice(1);
  }
  const [cmd, chainWord] = words;
  if (!cmd) return { message: 'counters without a rule', column: all[0]!.column };
  if (!chainWord && cmd.text.startsWith('-')) return { message: `${cmd.text} needs a chain name`, column: cmd.column };
  const t = () => currentTable(line);
  switch (cmd.text) {
    case '-A':
    case '--append':
      t().rules.push({ line, chain: chainWord!.text, words: words.slice(2), ...(counters ? { counters } : {}) });
      account.rules++;
      return undefined;
    case '-I':
    case '--insert': {
      const pos = words[2] && /^\d+$/.test(words[2].text) ? Number(words[2].text) : undefined;
      t().rules.push({ line, chain: chainWord!.text, words: words.slice(pos === undefined ? 2 : 3), insertAt: pos ?? 1, ...(counters ? { counters } : {}) });
      account.rules++;
      return undefined;
    }
    case '-N':
    case '--new-chain': {
      const problem = declareChain(t(), chainWord!.text, [{ text: '-', column: chainWord!.column, bang: false, quoted: false, unterminated: false }, { text: '[0:0]', column: chainWord!.column, bang: false, quoted: false, unterminated: false }], line, cmd.column);
      if (!problem) account.chains++;
      return problem;
    }
    case '-P':
    case '--policy': {
      const table = t();
      const chain = table.chains.get(chainWord!.text);
      const policy = words[2]?.text;
      if (!BUILTIN_CHAINS[table.name].includes(chainWord!.text)) return { message: `-P applies to built-in chains only, not ${chainWord!.text}`, column: chainWord!.column };
      if (policy !== 'ACCEPT' && policy !== 'DROP') return { message: `policy must be ACCEPT or DROP, got '${policy ?? ''}'`, column: words[2]?.column ?? cmd.column };
      if (chain) chain.policy = policy;
      else table.chains.set(chainWord!.text, { name: chainWord!.text, policy, counters: { packets: 0n, bytes: 0n }, line, column: cmd.column });
      account.chains++;
      return undefined;
    }
    case '-D': case '--delete': case '-R': case '--replace': case '-F': case '--flush': case '-X': case '--delete-chain':
    case '-Z': case '--zero': case '-E': case '--rename-chain':
      return { message: `${cmd.text} is a restore command nfwalk does not apply; the line is not part of the model`, column: cmd.column };
    default:
      return { message: `unrecognised line (expected *table, :chain, -A rule or COMMIT)`, column: all[0]!.column };
  }
}

type Report = (severity: Diagnostic['severity'], line: number, column: number, message: string) => void;

/** A rule while its table is built: its position is known only once every `-A`/`-I` is placed. */
type RuleDraft = { -readonly [K in keyof Rule]: Rule[K] };

function buildTable(t: TableDraft, path: string, family: Family, report: Report, account: { rules: number; rejected: number }): Table {
  const builtins = BUILTIN_CHAINS[t.name];
  for (const r of t.rules) {
    if (!t.chains.has(r.chain)) {
      report('error', r.line, 1, `rule for undeclared chain ${r.chain}`);
      t.chains.set(r.chain, { name: r.chain, policy: builtins.includes(r.chain) ? 'ACCEPT' : null, line: r.line, column: 1 });
    }
  }
  const declared = [...t.chains.keys()];
  // The kernel always has every built-in chain of a table; a dump that omits one gets it back, first, as iptables-save prints.
  const missing = builtins.filter((b) => !t.chains.has(b));
  for (const b of missing) t.chains.set(b, { name: b, policy: 'ACCEPT', counters: { packets: 0n, bytes: 0n }, line: t.line, column: t.column });
  const order = missing.length ? [...builtins, ...declared.filter((n) => !builtins.includes(n))] : declared;

  const rulesByChain = new Map<string, RuleDraft[]>(order.map((n) => [n, []]));
  const cache = new Map<string, Match | Target>();
  for (const r of t.rules) {
    const rule = buildRule(r, t, path, family, report, cache);
    if (!rule) {
      account.rules--;
      account.rejected++;
      continue;
    }
    const list = rulesByChain.get(r.chain)!;
    if (r.insertAt !== undefined) list.splice(Math.min(r.insertAt - 1, list.length), 0, rule);
    else list.push(rule);
  }
  const chains: Chain[] = order.map((name) => {
    const c = t.chains.get(name)!;
    const rules = rulesByChain.get(name)!;
    for (let i = 0; i < rules.length; i++) rules[i]!.index = i + 1;
    const chain: Chain = { name, builtin: builtins.includes(name), policy: c.policy, rules, location: { path, line: c.line, column: c.column } };
    return c.counters ? { ...chain, counters: c.counters } : chain;
  });
  return { name: t.name, chains, location: { path, line: t.line, column: t.column } };
}

function buildRule(r: PendingRule, t: TableDraft, path: string, family: Family, report: Report, cache: Map<string, Match | Target>): RuleDraft | undefined {
  const segments = segmentRule(r.words, segmentContext);
  if (!Array.isArray(segments)) {
    report('error', r.line, segments.column, segments.message);
    return undefined;
  }
  const matches: Match[] = [];
  const rule: RuleDraft = { index: 0, matches, location: { path, line: r.line, column: 1 } };
  if (r.counters) rule.counters = r.counters;
  for (const s of segments) {
    if (s.kind === 'base') {
      const problem = applyBase(rule, s, family);
      if (problem) {
        report('error', r.line, problem.column, problem.message);
        return undefined;
      }
      if (s.option === 'c') rule.counters = { packets: BigInt(s.args[0]!.text), bytes: BigInt(s.args[1]!.text) };
    } else if (s.kind === 'match') {
      matches.push(cached(cache, 'm', s, report, (rep) => readExtension(matchExtensions.get(s.name), s, family, r.line, rep, 'match')) as Match);
    } else {
      if (rule.target) {
        report('error', r.line, s.at.column, 'a rule has one target; this one has two');
        return undefined;
      }
      rule.target = s.goto || t.chains.has(s.name) ? readTarget(s, t, family, r.line, report) : (cached(cache, 't', s, report, (rep) => readTarget(s, t, family, r.line, rep)) as Target);
    }
  }
  return rule;
}

/**
 * Identical extension sections (kube-proxy repeats `-m comment --comment "ns/svc:port"`, `-j KUBE-MARK-MASQ`,
 * `--probability …` thousands of times) are read once; records are immutable, so they are shared. Only clean
 * reads are kept, so every line with a problem still gets its own diagnostic.
 */
function cached(
  cache: Map<string, Match | Target>,
  kind: string,
  s: { readonly name: string; readonly words: readonly WordSyntax[] },
  report: Report,
  read: (report: Report) => Match | Target,
): Match | Target {
  let key = `${kind}\u0001${s.name}`;
  for (const w of s.words) key += (w.bang ? '\u0002' : w.quoted ? '\u0003' : '\u0000') + w.text;
  const hit = cache.get(key);
  if (hit) return hit;
  let clean = true;
  const value = read((...args) => {
    clean = false;
    report(...args);
  });
  if (clean) cache.set(key, value);
  return value;
}

const segmentContext: SegmentContext = {
  implicitModule: (p) => lookup(IMPLICIT_PROTOCOL_MODULES, p),
  optionArity: (kind, name, option) => {
    const spec = (kind === 'match' ? matchExtensions : targetExtensions).get(name);
    return spec && optionArity(spec, option);
  },
};

function applyBase(rule: Record<string, unknown>, s: Extract<Segment, { kind: 'base' }>, family: Family): { message: string; column: number } | undefined {
  const arg = s.args[0];
  const set = (field: string, value: unknown) => {
    if (rule[field] !== undefined) return { message: `${s.at.text} given twice`, column: s.at.column };
    rule[field] = { negated: s.negated, value };
    return undefined;
  };
  switch (s.option) {
    case 's':
    case 'd': {
      const a = parseAddressMask(arg!.text);
      if (a instanceof Problem) return { message: a.message, column: arg!.column };
      if (a.family !== family) return { message: `${a.family} address in an ${family} ruleset`, column: arg!.column };
      // `-s 0.0.0.0/0` matches everything; iptables-save leaves it out.
      if (a.prefix === 0 && !a.mask && !s.negated) return undefined;
      return set(s.option === 's' ? 'source' : 'destination', a);
    }
    case 'i':
      return set('inInterface', arg!.text);
    case 'o':
      return set('outInterface', arg!.text);
    case 'p': {
      const p = canonicalProtocol(arg!.text);
      return p === null ? undefined : set('protocol', p);
    }
    case 'f':
      return set('fragment', true);
    case 'c':
      if (!/^\d+$/.test(arg!.text) || !/^\d+$/.test(s.args[1]!.text)) return { message: '-c takes two counters', column: arg!.column };
      return undefined;
    default:
      return { message: `unexpected ${s.at.text}`, column: s.at.column };
  }
}

function readExtension(
  spec: ExtensionSpec | undefined,
  s: { readonly name: string; readonly words: readonly WordSyntax[]; readonly at: WordSyntax },
  family: Family,
  line: number,
  report: Report,
  what: 'match' | 'target',
): Match | Target {
  const opaque = (): Match | Target =>
    what === 'match'
      ? { module: 'opaque', name: s.name, words: s.words.map(verbatimWord) }
      : { kind: 'opaque', name: s.name, words: s.words.map(verbatimWord) };
  if (!spec) {
    report('warning', line, s.at.column, `${what} extension '${s.name}' is not modelled; kept verbatim and treated as undecidable`);
    return opaque();
  }
  const result = parseSection(spec, s.words, family, s.at.column);
  if (!result.ok) {
    report(result.problem.unknownOption ? 'warning' : 'error', line, result.problem.column, `${result.problem.message}; ${what} kept verbatim`);
    return opaque();
  }
  return result.record as unknown as Match | Target;
}

const verbatimWord = (w: WordSyntax) => ({ text: w.text, bang: w.bang, quoted: w.quoted });

function readTarget(s: Extract<Segment, { kind: 'target' }>, t: TableDraft, family: Family, line: number, report: Report): Target {
  if (s.goto || t.chains.has(s.name)) {
    if (s.words[0]) report('error', line, s.words[0].column, `unexpected '${s.words[0].text}' after jump to chain ${s.name}`);
    if (!t.chains.has(s.name)) report('error', line, s.at.column, `goto to undeclared chain ${s.name}`);
    return { kind: 'jump', chain: s.name, goto: s.goto };
  }
  const spec = targetExtensions.get(s.name);
  if (!spec && s.words.length === 0) {
    report('error', line, s.at.column, `jump to undeclared chain or unknown target ${s.name}`);
    return { kind: 'jump', chain: s.name, goto: false };
  }
  return readExtension(spec, s, family, line, report, 'target') as Target;
}
