/**
 * Statements and expressions of one rule (or one set's elements) from its tokens. Recursive descent over the
 * line's tokens: where it meets something it does not know, the rest of the statement list is kept verbatim
 * as one opaque statement with a warning, so nothing is dropped and the rule prints back as it was.
 */
import type { NftCounterValue, NftElement, NftExpr, NftRelOp, NftStmt, NftVerdictStmt } from '../../src/model/nft';
import type { NftToken } from './syntax';
import {
  BARE_META,
  BINOPS,
  CT_DIRECTIONS,
  KEYWORD_STMTS,
  NAT_FLAGS,
  PAYLOAD_FIELDS,
  RELOPS,
  STMT_WORDS,
} from './vocabulary';

/** Thrown inside the reader where the tokens are not what nft prints; `at` indexes the cursor's tokens. */
export class Unknown extends Error {
  constructor(
    readonly at: number,
    readonly why: string,
  ) {
    super(why);
  }
}

export interface RuleRead {
  readonly stmts: NftStmt[];
  readonly comment?: string;
  /** Where the reader gave up (the opaque statement starts there) and why. */
  readonly problem?: { readonly column: number; readonly message: string };
}

/** Tokens as text the way nft prints them: strings quoted, one blank between tokens, `,` glued to the word before. */
export function tokensText(tokens: readonly NftToken[]): string {
  let out = '';
  for (const t of tokens) {
    const text = t.kind === 'string' ? `"${t.text}"` : t.kind === 'open-quote' ? `"${t.text}` : t.text;
    out += out === '' || t.kind === 'comma' ? text : ` ${text}`;
  }
  return out;
}

export class TokenCursor {
  i = 0;
  constructor(readonly tokens: readonly NftToken[]) {}

  peek(k = 0): NftToken | undefined {
    return this.tokens[this.i + k];
  }
  word(k = 0): string | undefined {
    const t = this.tokens[this.i + k];
    return t?.kind === 'word' ? t.text : undefined;
  }
  next(): NftToken {
    const t = this.tokens[this.i];
    if (!t) throw new Unknown(this.i, 'the statement ends too early');
    this.i++;
    return t;
  }
  expectWord(what: string): string {
    const t = this.next();
    if (t.kind !== 'word') throw new Unknown(this.i - 1, `expected ${what}`);
    return t.text;
  }
  expect(word: string): void {
    if (this.word() !== word) throw new Unknown(this.i, `expected '${word}'`);
    this.i++;
  }
  get done(): boolean {
    return this.i >= this.tokens.length;
  }
}

export function readRule(tokens: readonly NftToken[]): RuleRead {
  let end = tokens.length;
  let comment: string | undefined;
  const last = tokens[end - 1];
  if (last?.kind === 'string' && tokens[end - 2]?.kind === 'word' && tokens[end - 2]!.text === 'comment') {
    comment = last.text;
    end -= 2;
  }
  const c = new TokenCursor(tokens.slice(0, end));
  const stmts: NftStmt[] = [];
  while (!c.done) {
    const start = c.i;
    // Blanks beyond one between statements: statements nft printed as nothing (NftStmt 'hidden').
    for (let h = c.peek()!.gap - (start === 0 ? 0 : 1); h > 0; h--) stmts.push({ kind: 'hidden' });
    try {
      stmts.push(statement(c));
    } catch (e) {
      if (!(e instanceof Unknown)) throw e;
      const rest = c.tokens.slice(start);
      stmts.push({ kind: 'opaque', text: tokensText(rest) });
      const at = c.tokens[Math.min(e.at, c.tokens.length - 1)] ?? rest[0]!;
      return {
        stmts,
        ...(comment !== undefined ? { comment } : {}),
        problem: { column: at.column, message: `${e.why}: '${tokensText(rest)}' kept as an opaque statement` },
      };
    }
  }
  return comment !== undefined ? { stmts, comment } : { stmts };
}

function statement(c: TokenCursor): NftStmt {
  const t = c.peek()!;
  if (t.kind !== 'word') throw new Unknown(c.i, 'a statement starts with a word');
  const w = t.text;
  switch (w) {
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
    case 'jump':
    case 'goto':
      return verdict(c);
    case 'counter':
      return counter(c);
    case 'reject':
      return reject(c);
    case 'dnat':
    case 'snat':
    case 'masquerade':
    case 'redirect':
      return nat(c, w);
    case 'notrack':
      c.i++;
      return { kind: 'notrack' };
    case 'xt': {
      c.i++;
      const type = c.expectWord('match or target');
      if (type !== 'match' && type !== 'target') throw new Unknown(c.i - 1, 'xt needs match or target');
      return { kind: 'xt', type, name: c.expectWord('an extension name') };
    }
    case 'update':
    case 'add':
    case 'delete':
      if (c.word(1)?.startsWith('@')) return setUpdate(c, w);
      break;
  }
  if (KEYWORD_STMTS.has(w)) return keyword(c, w as Extract<NftStmt, { kind: 'keyword' }>['keyword']);
  if (
    (w === 'ct' && c.word(1) === 'helper') ||
    (w === 'ct' && c.word(1) === 'count') ||
    (w === 'ct' && c.word(1) === 'timeout') ||
    (w === 'ct' && c.word(1) === 'expectation')
  ) {
    if (c.word(2) !== 'set') return keyword(c, 'ct');
  }
  const left = expression(c, 'left');
  const after = c.word();
  if (after === 'set') {
    c.i++;
    return { kind: 'set-value', target: left, value: expression(c, 'value') };
  }
  if (after === 'vmap') {
    c.i++;
    return { kind: 'vmap', key: left, map: primary(c, 'value') };
  }
  if (after !== undefined && RELOPS.has(after)) {
    c.i++;
    return { kind: 'match', left, op: after as NftRelOp, right: expression(c, 'value') };
  }
  if (c.done) throw new Unknown(c.i, 'a match needs a value');
  return { kind: 'match', left, right: expression(c, 'value') };
}

function verdict(c: TokenCursor): NftVerdictStmt {
  const w = c.expectWord('a verdict');
  if (w === 'jump' || w === 'goto') {
    const target = c.next();
    if (target.kind !== 'word' && target.kind !== 'string') throw new Unknown(c.i - 1, `${w} needs a chain`);
    return target.kind === 'string'
      ? { kind: 'verdict', verdict: w, chain: target.text, quoted: true }
      : { kind: 'verdict', verdict: w, chain: target.text };
  }
  if (w === 'accept' || w === 'drop' || w === 'continue' || w === 'return') return { kind: 'verdict', verdict: w };
  throw new Unknown(c.i - 1, 'expected a verdict');
}

function counterValue(c: TokenCursor): NftCounterValue | undefined {
  if (c.word() !== 'packets' || c.word(2) !== 'bytes') return undefined;
  const packets = c.tokens[c.i + 1]!.text;
  const bytes = c.tokens[c.i + 3]?.text;
  if (bytes === undefined) throw new Unknown(c.i + 3, 'counter bytes needs a number');
  c.i += 4;
  return { packets, bytes };
}

function counter(c: TokenCursor): NftStmt {
  c.i++;
  if (c.word() === 'name') {
    c.i++;
    return { kind: 'counter', name: primary(c, 'value') };
  }
  const value = counterValue(c);
  return value ? { kind: 'counter', value } : { kind: 'counter' };
}

function reject(c: TokenCursor): NftStmt {
  c.i++;
  if (c.word() !== 'with') return { kind: 'reject' };
  c.i++;
  const proto = c.expectWord('a reject type');
  if (proto === 'tcp') return { kind: 'reject', with: `tcp ${c.expectWord('reset')}` };
  if (c.word() === 'type') {
    c.i++;
    return { kind: 'reject', with: `${proto} type ${c.expectWord('an icmp type')}` };
  }
  return { kind: 'reject', with: `${proto} ${c.expectWord('an icmp type')}` };
}

function nat(c: TokenCursor, which: 'dnat' | 'snat' | 'masquerade' | 'redirect'): NftStmt {
  c.i++;
  let family: string | undefined;
  if ((c.word() === 'ip' || c.word() === 'ip6') && c.word(1) === 'to') family = c.expectWord('a family');
  let addr: NftExpr | undefined;
  if (c.word() === 'to') {
    c.i++;
    addr = expression(c, 'value');
  }
  const flags: string[] = [];
  while (
    c.word() !== undefined &&
    c
      .word()!
      .split(',')
      .every((f) => NAT_FLAGS.has(f))
  )
    flags.push(c.expectWord('a flag'));
  return { kind: 'nat', nat: which, ...(family ? { family } : {}), ...(addr ? { addr } : {}), flags };
}

function setUpdate(c: TokenCursor, op: 'add' | 'update' | 'delete'): NftStmt {
  c.i++;
  const set = c.expectWord('a set').slice(1);
  const block = primary(c, 'value');
  if (block.kind !== 'set' || block.elements.length !== 1)
    throw new Unknown(c.i - 1, `${op} @${set} needs one element in braces`);
  return { kind: 'set-update', op, set, element: block.elements[0]! };
}

/** A statement whose options are kept as printed, up to the next statement or the rule's end. */
function keyword(c: TokenCursor, kw: Extract<NftStmt, { kind: 'keyword' }>['keyword']): NftStmt {
  c.i++;
  const args: string[] = [];
  while (!c.done) {
    const t = c.peek()!;
    // `flow add @ft`, `ct count over 2`: the first argument may itself be a statement word.
    if (
      (t.kind === 'word' && args.length > 0 && (STMT_WORDS.has(t.text) || startsExpression(c))) ||
      (kw === 'flow' && args.length === 2)
    )
      break;
    if (t.kind !== 'word' && t.kind !== 'string') throw new Unknown(c.i, `unexpected '${t.text}' in ${kw}`);
    args.push(t.kind === 'string' ? `"${t.text}"` : t.text);
    c.i++;
  }
  return { kind: 'keyword', keyword: kw, args };
}

/** Whether a selector starts here (`numgen …`, `ip saddr`), which ends a keyword statement's options. */
function startsExpression(c: TokenCursor): boolean {
  const w = c.word()!;
  const next = c.word(1);
  return (
    EXPRESSION_WORDS.has(w) || (Object.hasOwn(PAYLOAD_FIELDS, w) && next !== undefined && PAYLOAD_FIELDS[w]!.has(next))
  );
}

const EXPRESSION_WORDS = new Set(['meta', 'ct', 'fib', 'numgen', 'jhash', 'symhash', ...BARE_META]);

type Position = 'left' | 'value';

/** expr := concat ('map' primary)? ; concat := binop ('.' binop)* ; binop := primary (OP primary)*. */
export function expression(c: TokenCursor, pos: Position): NftExpr {
  const parts = [binop(c, pos)];
  while (c.word() === '.') {
    c.i++;
    parts.push(binop(c, pos));
  }
  const key: NftExpr = parts.length === 1 ? parts[0]! : { kind: 'concat', parts };
  if (c.word() === 'map') {
    c.i++;
    return { kind: 'map', key, data: primary(c, 'value') };
  }
  return key;
}

function binop(c: TokenCursor, pos: Position): NftExpr {
  let left = primary(c, pos);
  for (let w = c.word(); w !== undefined && Object.hasOwn(BINOPS, w); w = c.word()) {
    c.i++;
    const { op, spelled } = BINOPS[w]!;
    left = { kind: 'binop', op, left, right: primary(c, 'value'), ...(spelled ? { spelled } : {}) };
  }
  return left;
}

function primary(c: TokenCursor, pos: Position): NftExpr {
  const t = c.next();
  switch (t.kind) {
    case 'string':
      return { kind: 'literal', text: t.text, quoted: true };
    case 'lbrace':
      return { kind: 'set', elements: elementsUntilBrace(c) };
    case 'word':
      break;
    default:
      throw new Unknown(c.i - 1, `unexpected '${t.text}'`);
  }
  const w = t.text;
  if (w.startsWith('@') && w.length > 1 && !w.includes(',')) return { kind: 'ref', name: w.slice(1) };
  const field = c.word();
  if (Object.hasOwn(PAYLOAD_FIELDS, w) && field !== undefined && PAYLOAD_FIELDS[w]!.has(field)) {
    c.i++;
    return { kind: 'payload', protocol: w, field };
  }
  switch (w) {
    case 'meta':
      return { kind: 'meta', key: c.expectWord('a meta key'), bare: false };
    case 'ct':
      return ct(c);
    case 'fib':
      return fib(c);
    case 'numgen': {
      const mode = c.expectWord('random or inc');
      c.expect('mod');
      const mod = c.expectWord('a modulus');
      return c.word() === 'offset'
        ? (c.i++, { kind: 'numgen', mode, mod, offset: c.expectWord('an offset') })
        : { kind: 'numgen', mode, mod };
    }
    case 'jhash':
    case 'symhash':
      return hash(c, w);
    case 'jump':
    case 'goto':
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
      if (pos === 'value') {
        c.i--;
        return { kind: 'verdict', verdict: verdict(c) };
      }
  }
  if (
    BARE_META.has(w) &&
    (pos === 'left' || w === 'mark' || w === 'iifname' || w === 'oifname' || w === 'iif' || w === 'oif')
  ) {
    if (pos === 'left' || isSelectorContext(c)) return { kind: 'meta', key: w, bare: true };
  }
  if (pos === 'left') throw new Unknown(c.i - 1, `unknown expression '${w}'`);
  return { kind: 'literal', text: w };
}

/** In a value position, `mark` is the packet mark only when an operator or the end of a value follows it. */
function isSelectorContext(c: TokenCursor): boolean {
  const next = c.word();
  return next !== undefined && (Object.hasOwn(BINOPS, next) || next === '.' || next === 'map');
}

function ct(c: TokenCursor): NftExpr {
  let direction: 'original' | 'reply' | undefined;
  const d = c.word();
  if (d !== undefined && CT_DIRECTIONS.has(d)) {
    c.i++;
    direction = d as 'original' | 'reply';
  }
  let protocol: string | undefined;
  const p = c.word();
  if ((p === 'ip' || p === 'ip6') && c.word(1) !== undefined) {
    c.i++;
    protocol = p;
  }
  const key = c.expectWord('a ct key');
  return { kind: 'ct', key, ...(direction ? { direction } : {}), ...(protocol ? { protocol } : {}) };
}

function fib(c: TokenCursor): NftExpr {
  const flags = [c.expectWord('a fib flag')];
  while (c.word() === '.') {
    c.i++;
    flags.push(c.expectWord('a fib flag'));
  }
  return { kind: 'fib', flags, result: c.expectWord('type, oif or oifname') };
}

function hash(c: TokenCursor, fn: 'jhash' | 'symhash'): NftExpr {
  let expr: NftExpr | undefined;
  if (fn === 'jhash') {
    const parts = [binop(c, 'left')];
    while (c.word() === '.') {
      c.i++;
      parts.push(binop(c, 'left'));
    }
    expr = parts.length === 1 ? parts[0]! : { kind: 'concat', parts };
  }
  c.expect('mod');
  const mod = c.expectWord('a modulus');
  let seed: string | undefined;
  let offset: string | undefined;
  if (c.word() === 'seed') {
    c.i++;
    seed = c.expectWord('a seed');
  }
  if (c.word() === 'offset') {
    c.i++;
    offset = c.expectWord('an offset');
  }
  return {
    kind: 'hash',
    function: fn,
    ...(expr ? { expr } : {}),
    mod,
    ...(seed ? { seed } : {}),
    ...(offset ? { offset } : {}),
  };
}

/** Elements after `{` up to the matching `}`: `key [attrs] [: value]` separated by `,`. */
export function elementsUntilBrace(c: TokenCursor): NftElement[] {
  const elements: NftElement[] = [];
  if (c.peek()?.kind === 'rbrace') {
    c.i++;
    return elements;
  }
  for (;;) {
    elements.push(element(c));
    const t = c.next();
    if (t.kind === 'rbrace') return elements;
    if (t.kind !== 'comma') throw new Unknown(c.i - 1, `expected ',' or '}' after an element, not '${t.text}'`);
  }
}

function element(c: TokenCursor): NftElement {
  const key = expression(c, 'value');
  const attrs: { -readonly [K in keyof NftElement]: NftElement[K] } = { key };
  for (;;) {
    const w = c.word();
    if (w === 'timeout') {
      c.i++;
      attrs.timeout = c.expectWord('a timeout');
      continue;
    }
    if (w === 'expires') {
      c.i++;
      attrs.expires = c.expectWord('a time');
      continue;
    }
    if (w === 'counter') {
      c.i++;
      const value = counterValue(c);
      if (!value) throw new Unknown(c.i, 'an element counter needs packets and bytes');
      attrs.counter = value;
      continue;
    }
    if (w === 'comment' && c.peek(1)?.kind === 'string') {
      c.i++;
      attrs.comment = c.next().text;
      continue;
    }
    break;
  }
  if (c.word() === ':') {
    c.i++;
    attrs.value = expression(c, 'value');
  }
  return attrs;
}
