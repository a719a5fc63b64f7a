/**
 * Extraction: syntax records → typed ruleset (Batfish's extraction stage). Pure and incremental: lines are
 * fed chunk by chunk and each rule is built when its line is read, so the words of a 100 MB dump never pile
 * up. Every problem becomes a diagnostic with line and column; a line that cannot be used is named, never
 * silently skipped.
 */
import type { Diagnostic } from '../../src/model/diagnostic';
import type { LineAccount } from '../../src/model/section';
import type { Match, Opt } from '../../src/model/match';
import { joinTables } from '../../src/model/headerless';
import type { Chain, Rule, Ruleset, RulesetGap, Table, TableName } from '../../src/model/ruleset';
import type { Target } from '../../src/model/target';
import type { Counters, Family } from '../../src/model/values';
import { lookup } from '../shared/lookup';
import { type StopAt, sortDiagnostics } from '../shared/reader';
import { BUILTIN_CHAINS, isTableName } from './builtins';
import { type HeaderlessGroup, endsEarly, headerlessBreak, headerlessKind, newHeaderlessGroup } from './headerless';
import { tableOfContent } from './implied-table';
import { Problem } from './codecs';
import { FastRuleReader } from './fast-rule';
import { type ExtensionSpec, optionArity, parseSection } from './extension';
import { IMPLICIT_PROTOCOL_MODULES, matchExtensions, targetExtensions } from './extensions/index';
import { canonicalProtocol } from './protocols';
import { type BaseOption, type Segment, type SegmentContext, segmentRule } from './segments';
import { parseRuleAddress, unknownAddressWarnings } from './unknown-address';
import type { SyntaxLine, WordSyntax } from './syntax';

export interface Extraction {
  readonly ruleset: Ruleset;
  readonly diagnostics: readonly Diagnostic[];
  readonly lines: LineAccount;
}

/** A rule while its table is read: its position is final only once every `-A`/`-I` of the table is placed. */
type RuleDraft = { -readonly [K in keyof Rule]: Rule[K] };

interface ChainDraft {
  name: string;
  policy: 'ACCEPT' | 'DROP' | null;
  counters?: Counters;
  line: number;
  column: number;
  rules: RuleDraft[];
  /** The dump was cut in or before this chain's rules (see markCut). */
  cut?: boolean;
}

interface TableDraft {
  /** Final once the table is closed when `headerless` (see HeaderlessGroup). */
  name: TableName;
  readonly line: number;
  readonly column: number;
  readonly chains: Map<string, ChainDraft>;
  /** `-j NAME` that is neither a chain nor a known target yet: a later `-N NAME` may still declare it. */
  readonly unresolved: { rule: RuleDraft; segment: Extract<Segment, { kind: 'target' }>; line: number }[];
  /** Identical extension sections read once per table (see `cached`). */
  readonly cache: Map<string, Match | Target>;
  /** Base option values and jumps, each read once per table (see applyBase). */
  readonly options: Map<string, Opt<unknown> | null>;
  readonly jumps: Map<string, Target>;
  /** Rules for chains the dump never declared: an error in a whole dump, expected in a fragment. */
  readonly undeclared: { line: number; column: number; chain: string }[];
  /** The dump was cut in this table (markCut). */
  cut?: boolean;
  readonly headerless?: HeaderlessGroup;
}

type Report = (severity: Diagnostic['severity'], line: number, column: number, message: string) => void;
type CommandProblem = { message: string; column: number } | undefined;

const COUNTERS = /^\[(\d+):(\d+)\]$/;
const NO_COUNTERS: Counters = { packets: 0n, bytes: 0n };

export class IptablesSaveExtractor {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly tables: Table[] = [];
  private readonly account = {
    rules: 0,
    chains: 0,
    tables: 0,
    commits: 0,
    comments: 0,
    blank: 0,
    prompts: 0,
    rejected: 0,
  };
  private table: TableDraft | undefined;
  private readonly gaps: RulesetGap[] = [];
  /** The last line read, where a dump without its COMMIT was cut. */
  private last = 0;
  private headerless = false;
  private lastRule: { chain: ChainDraft; rule: RuleDraft; line: number } | undefined;
  private readonly report: Report = (severity, line, column, message) =>
    this.diagnostics.push({ severity, line, column, message });
  private readonly fast: FastRuleReader<ChainDraft>;

  constructor(
    private readonly path: string,
    private readonly family: Family,
    /** The table the command names (`iptables -t nat -S`) for rules printed without a `*table` line. */
    private readonly commandTable?: TableName,
  ) {
    this.fast = new FastRuleReader(path, family);
  }

  /**
   * Takes an `-A` line the fast path reads without the grammar (fast-rule.ts); false when it declines, and
   * the line must be fed as syntax instead.
   */
  fastRule(text: string, line: number): boolean {
    const t = this.table;
    const rule = t && !t.headerless ? this.fast.read(text, line, t.chains) : undefined;
    if (!rule) return false;
    const chain = this.fast.chain!;
    chain.rules.push(rule);
    this.account.rules++;
    this.lastRule = { chain, rule, line };
    this.last = line;
    return true;
  }

  /**
   * Reads lines in input order; may be called once per chunk. A line that cannot be part of this dump is
   * offered to `stop` (reader.ts); when it claims the line, reading ends there and its number is returned.
   */
  feed(lines: readonly SyntaxLine[], stop: StopAt = () => false): number | undefined {
    for (const l of lines) {
      if (!this.line(l, stop)) return l.line;
      if (l.kind !== 'blank') this.last = l.line;
    }
    return undefined;
  }

  finish(): Extraction {
    this.dropCutRule();
    if (this.table) {
      // iptables -S prints no COMMIT; an iptables-save dump without one was cut short.
      if (!this.table.headerless) {
        this.report(
          'warning',
          this.last,
          1,
          `table ${this.table.name} (line ${this.table.line}) has no COMMIT: the dump is truncated at line ${this.last}, and what followed is unknown`,
        );
        this.gaps.push({ kind: 'truncated', table: this.table.name, line: this.last });
        markCut(this.table);
      }
      this.closeTable();
    }
    const diagnostics = sortDiagnostics(this.diagnostics);
    const ruleset: Ruleset = {
      family: this.family,
      tables: this.tables,
      ...(this.gaps.length ? { gaps: this.gaps } : {}),
      ...(this.headerless ? { headerless: true } : {}),
    };
    return { ruleset, diagnostics, lines: { ...this.account } };
  }

  /**
   * A dump's last line that is a rule with an error was cut in the middle (`-j MARK --set-xmark` and no
   * value): not a rule, as the kernel would reject it, and one diagnostic says so.
   */
  private dropCutRule(): void {
    const last = this.lastRule;
    if (
      !last ||
      last.line !== this.last ||
      !this.diagnostics.some((d) => d.line === last.line && d.severity === 'error')
    )
      return;
    last.chain.rules.splice(last.chain.rules.indexOf(last.rule), 1);
    this.account.rules--;
    this.account.rejected++;
    const kept = this.diagnostics.filter((d) => d.line !== last.line);
    this.diagnostics.length = 0;
    this.diagnostics.push(...kept);
    this.report(
      'error',
      last.line,
      1,
      'the last line is cut off in the middle of a rule: not a rule (the kernel would reject it)',
    );
  }

  /** A line this dump cannot use: the end of the dump if another starts there, else an error. */
  private foreign(line: number, stop: StopAt, column: number, message: string, prose = false): boolean {
    // After a COMMIT or `iptables -S` output, a line that is no command ends the dump: the prose below a paste, not a broken rule.
    const between = this.table ? this.table.headerless !== undefined : this.tables.length > 0;
    if (stop(line, false, prose && between)) return false;
    this.reject(line, column, message);
    return true;
  }

  private reject(line: number, column: number, message: string): void {
    this.report('error', line, column, message);
    this.account.rejected++;
  }

  private currentTable(line: number): TableDraft {
    if (!this.table) {
      this.headerless = true;
      this.table = newTable(this.commandTable ?? 'filter', line, 1, true);
    }
    return this.table;
  }

  /** Handles a headerless break before the line is read; false when the line ends this dump. */
  private breakHeaderless(what: 'policy' | 'declaration' | 'rule', chain: string, line: number, stop: StopAt): boolean {
    const g = this.table?.headerless;
    const brk = g && headerlessBreak(g, what, chain);
    if (brk === 'section' && stop(line, true)) return false;
    if (brk) this.closeTable();
    return true;
  }

  /** Takes one line into the model; false when the line starts another dump (and was left unread). */
  private line(l: SyntaxLine, stop: StopAt): boolean {
    switch (l.kind) {
      case 'blank':
        this.account.blank++;
        return true;
      case 'comment':
        if (!this.table && this.tables.length > 0) {
          // An ip6tables-save header after an iptables-save dump (or the reverse), pasted together.
          const otherFamily =
            /^# Generated by (ip6?tables|xtables)/.test(l.text) &&
            /^# Generated by ip6tables/.test(l.text) !== (this.family === 'ipv6');
          // Between tables a `#` line may be a collector's header or a bare-`#` prompt rather than a comment.
          if (stop(l.line, otherFamily)) return false;
        }
        this.account.comments++;
        return true;
      case 'invalid':
        return this.foreign(l.line, stop, l.column, l.message, true);
      case 'table': {
        if (!isTableName(l.name))
          return this.foreign(
            l.line,
            stop,
            l.column + 1,
            `unknown table '${l.name}' (expected raw, mangle, nat, filter or security)`,
          );
        // The same table twice: a second dump follows (two pastes of iptables-save one after the other).
        if (this.tables.some((t) => t.name === l.name) && stop(l.line, true)) return false;
        if (this.table)
          this.report(
            'error',
            l.line,
            l.column,
            `table ${this.table.name} (line ${this.table.line}) has no COMMIT before *${l.name}`,
          );
        this.closeTable();
        if (l.words[0]) this.report('warning', l.line, l.words[0].column, `unexpected text after *${l.name}`);
        this.table = newTable(l.name, l.line, l.column);
        this.account.tables++;
        return true;
      }
      case 'chain': {
        const open = l.words.find((w) => w.unterminated);
        if (open) return this.foreign(l.line, stop, open.column, 'quoted string is not closed on this line');
        if (
          !this.breakHeaderless(
            isBuiltinName(l.name) && l.words[0]?.text !== '-' ? 'policy' : 'declaration',
            l.name,
            l.line,
            stop,
          )
        )
          return false;
        const problem = declareChain(this.currentTable(l.line), l.name, l.words, l.line, l.column);
        if (problem) return this.foreign(l.line, stop, problem.column, problem.message);
        this.account.chains++;
        return true;
      }
      case 'words': {
        const first = l.words[0]!;
        const open = l.words.find((w) => w.unterminated);
        if (open) return this.foreign(l.line, stop, open.column, 'quoted string is not closed on this line');
        if (first.text === 'COMMIT' && !first.quoted) {
          if (!this.table) return this.foreign(l.line, stop, first.column, 'COMMIT without a *table line');
          this.account.commits++;
          this.closeTable();
          return true;
        }
        if (isPrompt(l.words)) {
          if (stop(l.line)) return false;
          this.account.prompts++;
          return true;
        }
        if (first.text.startsWith('-') && l.words[1]?.text.startsWith('-'))
          return this.foreign(l.line, stop, l.words[1].column, `'${l.words[1].text}' is not a chain name`);
        const brk = headerlessKind(l.words);
        if (brk && !this.breakHeaderless(brk.what, brk.chain, l.line, stop)) return false;
        const problem = this.command(l.words, l.line);
        return problem
          ? this.foreign(l.line, stop, problem.column, problem.message, !/^[-*:[]/.test(first.text))
          : true;
      }
    }
  }

  private command(all: readonly WordSyntax[], line: number): CommandProblem {
    let words = all;
    let counters: Counters | undefined;
    if (COUNTERS.test(words[0]!.text)) {
      counters = parseCounters(words[0]!.text);
      words = words.slice(1);
    }
    const [cmd, chainWord] = words;
    if (!cmd) return { message: 'counters without a rule', column: all[0]!.column };
    if (!chainWord && cmd.text.startsWith('-'))
      return { message: `${cmd.text} needs a chain name`, column: cmd.column };
    switch (cmd.text) {
      case '-A':
      case '--append':
        return this.addRule(chainWord!, words, 2, line, counters);
      case '-I':
      case '--insert': {
        const pos = words[2] && /^\d+$/.test(words[2].text) ? Number(words[2].text) : undefined;
        return this.addRule(chainWord!, words, pos === undefined ? 2 : 3, line, counters, pos ?? 1);
      }
      case '-N':
      case '--new-chain': {
        const problem = declareChain(
          this.currentTable(line),
          chainWord!.text,
          [dash(chainWord!), zeroCounters(chainWord!)],
          line,
          cmd.column,
        );
        if (!problem) this.account.chains++;
        return problem;
      }
      case '-P':
      case '--policy': {
        const table = this.currentTable(line);
        const policy = words[2]?.text;
        if (!isBuiltin(table, chainWord!.text))
          return { message: `-P applies to built-in chains only, not ${chainWord!.text}`, column: chainWord!.column };
        if (policy !== 'ACCEPT' && policy !== 'DROP')
          return {
            message: `policy must be ACCEPT or DROP, got '${policy ?? ''}'`,
            column: words[2]?.column ?? cmd.column,
          };
        const chain = table.chains.get(chainWord!.text);
        if (chain) chain.policy = policy;
        else
          table.chains.set(chainWord!.text, {
            name: chainWord!.text,
            policy,
            counters: NO_COUNTERS,
            line,
            column: cmd.column,
            rules: [],
          });
        table.headerless?.policies.add(chainWord!.text);
        table.headerless?.chains.add(chainWord!.text);
        this.account.chains++;
        return undefined;
      }
      case '-D':
      case '--delete':
      case '-R':
      case '--replace':
      case '-F':
      case '--flush':
      case '-X':
      case '--delete-chain':
      case '-Z':
      case '--zero':
      case '-E':
      case '--rename-chain':
        return {
          message: `${cmd.text} is a restore command nfwalk does not apply; the line is not part of the model`,
          column: cmd.column,
        };
      default:
        return { message: 'unrecognised line (expected *table, :chain, -A rule or COMMIT)', column: all[0]!.column };
    }
  }

  private addRule(
    chainWord: WordSyntax,
    words: readonly WordSyntax[],
    from: number,
    line: number,
    counters: Counters | undefined,
    insertAt?: number,
  ): CommandProblem {
    const t = this.currentTable(line);
    let chain = t.chains.get(chainWord.text);
    if (!chain) {
      // Built-in chains always exist (iptables-restore takes `-A INPUT` without `:INPUT`).
      const builtin = isBuiltin(t, chainWord.text);
      if (!builtin) t.undeclared.push({ line, column: chainWord.column, chain: chainWord.text });
      chain = { name: chainWord.text, policy: builtin ? 'ACCEPT' : null, line, column: 1, rules: [] };
      t.chains.set(chain.name, chain);
    }
    const g = t.headerless;
    if (g) {
      g.chains.add(chain.name);
      g.ruleChains.add(chain.name);
      g.lastRuleChain = chain.name;
    }
    const rule = this.buildRule(words.slice(from), t, line, counters);
    if (!rule) {
      // buildRule has named the problem; the line is rejected, not reported twice.
      this.account.rejected++;
      return undefined;
    }
    this.account.rules++;
    this.lastRule = { chain, rule, line };
    if (g && rule.target && rule.target.kind !== 'jump')
      g.targets.add(rule.target.kind === 'opaque' ? rule.target.name : rule.target.kind);
    if (insertAt === undefined) chain.rules.push(rule);
    else chain.rules.splice(Math.min(insertAt - 1, chain.rules.length), 0, rule);
    return undefined;
  }

  private buildRule(
    words: readonly WordSyntax[],
    t: TableDraft,
    line: number,
    counters: Counters | undefined,
  ): RuleDraft | undefined {
    const { family, report } = this;
    const segments = segmentRule(words, segmentContext);
    if (!Array.isArray(segments)) {
      report('error', line, segments.column, segments.message);
      return undefined;
    }
    const matches: Match[] = [];
    const rule: RuleDraft = { index: 0, matches, location: { path: this.path, line, column: 1 } };
    if (counters) rule.counters = counters;
    for (const s of segments) {
      if (s.kind === 'base') {
        const problem = applyBase(rule, s, family, t.options);
        if (problem) {
          report('error', line, problem.column, problem.message);
          return undefined;
        }
        if (s.option === 'c') rule.counters = { packets: BigInt(s.args[0]!.text), bytes: BigInt(s.args[1]!.text) };
      } else if (s.kind === 'match') {
        matches.push(
          cached(t.cache, 'm', s, report, (rep) =>
            readExtension(matchExtensions.get(s.name), s, family, line, rep, 'match'),
          ) as Match,
        );
      } else if (rule.target) {
        report('error', line, s.at.column, 'a rule has one target; this one has two');
        return undefined;
      } else if (s.goto || t.chains.has(s.name)) {
        rule.target = jump(s, t, line, report);
      } else if (targetExtensions.has(s.name) || s.words.length > 0) {
        rule.target = cached(t.cache, 't', s, report, (rep) =>
          readExtension(targetExtensions.get(s.name), s, family, line, rep, 'target'),
        ) as Target;
      } else {
        rule.target = jumpTarget(t, s.name, false);
        t.unresolved.push({ rule, segment: s, line });
      }
    }
    for (const w of unknownAddressWarnings(rule, segments)) report('warning', line, w.column, w.message);
    return rule;
  }

  private closeTable(): void {
    const t = this.table;
    this.table = undefined;
    if (!t) return;
    const fragment = t.headerless ? this.settleHeaderless(t, t.headerless) : false;
    if (!fragment) {
      for (const u of t.undeclared) this.report('error', u.line, u.column, `rule for undeclared chain ${u.chain}`);
      for (const u of t.unresolved) {
        if (!t.chains.has(u.segment.name))
          this.report(
            'error',
            u.line,
            u.segment.at.column,
            `jump to undeclared chain or unknown target ${u.segment.name}`,
          );
      }
    }
    const table = buildTable(t, this.path);
    const same = this.tables.findIndex((x) => x.name === table.name);
    // Two groups of a grep'd dump read as one table: one table, as the kernel has at most one of each.
    if (same >= 0 && t.headerless) this.tables[same] = joinTables(this.tables[same]!, table);
    else this.tables.push(table);
  }

  /**
   * Names a headerless group's table and says how it was found; true when the group is a fragment (not every
   * built-in chain's policy, as a whole `iptables -S` prints them), whose missing chains are expected.
   */
  private settleHeaderless(t: TableDraft, g: HeaderlessGroup): boolean {
    if (!this.commandTable) {
      const implied = tableOfContent(g);
      t.name = implied?.table ?? 'filter';
      this.report(
        'warning',
        t.line,
        1,
        implied
          ? `rules without a *table line: read as the ${t.name} table (${implied.why})`
          : 'rules without a *table line, and nothing in them names their table: read as the filter table',
      );
    }
    const fragment = !BUILTIN_CHAINS[t.name].every((c) => g.policies.has(c));
    if (fragment) this.gaps.push({ kind: 'fragment', line: t.line });
    else if (endsEarly([...t.chains.values()])) {
      this.gaps.push({ kind: 'maybe-cut', table: t.name, line: this.last });
      markCut(t);
    }
    return fragment;
  }
}

function newTable(name: TableName, line: number, column: number, headerless = false): TableDraft {
  const draft = {
    name,
    line,
    column,
    chains: new Map(),
    unresolved: [],
    cache: new Map(),
    options: new Map(),
    jumps: new Map(),
    undeclared: [],
  };
  return headerless ? { ...draft, headerless: newHeaderlessGroup() } : draft;
}

const ANY_BUILTIN = new Set(Object.values(BUILTIN_CHAINS).flat());
const isBuiltinName = (name: string) => ANY_BUILTIN.has(name);

/** A headerless table's name is settled only at its end, so any table's built-in chain is one. */
const isBuiltin = (t: TableDraft, name: string) =>
  t.headerless ? isBuiltinName(name) : BUILTIN_CHAINS[t.name].includes(name);

const dash = (at: WordSyntax): WordSyntax => ({
  text: '-',
  column: at.column,
  bang: false,
  quoted: false,
  unterminated: false,
});
const zeroCounters = (at: WordSyntax): WordSyntax => ({
  text: '[0:0]',
  column: at.column,
  bang: false,
  quoted: false,
  unterminated: false,
});

function parseCounters(text: string): Counters | undefined {
  const m = COUNTERS.exec(text);
  return m ? { packets: BigInt(m[1]!), bytes: BigInt(m[2]!) } : undefined;
}

function declareChain(
  t: TableDraft,
  name: string,
  words: readonly WordSyntax[],
  line: number,
  column: number,
): { message: string; column: number } | undefined {
  if (!name) return { message: 'chain declaration without a name', column };
  const [policyWord, countersWord, extra] = words;
  if (!policyWord) return { message: `chain ${name} has no policy (expected ACCEPT, DROP or -)`, column };
  const builtin = isBuiltin(t, name) && policyWord.text !== '-';
  const policy = policyWord.text;
  // On a built-in chain `-` keeps the current policy (iptables-restore), ACCEPT on a freshly created table.
  if (builtin ? policy !== 'ACCEPT' && policy !== 'DROP' && policy !== '-' : policy !== '-') {
    return {
      message: builtin
        ? `built-in chain ${name} needs policy ACCEPT or DROP, got '${policy}'`
        : `user chain ${name} takes '-' as policy, got '${policy}'`,
      column: policyWord.column,
    };
  }
  let counters: Counters | undefined;
  if (countersWord) {
    counters = parseCounters(countersWord.text);
    if (!counters)
      return { message: `expected [packets:bytes], got '${countersWord.text}'`, column: countersWord.column };
  }
  if (extra) return { message: `unexpected '${extra.text}' after chain declaration`, column: extra.column };
  if (t.chains.has(name)) return { message: `chain ${name} declared twice`, column };
  const g = t.headerless;
  if (g) {
    g.chains.add(name);
    if (builtin) g.policies.add(name);
    else g.declared = true;
  }
  t.chains.set(name, {
    name,
    policy: builtin ? (policy === 'DROP' ? 'DROP' : 'ACCEPT') : null,
    line,
    column,
    rules: [],
    ...(counters ? { counters } : {}),
  });
  return undefined;
}

function isPrompt(words: readonly WordSyntax[]): boolean {
  const first = words[0]!.text;
  if (/^[^-].*[#$%>]$/.test(first) || first === '$' || first === '%' || first === '>') return true;
  return /^(sudo|kubectl|iptables|ip6tables|iptables-save|ip6tables-save|iptables-nft-save|iptables-legacy-save|ip6tables-nft-save|ip6tables-legacy-save|xtables-save)$/.test(
    first,
  );
}

/**
 * iptables-save and `iptables -S` print a table's rules chain by chain, in the order the chains were declared:
 * where the dump was cut, the chain of its last rule and every chain after it may have had more rules.
 */
function markCut(t: TableDraft): void {
  const chains = [...t.chains.values()];
  for (const c of chains.slice(
    Math.max(
      0,
      chains.findLastIndex((c) => c.rules.length > 0),
    ),
  ))
    c.cut = true;
  t.cut = true;
}

/** The table as the kernel holds it: every built-in chain (first, in hook order, when the dump left one out). */
function buildTable(t: TableDraft, path: string): Table {
  const builtins = BUILTIN_CHAINS[t.name];
  const declared = [...t.chains.keys()];
  const missing = builtins.filter((b) => !t.chains.has(b));
  // A built-in chain the dump does not show exists all the same: with rules, if the dump was cut before them.
  for (const b of missing)
    t.chains.set(b, {
      name: b,
      policy: 'ACCEPT',
      counters: NO_COUNTERS,
      line: t.line,
      column: t.column,
      rules: [],
      ...(t.cut ? { cut: true } : {}),
    });
  const order = missing.length ? [...builtins, ...declared.filter((n) => !builtins.includes(n))] : declared;
  const chains: Chain[] = order.map((name) => {
    const c = t.chains.get(name)!;
    for (let i = 0; i < c.rules.length; i++) c.rules[i]!.index = i + 1;
    const chain: Chain = {
      name,
      builtin: builtins.includes(name),
      policy: c.policy,
      rules: c.rules,
      location: { path, line: c.line, column: c.column },
      ...(c.cut ? { cut: true as const } : {}),
    };
    return c.counters ? { ...chain, counters: c.counters } : chain;
  });
  return { name: t.name, chains, location: { path, line: t.line, column: t.column } };
}

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

type BaseField = 'source' | 'destination' | 'inInterface' | 'outInterface' | 'protocol' | 'fragment';
const BASE_FIELD: Readonly<Partial<Record<BaseOption, BaseField>>> = {
  s: 'source',
  d: 'destination',
  i: 'inInterface',
  o: 'outInterface',
  p: 'protocol',
  f: 'fragment',
};

/**
 * Sets the rule field of a base option. A value is read once per table and its object shared by every rule
 * that gives the option the same text (the model is immutable): a kube-proxy dump repeats `-p tcp` and
 * `! -s 10.244.0.0/16` thousands of times, and fewer objects that live as long as the model mean less GC.
 */
function applyBase(
  rule: RuleDraft,
  s: Extract<Segment, { kind: 'base' }>,
  family: Family,
  shared: Map<string, Opt<unknown> | null>,
): CommandProblem {
  const arg = s.args[0];
  if (s.option === 'c') {
    if (!/^\d+$/.test(arg!.text) || !/^\d+$/.test(s.args[1]!.text))
      return { message: '-c takes two counters', column: arg!.column };
    return undefined;
  }
  const field = BASE_FIELD[s.option];
  if (!field) return { message: `unexpected ${s.at.text}`, column: s.at.column };
  const key = `${s.option}${s.negated ? '!' : ' '}${arg?.text ?? ''}`;
  let opt = shared.get(key);
  if (opt === undefined) {
    const value = baseValue(s, family);
    if (value instanceof Problem) return { message: value.message, column: arg!.column };
    opt = value === null ? null : { negated: s.negated, value };
    shared.set(key, opt);
  }
  if (opt === null) return undefined;
  const r = rule as Record<BaseField, unknown>;
  if (r[field] !== undefined) return { message: `${s.at.text} given twice`, column: s.at.column };
  r[field] = opt;
  return undefined;
}

/** The value of a base option with one argument or none; null when the option matches every packet. */
function baseValue(s: Extract<Segment, { kind: 'base' }>, family: Family): unknown {
  const arg = s.args[0];
  switch (s.option) {
    case 's':
    case 'd': {
      const a = parseRuleAddress(arg!.text, family);
      if (a instanceof Problem || 'unknown' in a) return a;
      if (a.family !== family) return new Problem(`${a.family} address in an ${family} ruleset`);
      // `-s 0.0.0.0/0` matches everything; iptables-save leaves it out.
      return a.prefix === 0 && !a.mask && !s.negated ? null : a;
    }
    case 'p':
      return canonicalProtocol(arg!.text);
    case 'f':
      return true;
    default:
      return arg!.text;
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
    report(
      'warning',
      line,
      s.at.column,
      `${what} extension '${s.name}' is not modelled; kept verbatim and treated as undecidable`,
    );
    return opaque();
  }
  const result = parseSection(spec, s.words, family, s.at.column);
  if (!result.ok) {
    report(
      result.problem.unknownOption ? 'warning' : 'error',
      line,
      result.problem.column,
      `${result.problem.message}; ${what} kept verbatim`,
    );
    return opaque();
  }
  return result.record as unknown as Match | Target;
}

const verbatimWord = (w: WordSyntax) => ({ text: w.text, bang: w.bang, quoted: w.quoted });

/** `-g CHAIN`, or `-j CHAIN` of a declared chain (chains are looked up before targets, as iptables does). */
function jump(s: Extract<Segment, { kind: 'target' }>, t: TableDraft, line: number, report: Report): Target {
  if (s.words[0])
    report('error', line, s.words[0].column, `unexpected '${s.words[0].text}' after jump to chain ${s.name}`);
  if (!t.chains.has(s.name)) report('error', line, s.at.column, `goto to undeclared chain ${s.name}`);
  return jumpTarget(t, s.name, s.goto);
}

/** One target object per chain and kind of jump in a table, shared by the rules (as in applyBase). */
function jumpTarget(t: TableDraft, chain: string, goto: boolean): Target {
  const key = goto ? `g ${chain}` : chain;
  let target = t.jumps.get(key);
  if (!target) t.jumps.set(key, (target = { kind: 'jump', chain, goto }));
  return target;
}
