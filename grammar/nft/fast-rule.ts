/**
 * A hand reader for the rule lines kube-proxy's nftables mode writes (`ip daddr A ip saddr != P jump C`,
 * `meta l4proto tcp dnat to A:P`, `numgen random mod 2 vmap { 0 : goto C, 1 : goto D }`, `update @s { ip saddr }`,
 * `fib saddr type local goto C`): the same statements the rule grammar (rule-parser.ts) makes, without its
 * lookahead and alternatives per token. It declines (returns undefined) every line it is not sure of, which the
 * grammar then reads; test/grammar/nft/fast-rule.test.ts holds it to the grammar over every listing we have.
 */
import type { NftElement, NftExpr, NftRelOp, NftStmt } from '../../src/model/nft';
import { isKeyword } from './rule-tokens';
import type { NftToken } from './syntax';
import { NAT_FLAGS, NAT_KINDS, PAYLOAD_FIELDS, PLAIN_VERDICTS, REL_OPS, SET_OPS } from './vocabulary';

/** Thrown where the line is not one of the shapes read here: the grammar reads it instead. */
const DECLINE = Symbol('decline');

/** The statements of `tokens[0, end)`, or undefined where the grammar must read them. */
export function fastStatements(tokens: readonly NftToken[], end: number): NftStmt[] | undefined {
  if (end === 0) return undefined;
  const r = new Reader(tokens, end);
  try {
    const stmts: NftStmt[] = [];
    while (r.i < end) {
      // Extra blanks before a statement are statements nft printed as nothing: the grammar counts them.
      if (tokens[r.i]!.gap !== (r.i === 0 ? 0 : 1)) return undefined;
      stmts.push(r.statement());
    }
    return stmts;
  } catch (e) {
    if (e === DECLINE) return undefined;
    throw e;
  }
}

class Reader {
  i = 0;
  constructor(
    private readonly tokens: readonly NftToken[],
    private readonly end: number,
  ) {}

  /** The text of the word at `at`, or undefined for the end or another kind of token. */
  private wordAt(at: number): string | undefined {
    const t = at < this.end ? this.tokens[at] : undefined;
    return t?.kind === 'word' ? t.text : undefined;
  }

  private word(): string {
    const w = this.wordAt(this.i);
    if (w === undefined) throw DECLINE;
    this.i++;
    return w;
  }

  private expect(kind: NftToken['kind']): void {
    if (this.i >= this.end || this.tokens[this.i]!.kind !== kind) throw DECLINE;
    this.i++;
  }

  statement(): NftStmt {
    const w = this.wordAt(this.i);
    if (w === undefined) throw DECLINE;
    if (PLAIN_VERDICTS.has(w) || w === 'jump' || w === 'goto') return this.verdict();
    if (NAT_KINDS.has(w)) return this.nat();
    if (SET_OPS.has(w)) return this.setUpdate();
    const left = this.selector();
    const next = this.wordAt(this.i);
    if (next === 'vmap') {
      this.i++;
      return { kind: 'vmap', key: left, map: this.valueSet() };
    }
    if (next !== undefined && REL_OPS.has(next)) {
      this.i++;
      return { kind: 'match', left, op: next as NftRelOp, right: this.value() };
    }
    return { kind: 'match', left, right: this.value() };
  }

  private verdict(): Extract<NftStmt, { kind: 'verdict' }> {
    const w = this.word();
    if (w === 'jump' || w === 'goto') return { kind: 'verdict', verdict: w, chain: this.word() };
    return { kind: 'verdict', verdict: w as 'accept' | 'drop' | 'continue' | 'return' };
  }

  /** `dnat to A:P`, `masquerade fully-random`: no family, an address that is one word. */
  private nat(): NftStmt {
    const nat = this.word() as 'dnat' | 'snat' | 'masquerade' | 'redirect';
    let addr: NftExpr | undefined;
    if (this.wordAt(this.i) === 'to') {
      this.i++;
      addr = this.literal();
    }
    const flags: string[] = [];
    for (let f = this.wordAt(this.i); f !== undefined && f.split(',').every((x) => NAT_FLAGS.has(x)); ) {
      flags.push(f);
      f = this.wordAt(++this.i);
    }
    return addr ? { kind: 'nat', nat, addr, flags } : { kind: 'nat', nat, flags };
  }

  /** `update @s { ip saddr }`. */
  private setUpdate(): NftStmt {
    const op = this.word() as 'add' | 'update' | 'delete';
    const ref = this.word();
    if (!isRef(ref)) throw DECLINE;
    this.expect('lbrace');
    const key = this.payload();
    this.expect('rbrace');
    this.ended();
    return { kind: 'set-update', op, set: ref.slice(1), element: { key } };
  }

  /** A statement's left side: a payload field, `meta KEY`, `fib FLAG RESULT` or `numgen MODE mod N`. */
  private selector(): NftExpr {
    const w = this.wordAt(this.i);
    let e: NftExpr;
    if (w === 'meta') {
      this.i++;
      e = { kind: 'meta', key: this.word(), bare: false };
    } else if (w === 'fib') {
      this.i++;
      const flag = this.word();
      if (this.wordAt(this.i) === '.') throw DECLINE;
      e = { kind: 'fib', flags: [flag], result: this.word() };
    } else if (w === 'numgen') {
      this.i++;
      const mode = this.word();
      if (this.word() !== 'mod') throw DECLINE;
      e = { kind: 'numgen', mode, mod: this.word() };
      if (this.wordAt(this.i) === 'offset') throw DECLINE;
    } else return this.payload();
    this.ended();
    return e;
  }

  private payload(): NftExpr {
    const protocol = this.wordAt(this.i);
    const field = this.wordAt(this.i + 1);
    if (protocol === undefined || field === undefined || isKeyword(protocol) || !payloadAt(protocol, field))
      throw DECLINE;
    this.i += 2;
    this.ended();
    return { kind: 'payload', protocol, field };
  }

  /** A right side: one word, `@set` or `{ word, … }`. */
  private value(): NftExpr {
    const t = this.i < this.end ? this.tokens[this.i]! : undefined;
    if (t?.kind === 'lbrace') return this.valueSet();
    if (t?.kind === 'word' && isRef(t.text)) {
      this.i++;
      this.ended();
      return { kind: 'ref', name: t.text.slice(1) };
    }
    return this.literal();
  }

  /** A word that is a value wherever it stands: no keyword, no `@set`, no payload field. */
  private literal(): NftExpr {
    const text = this.wordAt(this.i);
    if (text === undefined || isKeyword(text) || text.charCodeAt(0) === 64) throw DECLINE;
    const after = this.wordAt(this.i + 1);
    if (after !== undefined && payloadAt(text, after)) throw DECLINE;
    this.i++;
    this.ended();
    return { kind: 'literal', text };
  }

  /** `{ a, b }` of words, or `{ 0 : goto C, 1 : goto D }` of verdicts by word. */
  private valueSet(): NftExpr {
    this.expect('lbrace');
    const elements: NftElement[] = [];
    for (;;) {
      const key = this.literal();
      if (this.wordAt(this.i) === ':') {
        this.i++;
        const v = this.wordAt(this.i);
        if (v === undefined || !(PLAIN_VERDICTS.has(v) || v === 'jump' || v === 'goto')) throw DECLINE;
        elements.push({ key, value: { kind: 'verdict', verdict: this.verdict() } });
      } else elements.push({ key });
      const t = this.i < this.end ? this.tokens[this.i]! : undefined;
      this.i++;
      if (t?.kind === 'rbrace') break;
      if (t?.kind !== 'comma') throw DECLINE;
    }
    this.ended();
    return { kind: 'set', elements };
  }

  /** After an expression: nothing that would continue it (an operator, `.`, `map`). */
  private ended(): void {
    const w = this.wordAt(this.i);
    if (w !== undefined && isKeyword(w) && !STARTS.has(w)) throw DECLINE;
  }
}

/**
 * Keywords that may follow an expression read here: they start the next statement, a relation or a map's value,
 * and never continue the expression (as an operator, `.` or `map` would).
 */
const STARTS: ReadonlySet<string> = new Set([
  ':',
  ...PLAIN_VERDICTS,
  'jump',
  'goto',
  ...NAT_KINDS,
  ...SET_OPS,
  ...REL_OPS,
  'vmap',
  'meta',
  'fib',
  'numgen',
]);

const isRef = (w: string) => w.length > 1 && w.charCodeAt(0) === 64 && !w.includes(',');
const payloadAt = (a: string, b: string) => Object.hasOwn(PAYLOAD_FIELDS, a) && PAYLOAD_FIELDS[a]!.has(b);
