/**
 * Blocks of an nft listing from its lines: tables, and in them objects, sets and maps, flowtables and chains.
 * A line is read in the context of the blocks open around it; one it cannot read becomes a diagnostic (or,
 * outside every table, ends the dump), and every line is counted in `NftLineAccount`.
 */
import type { Diagnostic } from '../../src/model/diagnostic';
import type {
  NftBaseChain,
  NftLineAccount,
  NftChain,
  NftFamily,
  NftFlowtable,
  NftLiteral,
  NftObject,
  NftRule,
  NftSet,
  NftTable,
} from '../../src/model/nft';
import { NFT_FAMILIES } from '../../src/model/nft';
import { resolvePriority } from '../../src/model/nft-priority';
import type { StopAt } from '../shared/reader';
import { TokenCursor, Unknown, tokensText } from './cursor';
import { ChainNames } from './chain-names';
import { readElements, readRule, readTypeof } from './rule';
import { type LineProblem, broken, isProblem } from '../shared/problem';
import type { NftLine, NftToken } from './syntax';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type TableDraft = Mutable<NftTable> & {
  objects: NftObject[];
  sets: NftSet[];
  flowtables: NftFlowtable[];
  chains: NftChain[];
};
type ChainDraft = Mutable<NftChain> & { rules: NftRule[] };
type SetDraft = Mutable<NftSet> & { props: { key: string; value: string }[] };
type FlowDraft = Mutable<NftFlowtable> & { props: { key: string; value: string }[] };
type ObjectDraft = Mutable<NftObject> & { body: string[] };

type Block =
  | { readonly kind: 'table'; readonly table: TableDraft }
  | { readonly kind: 'chain'; readonly chain: ChainDraft }
  | { readonly kind: 'set'; readonly set: SetDraft }
  | { readonly kind: 'flowtable'; readonly flowtable: FlowDraft }
  | { readonly kind: 'object'; readonly object: ObjectDraft };

const OBJECT_TYPES = new Set(['counter', 'quota', 'limit', 'secmark', 'synproxy']);
const CT_OBJECTS = new Set(['helper', 'timeout', 'expectation']);
const WARNING = /^ Warning: table (\S+) (\S+) is managed by iptables-nft, do not touch!$/;
/** What a person puts for what they left out of a paste: `...`, `…`, `[...]`, `[... 40 more chains ...]`, `<snip>`. */
const ELISION = /^(?:[[(<]\s*)?(?:\.{3,}|\u2026)|^[[(<]\s*snip/i;
/** A list item left out: `...` or `…` alone. */
const ELIDED_ITEM = /^(?:\.{3,}|\u2026+)$/;
/** How an elision's line starts: the lines of a listing are tested only when theirs does. */
const ELISION_START: ReadonlySet<string> = new Set(['.', '\u2026', '[', '(', '<']);
const ELIDED = 'an elision: what the paste left out here is unknown';
/** What a table declares in blocks of its own. */
const TABLE_BLOCKS: ReadonlySet<string> = new Set(['chain', 'set', 'map', 'flowtable']);

/** A block line's problem, thrown from deep in its reading and caught once per line (NftExtractor.line). */
class Rejected {
  constructor(readonly problem: LineProblem) {}
}
const rejected = (column: number, message: string) => new Rejected(broken(column, message));

export class NftExtractor {
  readonly tables: TableDraft[] = [];
  /** Set by finish: the listing ended inside a block. */
  cut = false;
  readonly diagnostics: Diagnostic[] = [];
  private readonly account: Mutable<NftLineAccount> = {
    rules: 0,
    blocks: 0,
    properties: 0,
    comments: 0,
    blank: 0,
    rejected: 0,
  };
  private readonly stack: Block[] = [];
  private warned: string | undefined;
  /** An `elements = {` or `devices = {` list that goes on over the next lines. */
  private pending:
    | { tokens: NftToken[]; lines: number[]; depth: number; into: 'elements' | 'devices'; line: number }
    | undefined;
  private seenAny = false;
  /** The open table's chain names. */
  private chainNames = new ChainNames();

  /** Reads lines; returns the number of the line where another dump starts, if one does. */
  feed(lines: readonly NftLine[], stop: StopAt): number | undefined {
    for (const l of lines) {
      const ended = this.line(l, stop);
      if (ended) return l.line;
    }
    return undefined;
  }

  private line(l: NftLine, stop: StopAt): boolean {
    if (this.pending) return (this.continueList(l), false);
    if (l.tokens.length === 0) {
      if (l.comment) {
        if (this.stack.length === 0 && WARNING.test(l.comment.text)) this.warned = l.comment.text;
        this.account.comments++;
      } else this.account.blank++;
      return false;
    }
    const first = l.tokens[0]!;
    if (ELISION_START.has(first.text[0]!) && ELISION.test(tokensText(l.tokens)))
      return (this.reject(l, broken(first.column, ELIDED)), false);
    const top = this.unclosedChainBefore(l) ?? this.stack[this.stack.length - 1];
    if (!top) {
      if (first.kind === 'word' && first.text === 'table') {
        const problem = this.openTable(l);
        if (!problem) return ((this.seenAny = true), false);
        if (this.seenAny || !stop(l.line)) return (this.reject(l, problem), false);
        return true;
      }
      if (stop(l.line, false, this.seenAny)) return true;
      this.reject(l, broken(first.column, 'expected `table FAMILY NAME {`'));
      return false;
    }
    if (first.kind === 'rbrace' && l.tokens.length === 1) {
      this.close();
      return false;
    }
    try {
      this.inBlock(top, l);
    } catch (e) {
      if (!(e instanceof Rejected) && !(e instanceof Unknown)) throw e;
      if (first.kind === 'word' && first.text === 'table' && stop(l.line, true)) return true;
      this.reject(l, e instanceof Rejected ? e.problem : broken(this.columnOf(l, e), e.why));
    }
    return false;
  }

  /**
   * A chain, set or map declared inside a chain: the chain's closing brace was left out of the paste, with what came
   * before it. The chain is closed there, said at its line, and the table the declaration is in returned.
   */
  private unclosedChainBefore(l: NftLine): Block | undefined {
    const top = this.stack[this.stack.length - 1];
    const t = l.tokens;
    if (top?.kind !== 'chain' || t.length !== 3 || t[2]!.kind !== 'lbrace' || !TABLE_BLOCKS.has(t[0]!.text))
      return undefined;
    this.error(
      top.chain.line,
      1,
      `chain ${top.chain.name} is not closed before line ${l.line}: the paste left lines out`,
    );
    this.stack.pop();
    return this.stack[this.stack.length - 1];
  }

  /** Where a cursor over a block line (the base chain line, a flowtable's `hook …`) stopped. */
  private columnOf(l: NftLine, e: Unknown): number {
    return (l.tokens[Math.min(e.at, l.tokens.length - 1)] ?? l.tokens[0]!).column;
  }

  private reject(l: NftLine, p: LineProblem): void {
    this.account.rejected++;
    this.error(l.line, p.column, p.message);
  }

  private error(line: number, column: number, message: string, severity: Diagnostic['severity'] = 'error'): void {
    this.diagnostics.push({ severity, line, column, message });
  }

  private openTable(l: NftLine): LineProblem | undefined {
    const [, fam, name, brace] = l.tokens;
    if (!fam || !NFT_FAMILIES.includes(fam.text as NftFamily))
      return broken((fam ?? l.tokens[0]!).column, `expected a family (${NFT_FAMILIES.join(', ')})`);
    if (!name || (name.kind !== 'word' && name.kind !== 'string')) return broken(fam.column, 'a table needs a name');
    if (brace?.kind !== 'lbrace' || l.tokens.length !== 4)
      return broken(name.column, 'expected `{` after the table name');
    const table: TableDraft = {
      line: l.line,
      family: fam.text as NftFamily,
      name: name.text,
      ...handleOf(l),
      objects: [],
      sets: [],
      flowtables: [],
      chains: [],
    };
    if (this.warned) {
      const m = WARNING.exec(this.warned)!;
      if (m[1] === table.family && m[2] === table.name) table.iptablesNftWarning = true;
      this.warned = undefined;
    }
    this.tables.push(table);
    this.chainNames = new ChainNames();
    this.stack.push({ kind: 'table', table });
    this.account.blocks++;
    return undefined;
  }

  private close(): void {
    const b = this.stack.pop();
    if (b?.kind === 'table' && this.chainNames.lacks(b.table.sets)) b.table.lacks = true;
    this.account.blocks++;
  }

  private inBlock(b: Block, l: NftLine): void {
    switch (b.kind) {
      case 'table':
        return this.inTable(b.table, l);
      case 'chain':
        return this.inChain(b.chain, l);
      case 'set':
        this.inSet(b.set, l);
        this.account.properties++;
        return;
      case 'flowtable':
        this.inFlowtable(b.flowtable, l);
        this.account.properties++;
        return;
      case 'object': {
        b.object.body.push(tokensText(l.tokens));
        this.account.properties++;
        return;
      }
    }
  }

  private inTable(t: TableDraft, l: NftLine): void {
    const [w, a, b, c] = l.tokens;
    const head = w!.text;
    if (head === 'flags' && a && l.tokens.length === 2) return void ((t.flags = a.text), this.account.properties++);
    if (head === 'comment' && a?.kind === 'string' && l.tokens.length === 2)
      return void ((t.comment = a.text), this.account.properties++);
    if (head === 'ct' && a && CT_OBJECTS.has(a.text)) return this.openObject(t, `ct ${a.text}`, b, c, l, 4);
    if (OBJECT_TYPES.has(head)) return this.openObject(t, head, a, b, l, 3);
    if (!a || (a.kind !== 'word' && a.kind !== 'string') || b?.kind !== 'lbrace' || l.tokens.length !== 3)
      throw rejected(w!.column, 'expected chain, set, map, flowtable, a named object, flags, comment or `}`');
    const common = { line: l.line, name: a.text, ...handleOf(l) };
    switch (head) {
      case 'chain': {
        const chain: ChainDraft = { ...common, name: this.chainNames.declare(common.name), rules: [] };
        t.chains.push(chain);
        this.stack.push({ kind: 'chain', chain });
        break;
      }
      case 'set':
      case 'map': {
        const set: SetDraft = { ...common, kind: head, props: [] };
        t.sets.push(set);
        this.stack.push({ kind: 'set', set });
        break;
      }
      case 'flowtable': {
        const flowtable: FlowDraft = { ...common, hook: '', priority: { text: '', value: undefined }, props: [] };
        t.flowtables.push(flowtable);
        this.stack.push({ kind: 'flowtable', flowtable });
        break;
      }
      default:
        throw rejected(w!.column, `unknown table member '${head}'`);
    }
    this.account.blocks++;
  }

  private openObject(
    t: TableDraft,
    type: string,
    name: NftToken | undefined,
    brace: NftToken | undefined,
    l: NftLine,
    count: number,
  ): void {
    if (!name || brace?.kind !== 'lbrace' || l.tokens.length !== count)
      throw rejected(l.tokens[0]!.column, `expected \`${type} NAME {\``);
    const object: ObjectDraft = { line: l.line, type, name: name.text, ...handleOf(l), body: [] };
    t.objects.push(object);
    this.stack.push({ kind: 'object', object });
    this.account.blocks++;
  }

  private tableOf(): TableDraft {
    return (this.stack[0] as Extract<Block, { kind: 'table' }>).table;
  }

  private inChain(ch: ChainDraft, l: NftLine): void {
    const [w, a] = l.tokens;
    if (
      ch.rules.length === 0 &&
      !ch.base &&
      w!.text === 'type' &&
      l.tokens.some((t) => t.kind === 'word' && t.text === 'hook')
    ) {
      ch.base = this.baseChain(l);
      this.account.properties++;
      return;
    }
    if (ch.rules.length === 0 && w!.text === 'comment' && a?.kind === 'string' && l.tokens.length === 2) {
      ch.comment = a.text;
      this.account.properties++;
      return;
    }
    const read = readRule(l.tokens);
    if (read.problem) this.error(l.line, read.problem.column, read.problem.message, 'warning');
    this.chainNames.inStmts(read.stmts);
    const handle = handleOf(l).handle;
    ch.rules.push({
      line: l.line,
      stmts: read.stmts,
      ...(read.comment !== undefined ? { comment: read.comment } : {}),
      ...(handle !== undefined ? { handle } : {}),
    });
    this.account.rules++;
  }

  /** `type filter hook input [device "x" | devices = { … }] priority 0; policy accept;` */
  private baseChain(l: NftLine): NftBaseChain {
    const c = new TokenCursor(l.tokens);
    c.expect('type');
    const type = c.expectWord('a chain type');
    c.expect('hook');
    const hook = c.expectWord('a hook');
    let devices: NftLiteral[] | undefined;
    let deviceList = false;
    if (c.word() === 'device') {
      c.i++;
      devices = [literalOf(c.next())];
    } else if (c.word() === 'devices') {
      c.i += 2;
      if (c.peek(-1)?.text !== '=' || c.next().kind !== 'lbrace')
        throw rejected(l.tokens[c.i - 1]!.column, 'expected `devices = {`');
      devices = [];
      deviceList = true;
      for (let t = c.next(); t.kind !== 'rbrace'; t = c.next()) if (t.kind !== 'comma') devices.push(literalOf(t));
    }
    if (c.word() !== 'priority') throw rejected(c.peek()?.column ?? l.tokens[0]!.column, 'expected `priority`');
    c.i++;
    const prio: string[] = [];
    while (!c.done && c.peek()!.kind !== 'semi') prio.push(c.next().text);
    if (c.done) throw rejected(l.tokens[l.tokens.length - 1]!.column, 'expected `;` after the priority');
    c.i++;
    let policy: string | undefined;
    if (c.word() === 'policy') {
      c.i++;
      policy = c.expectWord('a policy');
      if (c.peek()?.kind !== 'semi') throw rejected(l.tokens[c.i - 1]!.column, 'expected `;` after the policy');
      c.i++;
    }
    if (!c.done) throw rejected(c.peek()!.column, 'unexpected text after the base chain declaration');
    return {
      type,
      hook,
      ...(devices ? { devices } : {}),
      ...(deviceList ? { deviceList } : {}),
      priority: resolvePriority(prio.join(' '), this.tableOf().family),
      ...(policy ? { policy } : {}),
    };
  }

  private inSet(s: SetDraft, l: NftLine): void {
    const [w, a] = l.tokens;
    const head = w!.text;
    if (head === 'type') {
      const words = l.tokens.slice(1).map((t) => t.text);
      const colon = words.indexOf(':');
      const key = (colon < 0 ? words : words.slice(0, colon)).filter((x) => x !== '.');
      s.type = colon < 0 ? { key } : { key, data: words.slice(colon + 1).join(' ') };
      return;
    }
    if (head === 'typeof') {
      const read = readTypeof(l.tokens.slice(1));
      if (isProblem(read)) throw rejected(l.tokens[read.at + 1]!.column, read.message);
      s.typeof = read;
      return;
    }
    if (head === 'comment' && a?.kind === 'string' && l.tokens.length === 2) return void (s.comment = a.text);
    if (head === 'elements') return this.startList(l, 'elements');
    s.props.push({ key: head, value: tokensText(l.tokens.slice(1)) });
  }

  private inFlowtable(f: FlowDraft, l: NftLine): void {
    const [w] = l.tokens;
    if (w!.text === 'hook') {
      const c = new TokenCursor(l.tokens);
      c.i++;
      f.hook = c.expectWord('a hook');
      c.expect('priority');
      f.priority = resolvePriority(tokensText(l.tokens.slice(c.i)), this.tableOf().family);
      return;
    }
    if (w!.text === 'devices') return this.startList(l, 'devices');
    f.props.push({ key: w!.text, value: tokensText(l.tokens.slice(1)) });
  }

  /** `elements = {` / `devices = {` … `}`, possibly over several lines. */
  private startList(l: NftLine, into: 'elements' | 'devices'): void {
    const [, eq, brace] = l.tokens;
    if (eq?.text !== '=' || brace?.kind !== 'lbrace') throw rejected(l.tokens[0]!.column, `expected \`${into} = {\``);
    this.pending = { tokens: [], lines: [], depth: 1, into, line: l.line };
    this.addToList(l, 3);
  }

  private continueList(l: NftLine): void {
    this.account.properties++;
    this.addToList(l, 0);
  }

  private addToList(l: NftLine, from: number): void {
    const p = this.pending!;
    for (let i = from; i < l.tokens.length; i++) {
      const t = l.tokens[i]!;
      // Elements left out: those shown are read, and the line is said as not read whole.
      if (t.kind === 'word' && ELIDED_ITEM.test(t.text)) {
        this.error(l.line, t.column, ELIDED);
        if (l.tokens[i + 1]?.kind === 'comma') i++;
        else if (p.tokens[p.tokens.length - 1]?.kind === 'comma') {
          p.tokens.pop();
          p.lines.pop();
        }
        continue;
      }
      if (t.kind === 'lbrace') p.depth++;
      if (t.kind === 'rbrace') p.depth--;
      p.tokens.push(t);
      p.lines.push(l.line);
      if (p.depth === 0) {
        if (i !== l.tokens.length - 1)
          this.error(l.line, l.tokens[i + 1]!.column, 'unexpected text after the closing brace');
        this.pending = undefined;
        this.finishList(p);
        return;
      }
    }
  }

  private finishList(p: NonNullable<NftExtractor['pending']>): void {
    const top = this.stack[this.stack.length - 1]!;
    const elements = readElements(p.tokens);
    if (isProblem(elements)) {
      const at = Math.min(elements.at, p.tokens.length - 1);
      this.error(p.lines[at] ?? p.line, p.tokens[at]?.column ?? 1, `${elements.message}; elements not read`);
      return;
    }
    if (top.kind === 'set' && p.into === 'elements') {
      this.chainNames.inElements(elements);
      top.set.elements = elements;
    } else if (top.kind === 'flowtable')
      top.flowtable.devices = elements.map((e) => (e.key.kind === 'literal' ? e.key : { kind: 'literal', text: '?' }));
  }

  /** Blocks still open at the end: the listing was cut. */
  finish(): NftLineAccount {
    this.cut = this.pending !== undefined || this.stack.length > 0;
    if (this.pending)
      this.error(this.pending.line, 1, `${this.pending.into} list not closed before the end of the dump`);
    for (const b of this.stack.reverse()) {
      const line =
        b.kind === 'table'
          ? b.table.line
          : b.kind === 'chain'
            ? b.chain.line
            : b.kind === 'set'
              ? b.set.line
              : b.kind === 'flowtable'
                ? b.flowtable.line
                : b.object.line;
      this.error(line, 1, `${b.kind} not closed before the end of the dump (cut listing?)`);
    }
    this.stack.length = 0;
    return this.account;
  }
}

function literalOf(t: NftToken): NftLiteral {
  return t.kind === 'string' ? { kind: 'literal', text: t.text, quoted: true } : { kind: 'literal', text: t.text };
}

/** `# handle 4` after a block opening or a rule (nft -a). */
function handleOf(l: NftLine): { handle?: number } {
  const m = l.comment && /^ handle (\d+)/.exec(l.comment.text);
  return m ? { handle: Number(m[1]) } : {};
}
