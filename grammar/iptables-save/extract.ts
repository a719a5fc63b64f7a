/**
 * Extraction: syntax records → typed ruleset (Batfish's extraction stage), as a state machine over tables
 * (`*table` … `COMMIT`, or headerless groups). Pure and incremental: lines are fed chunk by chunk and each rule
 * is built when its line is read (build-rule.ts), so the words of a 100 MB dump never pile up. Every problem
 * becomes a diagnostic with line and column; a line that cannot be used is named, never silently skipped.
 */
import type { Diagnostic } from '../../src/model/diagnostic';
import type { LineAccount } from '../../src/model/section';
import { joinTables } from '../../src/model/headerless';
import type { Ruleset, RulesetGap, Table, TableName } from '../../src/model/ruleset';
import type { Counters, Family } from '../../src/model/values';
import { type LineProblem, broken, isProblem } from '../shared/problem';
import { type StopAt, sortDiagnostics } from '../shared/reader';
import { BUILTIN_CHAINS, isTableName } from './builtins';
import { type Report, buildRule } from './build-rule';
import { parseCounters, readCommand } from './command';
import { isOtherFamilyHeader, isPrompt, readsLikeProse } from './dump-boundaries';
import { type HeaderlessGroup, endsEarly, headerlessBreak, headerlessKind } from './headerless';
import { tableOfContent } from './implied-table';
import { newLineTally } from './line-account';
import {
  type ChainDraft,
  NO_COUNTERS,
  type RuleDraft,
  type TableDraft,
  addChain,
  buildTable,
  declareChain,
  declaresBuiltin,
  isBuiltin,
  isBuiltinName,
  fitRules,
  markCut,
  newChain,
  newTable,
  takesPolicy,
} from './table-draft';
import { FastRuleReader } from './fast-rule';
import type { SyntaxLine, WordSyntax } from './syntax';

export interface Extraction {
  readonly ruleset: Ruleset;
  readonly diagnostics: readonly Diagnostic[];
  readonly lines: LineAccount;
}

export class IptablesSaveExtractor {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly tables: Table[] = [];
  private readonly account = newLineTally();
  private table: TableDraft | undefined;
  private readonly gaps: RulesetGap[] = [];
  /** The last line read, where a dump without its COMMIT was cut. */
  private last = 0;
  private headerless = false;
  /** The last rule read, its chain and its line: fields rather than an object made for every rule. */
  private lastRule: RuleDraft | undefined;
  private lastRuleChain: ChainDraft | undefined;
  private lastRuleLine = 0;
  /** The chain whose run of rules the dump is in, to be fitted once it ends (table-draft.ts fitRules). */
  private runChain: ChainDraft | undefined;
  /**
   * The fast path's rules of the run not yet in its chain's rules (the first `runCount`), in a buffer reused for
   * every run: a chain whose rules are all read so gets one array of their number, not one grown by push and then
   * fitted (7.7 MB allocated for a kube-proxy dump of 10,000 services).
   */
  private readonly runRules: RuleDraft[] = [];
  private runCount = 0;
  /** Whether the grammar pushed rules into the run's chain, whose array must then be fitted at the run's end. */
  private runPushed = false;
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
  fastRule(text: string, from: number, to: number, line: number): boolean {
    const t = this.table;
    const rule = t && !t.headerless ? this.fast.read(text, from, to, line, t.chains) : undefined;
    if (!rule) return false;
    const chain = this.fast.chain!;
    this.enterRun(chain);
    this.runRules[this.runCount++] = rule;
    this.account.rules++;
    this.lastRule = rule;
    this.lastRuleChain = chain;
    this.lastRuleLine = line;
    this.last = line;
    return true;
  }

  /**
   * Takes a `:NAME POLICY [p:b]` line of plain words that declares a chain without any problem; false when
   * the line must be fed as syntax instead (fast-chunk.ts has checked its characters as plainLine does).
   */
  fastChain(name: string, policy: string, counters: string, line: number): boolean {
    const t = this.table;
    if (!t || t.headerless || !name || t.chains.has(name)) return false;
    const builtin = declaresBuiltin(t, name, policy);
    if (!takesPolicy(builtin, policy)) return false;
    const parsed = parseCounters(counters);
    if (!parsed) return false;
    addChain(t, name, builtin, policy, parsed, line, 1);
    this.account.chains++;
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
    this.placeRun();
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
   * value): not a rule, as the kernel would reject it, and one diagnostic says so. So is one with a warning
   * where the dump has no COMMIT (`-m comme`: a paste cut between words reads as an unknown match).
   */
  private dropCutRule(): void {
    const { lastRule: rule, lastRuleChain: chain, lastRuleLine: line } = this;
    const truncated = this.table !== undefined && !this.table.headerless;
    if (
      !rule ||
      !chain ||
      line !== this.last ||
      !this.diagnostics.some((d) => d.line === line && (d.severity === 'error' || truncated))
    )
      return;
    chain.rules.splice(chain.rules.indexOf(rule), 1);
    this.account.rules--;
    this.account.rejected++;
    const kept = this.diagnostics.filter((d) => d.line !== line);
    this.diagnostics.length = 0;
    this.diagnostics.push(...kept);
    this.report(
      'error',
      line,
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
      this.table = newTable(this.commandTable ?? 'filter', this.path, line, 1, true);
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
          const otherFamily = isOtherFamilyHeader(l.text, this.family);
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
        this.table = newTable(l.name, this.path, l.line, l.column);
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
        return problem ? this.foreign(l.line, stop, problem.column, problem.message, readsLikeProse(first)) : true;
      }
    }
  }

  /** Applies a command line to the table; the problem when it cannot. */
  private command(words: readonly WordSyntax[], line: number): LineProblem | undefined {
    const command = readCommand(words);
    if (isProblem(command)) return command;
    switch (command.kind) {
      case 'rule':
        return this.addRule(command.chain, command.ruleWords, line, command.counters, command.insertAt);
      case 'new-chain': {
        const { chain, at } = command;
        const problem = declareChain(
          this.currentTable(line),
          chain.text,
          [dash(chain), zeroCounters(chain)],
          line,
          at.column,
        );
        if (!problem) this.account.chains++;
        return problem;
      }
      case 'policy':
        return this.setPolicy(command.chain, command.policy, command.at, line);
      default:
        return command satisfies never;
    }
  }

  private setPolicy(
    chainWord: WordSyntax,
    policyWord: WordSyntax | undefined,
    at: WordSyntax,
    line: number,
  ): LineProblem | undefined {
    const table = this.currentTable(line);
    const policy = policyWord?.text;
    if (!isBuiltin(table, chainWord.text))
      return broken(chainWord.column, `-P applies to built-in chains only, not ${chainWord.text}`);
    if (policy !== 'ACCEPT' && policy !== 'DROP')
      return broken(policyWord?.column ?? at.column, `policy must be ACCEPT or DROP, got '${policy ?? ''}'`);
    const chain = table.chains.get(chainWord.text);
    if (chain) chain.policy = policy;
    else table.chains.set(chainWord.text, newChain(table, chainWord.text, policy, NO_COUNTERS, line, at.column));
    table.headerless?.policies.add(chainWord.text);
    table.headerless?.chains.add(chainWord.text);
    this.account.chains++;
    return undefined;
  }

  private addRule(
    chainWord: WordSyntax,
    ruleWords: readonly WordSyntax[],
    line: number,
    counters: Counters | undefined,
    insertAt?: number,
  ): LineProblem | undefined {
    const t = this.currentTable(line);
    let chain = t.chains.get(chainWord.text);
    if (!chain) {
      // Built-in chains always exist (iptables-restore takes `-A INPUT` without `:INPUT`).
      const builtin = isBuiltin(t, chainWord.text);
      if (!builtin) t.undeclared.push({ line, column: chainWord.column, chain: chainWord.text });
      chain = newChain(t, chainWord.text, builtin ? 'ACCEPT' : null, undefined, line, 1);
      t.chains.set(chain.name, chain);
    }
    const g = t.headerless;
    if (g) {
      g.chains.add(chain.name);
      g.ruleChains.add(chain.name);
      g.lastRuleChain = chain.name;
    }
    const rule = buildRule(ruleWords, t, counters, { path: this.path, family: this.family, line, report: this.report });
    if (!rule) {
      // buildRule has named the problem; the line is rejected, not reported twice.
      this.account.rejected++;
      return undefined;
    }
    this.account.rules++;
    this.enterRun(chain);
    this.placeRun();
    this.runPushed = true;
    this.lastRule = rule;
    this.lastRuleChain = chain;
    this.lastRuleLine = line;
    if (g && rule.target && rule.target.kind !== 'jump')
      g.targets.add(rule.target.kind === 'opaque' ? rule.target.name : rule.target.kind);
    if (insertAt === undefined) chain.rules.push(rule);
    else chain.rules.splice(Math.min(insertAt - 1, chain.rules.length), 0, rule);
    return undefined;
  }

  /** Called with the chain of each rule read: a chain whose run of rules ends gets them all, fitted. */
  private enterRun(chain: ChainDraft): void {
    if (this.runChain === chain) return;
    this.endRun();
    this.runChain = chain;
  }

  private endRun(): void {
    const run = this.runChain;
    if (!run) return;
    this.placeRun();
    if (this.runPushed) fitRules(run);
    this.runPushed = false;
  }

  /** Puts the fast path's rules of the run not yet placed after the rules its chain has. */
  private placeRun(): void {
    const n = this.runCount;
    if (n === 0) return;
    this.runCount = 0;
    const chain = this.runChain!;
    if (chain.rules.length === 0) {
      chain.rules = this.runRules.slice(0, n);
      return;
    }
    for (let i = 0; i < n; i++) chain.rules.push(this.runRules[i]!);
    this.runPushed = true;
  }

  private closeTable(): void {
    const t = this.table;
    this.table = undefined;
    if (!t) return;
    this.endRun();
    this.runChain = undefined;
    const fragment = t.headerless ? this.settleHeaderless(t, t.headerless) : false;
    if (!fragment) {
      for (const u of t.undeclared) this.report('error', u.line, u.column, `rule for undeclared chain ${u.chain}`);
      for (const u of t.unresolved) {
        if (!t.chains.has(u.clause.name))
          this.report(
            'error',
            u.line,
            u.clause.at.column,
            `jump to undeclared chain or unknown target ${u.clause.name}`,
          );
      }
    }
    const table = buildTable(t);
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
