/**
 * Reads an `iptables -L` listing of one table into the ruleset model. The listing is kept line by line until
 * its end, since its table and family may only show in its last chains; then it is written as iptables-save
 * syntax records and read by the iptables-save extractor, so every match and target gets the same typed
 * record as in a dump. What a listing cannot say (interfaces without -v, a host behind a name) is said.
 */
import { newLineTally } from '../iptables-save/line-account';
import type { Diagnostic } from '../../src/model/diagnostic';
import type { Match } from '../../src/model/match';
import type { Chain, Rule, Ruleset, RulesetGap, Table, TableName } from '../../src/model/ruleset';
import { copiedWith } from '../../src/model/read-located';
import type { IptablesListBody, LineAccount, ListingShows } from '../../src/model/section';
import { BUILTIN_CHAINS } from '../iptables-save/builtins';
import { IptablesSaveExtractor } from '../iptables-save/extract';
import type { SyntaxLine, WordSyntax } from '../iptables-save/syntax';
import type { Chunk } from '../shared/chunks';
import { type DumpReader, type StopAt, sortDiagnostics } from '../shared/reader';
import { type ChainHeader, type Layout, type RuleColumns, classify } from './columns';
import { counterValue } from './counters';
import { saveWord } from './cursor';
import { INTERFACES_HIDDEN, hostNameWarning, interfacesAssumed, opaqueWarning } from './hidden';
import { listingLines } from './parser';
import { type ListedRule, type NoInterface, listedRule } from './rule';
import { backendOfListing, familyOfListing, tableOfListing } from './table';

interface ListedChain {
  readonly header: ChainHeader;
  readonly line: number;
  readonly column: number;
  readonly rules: { readonly cols: RuleColumns; readonly line: number }[];
}

/** Built-in chains in hook order: within one table's listing they come first, in this order. */
const HOOK_ORDER = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

export class IptablesListReader implements DumpReader<IptablesListBody> {
  private readonly chains: ListedChain[] = [];
  private layout: Layout | undefined;
  private firstLayoutLine = 0;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly account = newLineTally();

  constructor(
    private readonly path: string,
    /** The command that printed the listing, or the file's name: it names the table (-t) and family. */
    private readonly hint: string,
  ) {}

  read(chunk: Chunk, stop: StopAt): number | undefined {
    for (const l of listingLines(chunk)) {
      if (l.words.length === 0) {
        this.account.blank++;
        continue;
      }
      const kind = classify(l, this.layout);
      if (typeof kind === 'string') {
        // A damaged rule still has its opt column; anything else (prose, another command's output) ends the listing.
        const ruleLike = l.words.some((w) => /^(--|-f|!f)$/.test(w.text));
        if (stop(l.line, false, !ruleLike)) return l.line;
        this.reject(l.line, l.words[0]!.column, kind);
        continue;
      }
      switch (kind.kind) {
        case 'chain':
          if (this.nextTable(kind.name) && stop(l.line, true)) return l.line;
          if (this.chains.some((c) => c.header.name === kind.name)) {
            this.reject(l.line, l.words[1]!.column, `chain ${kind.name} is listed twice`);
            continue;
          }
          this.chains.push({ header: kind, line: l.line, column: l.words[0]!.column, rules: [] });
          this.account.chains++;
          break;
        case 'columns':
          this.layout = kind;
          this.firstLayoutLine ||= l.line;
          this.account.comments++;
          break;
        case 'rule': {
          const chain = this.chains.at(-1);
          if (!chain) this.reject(l.line, 1, 'a rule before any Chain line');
          else chain.rules.push({ cols: kind, line: l.line });
          break;
        }
      }
    }
    return undefined;
  }

  /** A chain that cannot follow the ones listed: a second listing (the next table) starts there. */
  private nextTable(name: string): boolean {
    if (this.chains.some((c) => c.header.name === name)) return true;
    const hook = HOOK_ORDER.indexOf(name);
    const last = this.chains.at(-1)?.header;
    if (hook < 0 || !last) return false;
    return last.policy === undefined || HOOK_ORDER.indexOf(last.name) >= hook;
  }

  private reject(line: number, column: number, message: string): void {
    this.diagnostics.push({ severity: 'error', line, column, message });
    this.account.rejected++;
  }

  finish(): IptablesListBody {
    const names = new Set(this.chains.map((c) => c.header.name));
    const targets = new Set(
      this.chains.flatMap((c) =>
        c.rules.flatMap((r) => (r.cols.target && !names.has(r.cols.target.text) ? [r.cols.target.text] : [])),
      ),
    );
    const family = familyOfListing(
      this.hint,
      this.chains.flatMap((c) => c.rules.flatMap((r) => [r.cols.source.text, r.cols.destination.text])),
    );
    const { table, why } = tableOfListing(this.hint, names, targets);
    const first = this.chains[0];
    if (why && first)
      this.diagnostics.push({
        severity: 'warning',
        line: first.line,
        column: 1,
        message: `the listing does not name its table (no -t in a command before it): ${why}`,
      });
    const verbose = this.layout?.verbose ?? true;
    if (!verbose && this.account.chains > 0)
      this.diagnostics.push({ severity: 'warning', line: this.firstLayoutLine, column: 1, message: INTERFACES_HIDDEN });
    const listed = new Map<number, ListedRule>();
    const noInterface = this.noInterfaceWord();
    for (const c of this.chains)
      for (const r of c.rules) listed.set(r.line, listedRule(r.cols, family, names, noInterface));
    const whole = BUILTIN_CHAINS[table].every((b) => this.chains.some((c) => c.header.name === b && c.header.policy));
    const extractor = new IptablesSaveExtractor(this.path, family, table);
    extractor.feed(this.syntax(table, whole, listed));
    const extraction = extractor.finish();
    for (const [line, r] of listed) {
      for (const h of r.hostNames)
        this.diagnostics.push({ severity: 'warning', line, column: h.column, message: hostNameWarning(h.text) });
      for (const o of r.opaque)
        this.diagnostics.push({
          severity: 'warning',
          line,
          column: o.column,
          message: opaqueWarning('match', o.match.name),
        });
      if (r.opaqueTarget)
        this.diagnostics.push({
          severity: 'warning',
          line,
          column: r.opaqueTarget.column,
          message: opaqueWarning('target', r.opaqueTarget.target.name),
        });
    }
    // The extractor's account counts the save lines written here; the listing's own lines are counted above.
    const diagnostics = sortDiagnostics([
      ...this.diagnostics,
      ...extraction.diagnostics.filter(
        (d) => !listed.get(d.line)?.hostNames.length || !d.message.startsWith('address'),
      ),
    ]);
    const ruleset = this.complete(extraction.ruleset, listed, verbose);
    const rounded = this.chains.some((c) =>
      c.rules.some(
        (r) =>
          r.cols.packets && (counterValue(r.cols.packets.text).rounded || counterValue(r.cols.bytes!.text).rounded),
      ),
    );
    const shows: ListingShows = {
      verbose,
      lineNumbers: this.layout?.lineNumbers ?? false,
      names: [...listed.values()].some((r) => r.hostNames.length > 0) || this.printedNames(),
      roundedCounters: rounded,
    };
    const lines: LineAccount = { ...this.account, rules: this.chains.reduce((n, c) => n + c.rules.length, 0) };
    return {
      kind: family === 'ipv6' ? 'ip6tables-list' : 'iptables-list',
      records: lines.rules,
      diagnostics,
      ruleset,
      lines,
      shows,
    };
  }

  /**
   * What the in and out columns show for a rule of any interface: `*` with -n, `any` without (iptables'
   * print_firewall). A listing that shows `*` somewhere was printed with -n, and an `any` in it is an interface.
   */
  private noInterfaceWord(): NoInterface {
    const star = this.chains.some((c) => c.rules.some((r) => [r.cols.in?.text, r.cols.out?.text].includes('*')));
    return star ? '*' : 'any';
  }

  /** `anywhere`, or a protocol by name: the listing was printed without -n. */
  private printedNames(): boolean {
    return this.chains.some((c) =>
      c.rules.some(
        (r) =>
          r.cols.source.text.endsWith('anywhere') ||
          r.cols.destination.text.endsWith('anywhere') ||
          /^!?[a-z]/.test(r.cols.prot.text),
      ),
    );
  }

  /**
   * The listing as an iptables-save table: a whole one (every built-in chain with its policy) between
   * `*table` and COMMIT, a part of one (`iptables -L CHAIN`) headerless, so that the chains it does not
   * show are expected missing, as in `iptables -S CHAIN`.
   */
  private syntax(table: TableName, whole: boolean, listed: ReadonlyMap<number, ListedRule>): SyntaxLine[] {
    const out: SyntaxLine[] = [];
    const at = (text: string, column: number): WordSyntax => ({
      text,
      column,
      bang: false,
      quoted: false,
      unterminated: false,
    });
    const start = this.chains[0]?.line ?? 1;
    if (whole) out.push({ kind: 'table', line: start, column: 1, name: table, words: [] });
    // Built-in chains first, as iptables-restore needs a policy before rules and -L lists them first anyway.
    const ordered = [...this.chains].sort((a, b) => Number(!a.header.policy) - Number(!b.header.policy));
    for (const c of ordered) {
      const counters = c.header.counters
        ? `[${counterValue(c.header.counters.packets.text).value}:${counterValue(c.header.counters.bytes.text).value}]`
        : '[0:0]';
      out.push({
        kind: 'chain',
        line: c.line,
        column: c.column,
        name: c.header.name,
        words: [at(c.header.policy ?? '-', c.column), at(counters, c.column)],
      });
    }
    for (const c of this.chains) {
      for (const r of c.rules) {
        const { packets, bytes } = r.cols;
        const counters =
          packets && bytes
            ? [saveWord(`[${counterValue(packets.text).value}:${counterValue(bytes.text).value}]`, packets)]
            : [];
        out.push({
          kind: 'words',
          line: r.line,
          words: [...counters, at('-A', 1), at(c.header.name, 1), ...listed.get(r.line)!.words],
        });
      }
    }
    if (whole) out.push({ kind: 'words', line: this.chains.at(-1)!.line, words: [at('COMMIT', 1)] });
    return out;
  }

  /**
   * The extracted ruleset with what has no save spelling: opaque matches and targets, and, without -v, each
   * rule marked with the interfaces it may test, so a walk through it says so. A listing prints every chain,
   * empty or not, so empty chains at its end mean nothing (no `maybe-cut`), and a chain a rule jumps to that it
   * does not print means it shows part of its table.
   */
  private complete(read: Ruleset, listed: ReadonlyMap<number, ListedRule>, verbose: boolean): Ruleset {
    const rule = (table: string, chain: string, r: Rule): Rule => {
      const l = listed.get(r.location.line);
      if (!l) return r;
      let matches: Match[] = [...r.matches];
      for (const o of l.opaque) matches.splice(o.at, 0, o.match);
      if (!l.opaque.length) matches = r.matches as Match[];
      const target = l.opaqueTarget
        ? { target: l.opaqueTarget.target }
        : l.gotoUnlisted && r.target?.kind === 'jump'
          ? { target: { ...r.target, goto: true } }
          : {};
      return copiedWith(r, {
        matches,
        ...target,
        ...(verbose ? {} : { assumed: interfacesAssumed(table, chain, r.index) }),
      });
    };
    const chain = (table: string, c: Chain): Chain =>
      copiedWith(c, { rules: c.rules.map((r) => rule(table, c.name, r)) });
    const tables = read.tables.map((t) => ({ ...t, chains: t.chains.map((c) => chain(t.name, c)) }));
    const known = (read.gaps ?? []).filter((g) => g.kind !== 'maybe-cut');
    // A fragment or filtered listing already says it shows part of its table.
    const gaps: RulesetGap[] = known.length ? known : unlistedOf(tables);
    const backend = backendOfListing(this.hint);
    return {
      family: read.family,
      tables,
      ...(gaps.length ? { gaps } : {}),
      ...(backend ? { backend } : {}),
      headerless: true,
    };
  }
}

/** The first chain each table's rules jump to that the listing does not print (see RulesetGap `unlisted`). */
function unlistedOf(tables: readonly Table[]): RulesetGap[] {
  return tables.flatMap((t) => {
    const names = new Set(t.chains.map((c) => c.name));
    for (const c of t.chains)
      for (const r of c.rules)
        if (r.target?.kind === 'jump' && !names.has(r.target.chain))
          return [{ kind: 'unlisted' as const, table: t.name, chain: r.target.chain, line: r.location.line }];
    return [];
  });
}
