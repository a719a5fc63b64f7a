/**
 * A hand-written reader for the `-A` lines kube-proxy, CNIs and most firewalls write: plain words, `!`, and
 * whole quoted words without escapes (`--comment "ns/svc:port"`). It reads a line straight into the Rule the
 * grammar (parser.ts, rule-clauses.ts, build-rule.ts) would build, and declines (returns undefined) every line it is
 * not sure of: anything the grammar would warn about or reject, counters, `-I`, implicit protocol modules,
 * pre-1.4.3 negation, jumps to chains not declared yet. The grammar stays the reference and reads every
 * declined line; test/grammar/iptables-save/fast-rule.test.ts holds the two to the same rules.
 *
 * Identical extension options and base options are read once per table, keyed by their text as written, except
 * those a dump writes once per endpoint, a DNAT's `--to-destination` and a host's `-s IP/32`: in a kube-proxy dump
 * of 10,000 services each made 19,500 keys without one hit, where the caches' other 29,900 keys were met 151,000 times.
 */
import type { Match, Opt } from '../../src/model/match';
import type { Chain } from '../../src/model/ruleset';
import type { JumpTarget, Target } from '../../src/model/target';
import { linkJump } from '../../src/model/read-jumps';
import { type Family, isUnknownAddress } from '../../src/model/values';
import { isProblem } from '../shared/problem';
import { ChainCursor } from './chain-cursor';
import { type ExtensionSpec, optionArities, optionArityIn, readExtensionOptions } from './extension';
import { matchExtensions, targetExtensions } from './extensions/index';
import { handMatch, handTarget } from './kube-sections';
import { namedIn, namesByLength } from './names-in';
import { canonicalProtocol } from './protocols';
import { type RecentTarget, RecentTargets } from './recent-targets';
import { type BaseOption, baseOptionIn } from './rule-clauses';
import { type RuleDraft, type RuleField, hasField, ruleOfShape, withField } from './rule-shapes';
import type { WordSyntax } from './syntax';
import { parseRuleAddress } from './unknown-address';

const SPACE = 32;
const DASH = 45;
const QUOTE = 34;
const BACKSLASH = 92;
/** A word's kind in `kinds`. */
const BARE = 0;
const QUOTED = 1;
const BANG = 2;
/** After the last word. */
const END = 3;

/** Blanks the grammar splits on besides the space, and the line feed: a line with one is the grammar's. */
const isOtherBlank = (c: number) => c === 9 || c === 10 || c === 11 || c === 12 || c === 13;

/**
 * The rules whose matches are the same records in the same order share one array (the model is immutable): a
 * kube-proxy dump's 88,000 rules have about 17,000 distinct lists, and each array the rules do not share is two
 * more objects for every young collection to copy.
 */
interface MatchList {
  list: readonly Match[] | undefined;
  /**
   * The lists one match longer: the first met in `match` and `then` (most lists continue one way only, as a
   * service's comment is followed by its port), any other in `more`.
   */
  match: Match | undefined;
  then: MatchList | undefined;
  more: Map<Match, MatchList> | undefined;
}

const newMatchList = (): MatchList => ({ list: undefined, match: undefined, then: undefined, more: undefined });

const NO_MATCHES: readonly Match[] = [];

const MATCHES_BY_LENGTH = namesByLength(matchExtensions);

export class FastRuleReader<C extends Chain> {
  /** The chain of the last rule read. */
  chain: C | undefined;
  /**
   * Words of the line being read: where each starts and ends in `text` (quotes excluded), and its kind; END
   * after the last. Typed arrays written by index, reused for every line: an array emptied by `length = 0`
   * gives up its storage and grows again with the next line's words.
   */
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private kinds = new Uint8Array(65);
  /** How many words the line has. */
  private count = 0;
  /** The line's matches while it is read (the first `matchCount`): each rule gets an exact-size copy. */
  private readonly found: Match[] = [];
  private matchCount = 0;
  /** The line's other fields (base options and target) in the order met, and their values (rule-shapes.ts). */
  private readonly fields: RuleField[] = [];
  private readonly values: unknown[] = [];
  private fieldCount = 0;
  private text = '';
  /** Where the line starts in `text` (a chunk of the dump): columns count from there. */
  private from = 0;
  /** The chain of the last rule read: a dump lists a chain's rules one after the other. */
  private lastChain: C | undefined;
  private readonly cursor = new ChainCursor<C>();
  private readonly matches = new Map<string, Match>();
  private readonly targets = new Map<string, Target>();
  private readonly options = new Map<string, Opt<unknown> | null>();
  private readonly recent = new RecentTargets<C>();
  private matchLists = newMatchList();
  /** The chains of the table whose values the maps above hold: each table has its own, as in extract.ts. */
  private table: ReadonlyMap<string, C> | undefined;

  constructor(
    private readonly path: string,
    private readonly family: Family,
  ) {}

  /**
   * The rule of an `-A` line, or undefined when the grammar must read it. `chains` are the table's chains
   * declared so far; the rule's chain must be one of them, and so must the chain of a jump.
   */
  read(text: string, from: number, to: number, line: number, chains: ReadonlyMap<string, C>): RuleDraft | undefined {
    if (!this.split(text, from, to)) return undefined;
    if (chains !== this.table) this.newTable(chains);
    const { starts, kinds, count: n } = this;
    if (n < 2 || kinds[1] !== BARE || !this.is(0, '-A') || text.charCodeAt(starts[1]!) === DASH) return undefined;
    const chain = this.chainOf(chains);
    if (chain === undefined) return undefined;
    this.matchCount = 0;
    this.fieldCount = 0;
    let shape = 0;
    let hasTarget = false;
    let i = 2;
    while (i < n) {
      let negated = false;
      const from = i;
      if (kinds[i] === BANG) {
        negated = true;
        i++;
      }
      const option = i < n && kinds[i] === BARE ? this.baseOptionAt(i) : undefined;
      // A value must follow; `-d ! x` (pre-1.4.3) and options the grammar merges or warns about go there.
      if (option === undefined || i + 1 >= n || kinds[i + 1] === BANG) return undefined;
      const value = i + 1;
      i += 2;
      if (option === 'm' || option === 'j' || option === 'g') {
        if (negated || kinds[value] !== BARE) return undefined;
        if (option === 'm') {
          const spec = namedIn(MATCHES_BY_LENGTH, this.text, this.starts[value]!, this.ends[value]!);
          if (!spec) return undefined;
          const end = this.optionsEnd(i, spec);
          const match = this.extension(this.matches, spec, value, i, end, false);
          if (!match) return undefined;
          this.found[this.matchCount++] = match;
          i = end;
          continue;
        }
        if (hasTarget) return undefined;
        const named = this.named(value, chains);
        // Chains are looked up before targets, as iptables does; its options end where the target's would, and a
        // jump that ends the line needs no target to tell where.
        const to = named.chain;
        const spec = to !== undefined && i === n ? undefined : (named.spec ??= targetExtensions.get(named.name));
        const end = this.optionsEnd(i, spec);
        const target =
          option !== 'g' && to === undefined
            ? spec && this.extension(this.targets, spec, value, i, end, true)
            : end === i && to !== undefined
              ? option === 'g'
                ? (named.goto ??= this.jump(to, true))
                : (named.jump ??= this.jump(to, false))
              : undefined;
        if (!target) return undefined;
        hasTarget = true;
        shape = withField(shape, 'target');
        this.addField('target', target);
        i = end;
        continue;
      }
      const field = baseField(option);
      if (field === undefined) return undefined;
      const opt = this.base(field, negated, from, value);
      if (opt === undefined) return undefined;
      if (opt === null) continue;
      if (hasField(shape, field)) return undefined;
      shape = withField(shape, field);
      this.addField(field, opt);
    }
    this.chain = chain;
    return ruleOfShape(this.matchList(), this.path, line, shape, this.fields, this.values, this.fieldCount);
  }

  /** The line's matches as the array shared by every rule of the table with the same ones. */
  private matchList(): readonly Match[] {
    const { found, matchCount } = this;
    if (matchCount === 0) return NO_MATCHES;
    let node = this.matchLists;
    for (let i = 0; i < matchCount; i++) {
      const m = found[i]!;
      if (node.match === m) node = node.then!;
      else if (node.match === undefined) {
        node.match = m;
        node = node.then = newMatchList();
      } else {
        node.more ??= new Map();
        let next = node.more.get(m);
        if (!next) node.more.set(m, (next = newMatchList()));
        node = next;
      }
    }
    return (node.list ??= found.slice(0, matchCount));
  }

  private addField(field: RuleField, value: unknown): void {
    this.fields[this.fieldCount] = field;
    this.values[this.fieldCount++] = value;
  }

  private newTable(chains: ReadonlyMap<string, C>): void {
    this.table = chains;
    this.lastChain = undefined;
    this.cursor.reset();
    this.matches.clear();
    this.targets.clear();
    this.options.clear();
    this.recent.clear();
    this.matchLists = newMatchList();
  }

  /** Splits the line into words; false for what the grammar reads differently (escapes, touching quotes, tabs). */
  private split(text: string, from: number, n: number): boolean {
    this.text = text;
    this.from = from;
    let count = 0;
    let i = from;
    while (i < n) {
      let c = text.charCodeAt(i);
      if (c === SPACE) {
        i++;
        continue;
      }
      if (count === this.starts.length) this.grow();
      if (c === QUOTE) {
        let j = i + 1;
        while (j < n && (c = text.charCodeAt(j)) !== QUOTE) {
          if (c === BACKSLASH || c === 10) return false;
          j++;
        }
        // Unclosed, or closed and touching the next word (`"x"y` is two words to the grammar).
        if (j === n || (j + 1 < n && text.charCodeAt(j + 1) !== SPACE)) return false;
        this.starts[count] = i + 1;
        this.ends[count] = j;
        this.kinds[count++] = QUOTED;
        i = j + 1;
        continue;
      }
      const start = i;
      while (i < n && (c = text.charCodeAt(i)) !== SPACE) {
        // Most characters of a word are above the quote: one comparison tells them apart.
        if (c <= QUOTE && (c === QUOTE || isOtherBlank(c))) return false;
        i++;
      }
      this.starts[count] = start;
      this.ends[count] = i;
      this.kinds[count++] = i === start + 1 && text.charCodeAt(start) === 33 ? BANG : BARE;
    }
    this.kinds[count] = END;
    this.count = count;
    return true;
  }

  /** Room for twice as many words. */
  private grow(): void {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const kinds = new Uint8Array(size + 1);
    starts.set(this.starts);
    ends.set(this.ends);
    kinds.set(this.kinds);
    this.starts = starts;
    this.ends = ends;
    this.kinds = kinds;
  }

  private word(i: number): string {
    return this.text.slice(this.starts[i], this.ends[i]);
  }

  private baseOptionAt(i: number): BaseOption | undefined {
    return baseOptionIn(this.text, this.starts[i]!, this.ends[i]!);
  }

  /** What the word `i` of `-j`/`-g` names: one of the last few names again without a slice, or looked up. */
  private named(i: number, chains: ReadonlyMap<string, C>): RecentTarget<C> {
    const start = this.starts[i]!;
    const end = this.ends[i]!;
    const hit = this.recent.find(this.text, start, end, chains.size);
    if (hit) return hit;
    const name = this.text.slice(start, end);
    return this.recent.add(name, chains.get(name), chains.size);
  }

  /** The chain named by word 1: the last rule's again, or the next declared, without a slice when it is either. */
  private chainOf(chains: ReadonlyMap<string, C>): C | undefined {
    const start = this.starts[1]!;
    const end = this.ends[1]!;
    const last = this.lastChain;
    if (last !== undefined && end - start === last.name.length && this.text.startsWith(last.name, start)) return last;
    let chain = this.cursor.next(this.text, start, end);
    if (chain === undefined) {
      chain = chains.get(this.word(1));
      if (chain === undefined) return undefined;
      this.cursor.place(chain, chains);
    }
    this.lastChain = chain;
    return chain;
  }

  private is(i: number, word: string): boolean {
    return (
      this.kinds[i] === BARE &&
      this.ends[i]! - this.starts[i]! === word.length &&
      this.text.startsWith(word, this.starts[i])
    );
  }

  /** Where an extension's options starting at `from` end: at the next base option, after option values (rule-clauses.ts). */
  private optionsEnd(from: number, spec: ExtensionSpec | undefined): number {
    const { kinds, count: n } = this;
    const arities = spec && optionArities(spec);
    let i = from;
    while (i < n && !this.isBoundary(i)) {
      const arity =
        kinds[i] !== BARE || !arities ? undefined : optionArityIn(arities, this.text, this.starts[i]!, this.ends[i]!);
      i++;
      if (!arity) continue;
      if (kinds[i] === BANG) i++;
      i = Math.min(n, i + arity);
    }
    return i;
  }

  private isBoundary(i: number): boolean {
    const kind = this.kinds[i];
    if (kind === BANG) i++;
    // Every base option starts with `-`: most words of an extension's options are told apart by their first character.
    return (kind === BARE || (kind === BANG && this.kinds[i] === BARE)) && this.baseOptionAt(i) !== undefined;
  }

  /** The words `from`..`end` as written, from the first word's first character (its quote) to the last's last. */
  private written(from: number, end: number): string {
    const { starts, ends, kinds } = this;
    const last = end - 1;
    return this.text.slice(
      starts[from]! - (kinds[from] === QUOTED ? 1 : 0),
      ends[last]! + (kinds[last] === QUOTED ? 1 : 0),
    );
  }

  /** A match's or target's options, read by the extension engine the first time its text is met; undefined on any problem. */
  private extension<T extends Match | Target>(
    cache: Map<string, T>,
    spec: ExtensionSpec<T>,
    name: number,
    from: number,
    end: number,
    target: boolean,
  ): T | undefined {
    const interned = !target || spec.name !== 'DNAT';
    const key = interned ? this.written(name, end) : '';
    const hit = interned ? cache.get(key) : undefined;
    if (hit) return hit;
    const { kinds } = this;
    // Two calls rather than one of a function passed in: each call site stays monomorphic for the optimizer.
    const handRead =
      end - from !== 2 || kinds[from] !== BARE || kinds[from + 1] === BANG
        ? undefined
        : ((target
            ? handTarget(spec.name, this.word(from), this.word(from + 1), this.family)
            : handMatch(spec.name, this.word(from), this.word(from + 1))) as T | undefined);
    if (handRead) {
      if (interned) cache.set(key, handRead);
      return handRead;
    }
    const words: WordSyntax[] = [];
    for (let i = from; i < end; i++) {
      const kind = kinds[i];
      words.push({
        text: this.word(i),
        column: this.starts[i]! - this.from + (kind === QUOTED ? 0 : 1),
        bang: kind === BANG,
        quoted: kind === QUOTED,
        unterminated: false,
      });
    }
    const result = readExtensionOptions(spec, words, this.family, this.starts[name]! - this.from + 1);
    if (isProblem(result)) return undefined;
    const value = result;
    if (hasUnknownNatAddress(value)) return undefined;
    if (interned) cache.set(key, value);
    return value;
  }

  /** A base option's value (extract.ts applyBase): null when it matches every packet, undefined on any problem. */
  private base(field: BaseField, negated: boolean, from: number, value: number): Opt<unknown> | null | undefined {
    const interned = field !== 'source' || negated || !this.isHost(value);
    const key = interned ? this.written(from, value + 1) : '';
    const hit = interned ? this.options.get(key) : undefined;
    if (hit !== undefined) return hit;
    const text = this.word(value);
    let v: unknown;
    switch (field) {
      case 'source':
      case 'destination': {
        const a = parseRuleAddress(text, this.family);
        if (isProblem(a) || 'unknown' in a || a.family !== this.family) return undefined;
        // `-s 0.0.0.0/0` matches everything; iptables-save leaves it out.
        v = a.prefix === 0 && !a.mask && !negated ? null : a;
        break;
      }
      case 'protocol':
        v = canonicalProtocol(text);
        break;
      case 'inInterface':
      case 'outInterface':
        v = text;
        break;
      default:
        return field satisfies never;
    }
    const opt = v === null ? null : { negated, value: v };
    if (interned) this.options.set(key, opt);
    return opt;
  }

  /** Whether word `i` ends in a host's prefix length (`/32`, `/128`). */
  private isHost(i: number): boolean {
    const { text } = this;
    const end = this.ends[i]!;
    return this.family === 'ipv4'
      ? end - this.starts[i]! > 3 && text.startsWith('/32', end - 3)
      : end - this.starts[i]! > 4 && text.startsWith('/128', end - 4);
  }

  /** A target jumping or going to `to`, named by the chain's own string: a word of the line would keep its chunk alive. */
  private jump(to: C, goto: boolean): Target {
    const jump: JumpTarget = { kind: 'jump', chain: to.name, goto };
    linkJump(jump, to);
    return jump;
  }
}

/** The rule fields a base option sets. */
type BaseField = Exclude<RuleField, 'target'>;

/**
 * The rule's field a base option sets, by switch (see rule-shapes.ts digitOf); undefined for the options the fast
 * path declines (`-f`, `-c`) or reads elsewhere (`-m`, `-j`, `-g`).
 */
function baseField(option: BaseOption): BaseField | undefined {
  switch (option) {
    case 's':
      return 'source';
    case 'd':
      return 'destination';
    case 'i':
      return 'inInterface';
    case 'o':
      return 'outInterface';
    case 'p':
      return 'protocol';
    case 'f':
    case 'c':
    case 'm':
    case 'j':
    case 'g':
      return undefined;
    default:
      return option satisfies never;
  }
}

/** A masked address in DNAT/SNAT's ranges: the grammar keeps the rule with a warning. */
function hasUnknownNatAddress(record: Match | Target): boolean {
  if (!('kind' in record)) return false;
  const ranges = record.kind === 'DNAT' ? record.toDestination : record.kind === 'SNAT' ? record.toSource : undefined;
  return ranges?.some((r) => isUnknownAddress(r.addresses)) ?? false;
}
