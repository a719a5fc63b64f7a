/**
 * `nft -j list ruleset` (libnftables JSON, libnftables-json(5), shared/reference/nftables.md §2.2) into the
 * same model as the text listing. The document is read whole (pretty-printed over many lines or on one), by a
 * small JSON reader that keeps each value's line and column, so problems name line:column and the model's
 * `line`s point into the JSON. Values keep what the JSON says (`16384`, not the listing's `0x00004000`;
 * priorities as numbers); what the JSON does not carry (comments with nft 1.0.6, the `dynamic` set flag,
 * `typeof`) is left out, never invented. Anything not known becomes an opaque statement with a warning.
 */
import type { Diagnostic } from '../../src/model/diagnostic';
import type {
  NftBaseChain,
  NftBody,
  NftChain,
  NftCounterValue,
  NftElement,
  NftExpr,
  NftFamily,
  NftFlowtable,
  NftLineAccount,
  NftLiteral,
  NftObject,
  NftPriority,
  NftRelOp,
  NftRule,
  NftSet,
  NftStmt,
  NftTable,
  NftVerdictStmt,
} from '../../src/model/nft';
import { ChainNames } from './chain-names';
import { NFT_FAMILIES } from '../../src/model/nft';
import { priorityText, resolvePriority } from '../../src/model/nft-priority';
import type { Chunk } from '../shared/chunks';
import type { DumpFormat, DumpReader, StopAt } from '../shared/reader';
import { sortDiagnostics } from '../shared/reader';
import { expr as printExpr } from './print';
import { REL_OPS } from './vocabulary';

// ---------------------------------------------------------------------------------------------------------
// A JSON reader that keeps positions.

interface Pos {
  readonly line: number;
  readonly column: number;
}
type JValue =
  | { readonly t: 'obj'; readonly pos: Pos; readonly entries: ReadonlyMap<string, JValue> }
  | { readonly t: 'arr'; readonly pos: Pos; readonly items: readonly JValue[] }
  | { readonly t: 'str'; readonly pos: Pos; readonly v: string }
  | { readonly t: 'num'; readonly pos: Pos; readonly v: number; readonly raw: string }
  | { readonly t: 'bool'; readonly pos: Pos; readonly v: boolean }
  | { readonly t: 'null'; readonly pos: Pos };

class JsonSyntaxError extends Error {
  constructor(
    readonly pos: Pos,
    message: string,
  ) {
    super(message);
  }
}

class JsonText {
  i = 0;
  line: number;
  lineStart = 0;
  constructor(
    readonly s: string,
    firstLine: number,
  ) {
    this.line = firstLine;
  }
  pos(): Pos {
    return { line: this.line, column: this.i - this.lineStart + 1 };
  }
  fail(message: string): never {
    throw new JsonSyntaxError(this.pos(), message);
  }
  blank(): void {
    for (;;) {
      const ch = this.s.charCodeAt(this.i);
      if (ch === 10) {
        this.i++;
        this.line++;
        this.lineStart = this.i;
      } else if (ch === 32 || ch === 9 || ch === 13) this.i++;
      else return;
    }
  }
  value(depth = 0): JValue {
    if (depth > 200) this.fail('JSON nested too deeply');
    this.blank();
    const pos = this.pos();
    const ch = this.s[this.i];
    if (ch === '{') {
      this.i++;
      const entries = new Map<string, JValue>();
      this.blank();
      if (this.s[this.i] === '}') return (this.i++, { t: 'obj', pos, entries });
      for (;;) {
        this.blank();
        if (this.s[this.i] !== '"') this.fail('expected a "key" in the object');
        const key = this.string();
        this.blank();
        if (this.s[this.i] !== ':') this.fail("expected ':' after the key");
        this.i++;
        entries.set(key, this.value(depth + 1));
        this.blank();
        const c = this.s[this.i++];
        if (c === '}') return { t: 'obj', pos, entries };
        if (c !== ',') {
          this.i--;
          this.fail("expected ',' or '}' in the object");
        }
      }
    }
    if (ch === '[') {
      this.i++;
      const items: JValue[] = [];
      this.blank();
      if (this.s[this.i] === ']') return (this.i++, { t: 'arr', pos, items });
      for (;;) {
        items.push(this.value(depth + 1));
        this.blank();
        const c = this.s[this.i++];
        if (c === ']') return { t: 'arr', pos, items };
        if (c !== ',') {
          this.i--;
          this.fail("expected ',' or ']' in the array");
        }
      }
    }
    if (ch === '"') return { t: 'str', pos, v: this.string() };
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 40));
    if (m) return ((this.i += m[0].length), { t: 'num', pos, v: Number(m[0]), raw: m[0] });
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v === null ? { t: 'null', pos } : { t: 'bool', pos, v };
      }
    }
    return this.fail(ch === undefined ? 'the JSON ends too early' : `unexpected '${ch}' in JSON`);
  }
  string(): string {
    const start = this.i;
    this.i++;
    let out = '';
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined || c === '\n') return ((this.i = start), this.fail('string not closed'));
      this.i++;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      const simple: Record<string, string> = {
        '"': '"',
        '\\': '\\',
        '/': '/',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
      };
      if (e !== undefined && simple[e] !== undefined) out += simple[e];
      else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i, this.i + 4))) {
        out += String.fromCharCode(parseInt(this.s.slice(this.i, this.i + 4), 16));
        this.i += 4;
      } else {
        this.i--;
        this.fail('bad escape in a string');
      }
    }
  }
}

/** Parses a whole JSON text; lines count from `firstLine`. Throws JsonSyntaxError. */
function parseJson(text: string, firstLine = 1): JValue {
  const j = new JsonText(text, firstLine);
  const v = j.value();
  j.blank();
  if (j.i < text.length) j.fail('text after the end of the JSON document');
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// JSON values → model.

class Skip extends Error {
  constructor(
    readonly pos: Pos,
    message: string,
  ) {
    super(message);
  }
}

const get = (o: JValue, key: string): JValue | undefined => (o.t === 'obj' ? o.entries.get(key) : undefined);
const str = (v: JValue | undefined): string | undefined => (v?.t === 'str' ? v.v : v?.t === 'num' ? v.raw : undefined);
const num = (v: JValue | undefined): number | undefined => (v?.t === 'num' ? v.v : undefined);
/** The one key of `{"kind": {…}}`. */
function single(v: JValue): [string, JValue] | undefined {
  if (v.t !== 'obj' || v.entries.size !== 1) return undefined;
  return [...v.entries][0]!;
}
function need(o: JValue, key: string, what = key): string {
  const v = str(get(o, key));
  if (v === undefined) throw new Skip(o.pos, `expected "${key}" (${what})`);
  return v;
}

/** Compact JSON of a value, for opaque statements. */
function plain(v: JValue): unknown {
  switch (v.t) {
    case 'obj':
      return Object.fromEntries([...v.entries].map(([k, x]) => [k, plain(x)]));
    case 'arr':
      return v.items.map(plain);
    case 'null':
      return null;
    case 'num':
      return v.v;
    case 'str':
    case 'bool':
      return v.v;
  }
}
const jsonText = (v: JValue) => JSON.stringify(plain(v));

/** Seconds (or milliseconds where the JSON gives a fraction) as nft prints a time: `3h`, `2h59m56s`, `1d`. */
function nftTime(seconds: number): string {
  let ms = Math.round(seconds * 1000);
  if (ms === 0) return '0s';
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(ms / size);
    if (n > 0) out += `${n}${unit}`;
    ms -= n * size;
  }
  return out;
}

const UNQUALIFIED_META = new Set(['iif', 'oif', 'iifname', 'oifname', 'iifgroup', 'oifgroup']);
const BINOP_KEYS = new Set(['&', '|', '^', '<<', '>>']);
// nft prints set flags in this order (`flags dynamic,timeout`, `flags interval,timeout`).
const SET_FLAG_ORDER = ['constant', 'dynamic', 'interval', 'timeout'];

const DEFAULT_REJECT: Partial<Record<NftFamily, string>> = {
  ip: 'icmp port-unreachable',
  ip6: 'icmpv6 port-unreachable',
  inet: 'icmpx port-unreachable',
  bridge: 'icmpx port-unreachable',
};

const lit = (text: string): NftLiteral => ({ kind: 'literal', text });

function verdictOf(key: string, v: JValue): NftVerdictStmt | undefined {
  if (key === 'accept' || key === 'drop' || key === 'continue' || key === 'return')
    return { kind: 'verdict', verdict: key };
  if (key === 'jump' || key === 'goto') return { kind: 'verdict', verdict: key, chain: need(v, 'target', 'a chain') };
  return undefined;
}

function scalarText(v: JValue): string | undefined {
  if (v.t === 'str' || v.t === 'bool') return String(v.v);
  if (v.t === 'num') return v.raw;
  return undefined;
}

function expr(v: JValue): NftExpr {
  if (v.t === 'str') return v.v.startsWith('@') && v.v.length > 1 ? { kind: 'ref', name: v.v.slice(1) } : lit(v.v);
  const s = scalarText(v);
  if (s !== undefined) return lit(s);
  // A list of flags or symbols (`ct state { established, related }` printed `established,related`).
  if (v.t === 'arr') {
    const parts = v.items.map(scalarText);
    if (parts.every((p) => p !== undefined)) return lit(parts.join(','));
    return { kind: 'set', elements: v.items.map(element) };
  }
  const one = single(v);
  if (!one) throw new Skip(v.pos, 'expected an expression object with one key');
  const [k, x] = one;
  switch (k) {
    case 'payload': {
      const protocol = str(get(x, 'protocol'));
      const field = str(get(x, 'field'));
      if (protocol !== undefined && field !== undefined) return { kind: 'payload', protocol, field };
      const base = str(get(x, 'base'));
      if (base !== undefined) return lit(`@${base},${need(x, 'offset')},${need(x, 'len')}`);
      throw new Skip(x.pos, 'payload needs protocol and field');
    }
    case 'meta': {
      const key = need(x, 'key', 'a meta key');
      return { kind: 'meta', key, bare: UNQUALIFIED_META.has(key) };
    }
    case 'ct': {
      const dir = str(get(x, 'dir'));
      const family = str(get(x, 'family'));
      return {
        kind: 'ct',
        key: need(x, 'key', 'a ct key'),
        ...(dir === 'original' || dir === 'reply' ? { direction: dir } : {}),
        ...(family ? { protocol: family } : {}),
      };
    }
    case 'fib': {
      const flags = get(x, 'flags');
      const list = flags?.t === 'arr' ? flags.items.map((f) => str(f) ?? '?') : flags ? [str(flags) ?? '?'] : [];
      return { kind: 'fib', flags: list, result: need(x, 'result', 'type, oif or oifname') };
    }
    case 'numgen': {
      const offset = str(get(x, 'offset'));
      return {
        kind: 'numgen',
        mode: need(x, 'mode'),
        mod: need(x, 'mod'),
        ...(offset !== undefined && offset !== '0' ? { offset } : {}),
      };
    }
    case 'jhash':
    case 'symhash': {
      const e = get(x, 'expr');
      const seed = str(get(x, 'seed'));
      const offset = str(get(x, 'offset'));
      return {
        kind: 'hash',
        function: k,
        ...(e ? { expr: expr(e) } : {}),
        mod: need(x, 'mod'),
        ...(seed !== undefined ? { seed } : {}),
        ...(offset !== undefined && offset !== '0' ? { offset } : {}),
      };
    }
    case 'concat':
      if (x.t !== 'arr') throw new Skip(x.pos, 'concat needs a list');
      return { kind: 'concat', parts: x.items.map(expr) };
    case 'set':
      if (x.t === 'arr') return { kind: 'set', elements: x.items.map(element) };
      return { kind: 'set', elements: [element(x)] };
    case 'map': {
      const key = get(x, 'key');
      const data = get(x, 'data');
      if (!key || !data) throw new Skip(x.pos, 'map needs key and data');
      return { kind: 'map', key: expr(key), data: expr(data) };
    }
    case 'prefix':
      return lit(`${need(x, 'addr', 'an address')}/${need(x, 'len', 'a length')}`);
    case 'range': {
      if (x.t !== 'arr' || x.items.length !== 2) throw new Skip(x.pos, 'range needs two values');
      const [a, b] = x.items.map((i) => scalarText(i));
      if (a === undefined || b === undefined) throw new Skip(x.pos, 'range needs two plain values');
      return lit(`${a}-${b}`);
    }
    case 'elem':
      return element(v).key;
  }
  if (BINOP_KEYS.has(k)) {
    if (x.t !== 'arr' || x.items.length !== 2) throw new Skip(x.pos, `'${k}' needs two operands`);
    return { kind: 'binop', op: k as '&', left: expr(x.items[0]!), right: expr(x.items[1]!) };
  }
  const verdict = verdictOf(k, x);
  if (verdict) return { kind: 'verdict', verdict };
  throw new Skip(v.pos, `unknown expression '${k}'`);
}

/** A set element: a value, `{"elem": {"val": …, "timeout": …}}`, or a map's `[key, value]`. */
function element(v: JValue): NftElement {
  if (v.t === 'arr' && v.items.length === 2) {
    const key = element(v.items[0]!);
    return { ...key, value: expr(v.items[1]!) };
  }
  const e = get(v, 'elem');
  if (!e || v.t !== 'obj' || v.entries.size !== 1) return { key: expr(v) };
  const val = get(e, 'val');
  if (!val) throw new Skip(e.pos, 'elem needs "val"');
  const timeout = num(get(e, 'timeout'));
  const expires = num(get(e, 'expires'));
  const counter = counterValue(get(e, 'counter'));
  const comment = str(get(e, 'comment'));
  return {
    key: expr(val),
    ...(timeout !== undefined ? { timeout: nftTime(timeout) } : {}),
    ...(expires !== undefined ? { expires: nftTime(expires) } : {}),
    ...(counter ? { counter } : {}),
    ...(comment !== undefined ? { comment } : {}),
  };
}

function counterValue(v: JValue | undefined): NftCounterValue | undefined {
  if (!v || v.t !== 'obj') return undefined;
  const packets = str(get(v, 'packets'));
  const bytes = str(get(v, 'bytes'));
  return packets !== undefined && bytes !== undefined ? { packets, bytes } : undefined;
}

/** `ip daddr 10.0.0.0/8` is printed with no operator; nft prints `==` only after a bitwise left side. */
function match(x: JValue): NftStmt {
  const op = str(get(x, 'op')) ?? '==';
  const l = get(x, 'left');
  const r = get(x, 'right');
  if (!l || !r) throw new Skip(x.pos, 'match needs left and right');
  const left = expr(l);
  const right = expr(r);
  if (op === 'in' || (op === '==' && left.kind !== 'binop')) return { kind: 'match', left, right };
  if (!REL_OPS.has(op)) throw new Skip(x.pos, `unknown match operator '${op}'`);
  return { kind: 'match', left, op: op as NftRelOp, right };
}

function flagList(v: JValue | undefined): string[] {
  if (!v) return [];
  if (v.t === 'arr') return v.items.map((i) => str(i) ?? '?');
  const s = str(v);
  return s === undefined ? [] : [s];
}

function statement(v: JValue, family: NftFamily): NftStmt {
  const one = single(v);
  if (!one) throw new Skip(v.pos, 'expected a statement object with one key');
  const [k, x] = one;
  const verdict = verdictOf(k, x);
  if (verdict) return verdict;
  switch (k) {
    case 'match':
      return match(x);
    case 'counter': {
      if (x.t === 'null') return { kind: 'counter' };
      if (x.t === 'str') return { kind: 'counter', name: { kind: 'literal', text: x.v, quoted: true } };
      const value = counterValue(x);
      return value ? { kind: 'counter', value } : { kind: 'counter' };
    }
    case 'reject': {
      if (x.t === 'null') return { kind: 'reject' };
      const type = str(get(x, 'type'));
      const e = str(get(x, 'expr'));
      const w = e === undefined ? type : `${type} ${e}`;
      // The listing leaves out the family's default (`reject` alone for icmp port-unreachable in ip).
      if (type === undefined || w === DEFAULT_REJECT[family]) return { kind: 'reject' };
      return { kind: 'reject', with: w };
    }
    case 'mangle': {
      const key = get(x, 'key');
      const value = get(x, 'value');
      if (!key || !value) throw new Skip(x.pos, 'mangle needs key and value');
      return { kind: 'set-value', target: expr(key), value: expr(value) };
    }
    case 'vmap': {
      const key = get(x, 'key');
      const data = get(x, 'data');
      if (!key || !data) throw new Skip(x.pos, 'vmap needs key and data');
      return { kind: 'vmap', key: expr(key), map: expr(data) };
    }
    case 'dnat':
    case 'snat':
    case 'masquerade':
    case 'redirect': {
      const family = str(get(x, 'family'));
      const a = get(x, 'addr');
      const p = get(x, 'port');
      let addr: NftExpr | undefined = a ? expr(a) : undefined;
      let port: NftExpr | undefined;
      if (p) {
        const pe = expr(p);
        // The listing prints `to ADDR:PORT` (`[ADDR]:PORT` for IPv6) and `redirect to :PORT`.
        if (addr?.kind === 'literal' && pe.kind === 'literal')
          addr = lit(addr.text.includes(':') ? `[${addr.text}]:${pe.text}` : `${addr.text}:${pe.text}`);
        else if (!addr && pe.kind === 'literal') addr = lit(`:${pe.text}`);
        else port = pe;
      }
      return {
        kind: 'nat',
        nat: k,
        ...(family ? { family } : {}),
        ...(addr ? { addr } : {}),
        ...(port ? { port } : {}),
        flags: flagList(x.t === 'null' ? undefined : get(x, 'flags')),
      };
    }
    case 'set': {
      const op = str(get(x, 'op'));
      const set = str(get(x, 'set'));
      const elem = get(x, 'elem');
      if ((op !== 'add' && op !== 'update' && op !== 'delete') || !set || !elem)
        throw new Skip(x.pos, 'set needs op (add, update, delete), elem and set');
      return { kind: 'set-update', op, set: set.replace(/^@/, ''), element: element(elem) };
    }
    case 'notrack':
      return { kind: 'notrack' };
    case 'xt': {
      const type = str(get(x, 'type'));
      if (type !== 'match' && type !== 'target') throw new Skip(x.pos, 'xt needs type match or target');
      return { kind: 'xt', type, name: need(x, 'name') };
    }
    case 'limit':
    case 'quota':
      return {
        kind: 'keyword',
        keyword: k,
        args: x.t === 'str' ? ['name', `"${x.v}"`] : (k === 'limit' ? limitText(x) : quotaText(x)).split(' '),
      };
    case 'ct helper':
    case 'ct timeout':
    case 'ct expectation':
      // `ct helper set "ftp"`: the JSON names the object only.
      return {
        kind: 'set-value',
        target: { kind: 'ct', key: k.slice(3) },
        value: { kind: 'literal', text: need(v, k, 'an object name'), quoted: true },
      };
    case 'dup':
    case 'fwd': {
      const addr = str(get(x, 'addr'));
      const dev = str(get(x, 'dev'));
      const args = k === 'dup' ? ['to', addr ?? need(x, 'addr')] : ['to'];
      if (dev !== undefined) args.push(...(k === 'dup' ? ['device'] : []), `"${dev}"`);
      return { kind: 'keyword', keyword: k, args };
    }
    case 'queue': {
      // `queue flags bypass,fanout to 4-5` (statement.c queue_stmt_print); `queue` alone is `queue to 0`.
      const args: string[] = [];
      const flags = x.t === 'null' ? [] : flagList(get(x, 'flags'));
      if (flags.length) args.push('flags', flags.join(','));
      const n = x.t === 'null' ? undefined : get(x, 'num');
      if (n) args.push('to', printExpr(expr(n)));
      return { kind: 'keyword', keyword: 'queue', args };
    }
    case 'ct count':
      return {
        kind: 'keyword',
        keyword: 'ct',
        args: ['count', ...(isTrue(get(x, 'inv')) ? ['over'] : []), String(num(get(x, 'val')) ?? need(x, 'val'))],
      };
    case 'synproxy':
      return { kind: 'keyword', keyword: 'synproxy', args: x.t === 'str' ? ['name', `"${x.v}"`] : synproxyArgs(x) };
    case 'tproxy': {
      // `tproxy ip to 127.0.0.1:8080`, `tproxy ip6 to [::1]:80`, `tproxy to :80` (statement.c tproxy_stmt_print).
      const family = str(get(x, 'family'));
      const addr = get(x, 'addr');
      const port = get(x, 'port');
      const a = addr ? printExpr(expr(addr)) : '';
      const to = `${family === 'ip6' && addr ? `[${a}]` : a}${port ? `:${printExpr(expr(port))}` : ''}`;
      return { kind: 'keyword', keyword: 'tproxy', args: [...(family ? [family] : []), 'to', to] };
    }
    case 'flow': {
      const op = str(get(x, 'op')) ?? 'add';
      return { kind: 'keyword', keyword: 'flow', args: [op, need(x, 'flowtable')] };
    }
    case 'log': {
      const args: string[] = [];
      for (const [key, val] of x.t === 'obj' ? x.entries : []) {
        if (key === 'flags') args.push('flags', flagList(val).join(','));
        else args.push(key, key === 'prefix' ? `"${str(val) ?? ''}"` : (str(val) ?? jsonText(val)));
      }
      return { kind: 'keyword', keyword: 'log', args };
    }
  }
  throw new Skip(v.pos, `unknown statement '${k}'`);
}

/** A byte count as nft prints one (src/datatype.c get_rate): the largest of bytes, kbytes, mbytes that divides it. */
function dataUnit(bytes: number): string {
  let n = bytes;
  let unit = 0;
  while (unit < 2 && n % 1024 === 0 && n > 0) {
    n /= 1024;
    unit++;
  }
  return `${n} ${['bytes', 'kbytes', 'mbytes'][unit]}`;
}

const isTrue = (v: JValue | undefined) => v?.t === 'bool' && v.v === true;

/** `rate [over] 10/second [burst 3 packets]`, `rate [over] 1 mbytes/second [burst 5000 bytes]` (statement.c). */
function limitText(x: JValue): string {
  const over = isTrue(get(x, 'inv')) ? 'over ' : '';
  const rate = num(get(x, 'rate')) ?? 0;
  const per = str(get(x, 'per')) ?? 'second';
  const burst = num(get(x, 'burst')) ?? 0;
  const rateUnit = str(get(x, 'rate_unit'));
  if (rateUnit === undefined || rateUnit === 'packets')
    return `rate ${over}${rate}/${per}${burst !== 0 && burst !== 5 ? ` burst ${burst} packets` : ''}`;
  const burstUnit = str(get(x, 'burst_unit')) ?? 'bytes';
  return `rate ${over}${rate} ${rateUnit}/${per}${burst !== 0 ? ` burst ${burst} ${burstUnit}` : ''}`;
}

/** A quota statement: `[over] 10 mbytes [used 1 kbytes]`, the JSON's values already in their units. */
function quotaText(x: JValue): string {
  const over = isTrue(get(x, 'inv')) ? 'over ' : '';
  const used = num(get(x, 'used'));
  return `${over}${num(get(x, 'val')) ?? 0} ${str(get(x, 'val_unit')) ?? 'bytes'}${
    used ? ` used ${used} ${str(get(x, 'used_unit')) ?? 'bytes'}` : ''
  }`;
}

/** `mss 1460 wscale 7 timestamp sack-perm` (statement.c synproxy_stmt_print, rule.c obj_print_data). */
function synproxyArgs(x: JValue): string[] {
  const mss = num(get(x, 'mss'));
  const wscale = num(get(x, 'wscale'));
  return [
    ...(mss !== undefined ? ['mss', String(mss)] : []),
    ...(wscale !== undefined ? ['wscale', String(wscale)] : []),
    ...flagList(get(x, 'flags')),
  ];
}

/** A named object's body lines as `nft list ruleset` prints them (src/rule.c obj_print_data). */
function objectBody(type: string, o: JValue): string[] {
  switch (type) {
    case 'counter': {
      const v = counterValue(o);
      return v ? [`packets ${v.packets} bytes ${v.bytes}`] : [];
    }
    case 'quota': {
      const used = num(get(o, 'used')) ?? 0;
      const over = isTrue(get(o, 'inv')) ? 'over ' : '';
      return [`${over}${dataUnit(num(get(o, 'bytes')) ?? 0)}${used ? ` used ${dataUnit(used)}` : ''}`];
    }
    case 'limit':
      return [limitText(o)];
    case 'ct helper':
      return [`type "${need(o, 'type')}" protocol ${need(o, 'protocol')}`, `l3proto ${need(o, 'l3proto')}`];
    case 'ct timeout': {
      const policy = get(o, 'policy');
      const entries = policy?.t === 'obj' ? [...policy.entries].map(([state, t]) => `${state} : ${scalarText(t)}`) : [];
      return [
        `protocol ${need(o, 'protocol')}`,
        `l3proto ${need(o, 'l3proto')}`,
        ...(entries.length ? [`policy = { ${entries.join(', ')} }`] : []),
      ];
    }
    case 'synproxy': {
      const mss = num(get(o, 'mss'));
      const wscale = num(get(o, 'wscale'));
      const flags = flagList(get(o, 'flags'));
      return [
        ...(mss !== undefined ? [`mss ${mss}`] : []),
        ...(wscale !== undefined ? [`wscale ${wscale}`] : []),
        ...(flags.length ? [flags.join(' ')] : []),
      ];
    }
    case 'ct expectation':
      return [
        `protocol ${need(o, 'protocol')}`,
        `dport ${need(o, 'dport')}`,
        `timeout ${nftTime((num(get(o, 'timeout')) ?? 0) / 1000)}`,
        `size ${need(o, 'size')}`,
        `l3proto ${need(o, 'l3proto')}`,
      ];
  }
  return [];
}

/** A JSON priority (a number) with the spelling nft prints for it on this family and hook. */
function canonicalPriority(prio: string, family: NftFamily, hook: string): NftPriority {
  const n = Number(prio);
  return Number.isInteger(n) ? { text: priorityText(n, family, hook), value: n } : resolvePriority(prio, family);
}

/**
 * The spelling nft prints where the JSON gives a bare value: marks in hex of 8 digits (`meta mark & 0x00004000
 * == 0x00000000`, from 16384 and 0), interface names in quotes (`iifname "eth0"`, `iif vmap { "lo" : … }`).
 */
function spelled(st: NftStmt): NftStmt {
  switch (st.kind) {
    case 'match': {
      const left = spelledExpr(st.left);
      return { ...st, left, right: valueFor(left, spelledExpr(st.right)) };
    }
    case 'set-value': {
      const target = spelledExpr(st.target);
      return { ...st, target, value: valueFor(target, spelledExpr(st.value)) };
    }
    case 'vmap':
      return { ...st, key: spelledExpr(st.key), map: valueFor(st.key, st.map) };
    case 'opaque':
    case 'verdict':
    case 'counter':
    case 'reject':
    case 'nat':
    case 'set-update':
    case 'notrack':
    case 'xt':
    case 'hidden':
    case 'keyword':
      return st;
  }
}

const IFACE_KEYS = new Set(['iifname', 'oifname', 'iif', 'oif', 'ibrname', 'obrname']);
const isMark = (e: NftExpr): boolean =>
  ((e.kind === 'meta' || e.kind === 'ct') && e.key === 'mark') || (e.kind === 'binop' && isMark(e.left));
const isIface = (e: NftExpr) => e.kind === 'meta' && IFACE_KEYS.has(e.key);

function spelledExpr(e: NftExpr): NftExpr {
  if (e.kind !== 'binop') return e;
  const left = spelledExpr(e.left);
  return { ...e, left, right: valueFor(left, spelledExpr(e.right)) };
}

/** A value compared with, or given to, `selector`, spelled as nft prints values of its type. */
function valueFor(selector: NftExpr, v: NftExpr): NftExpr {
  if (v.kind === 'set') return { ...v, elements: v.elements.map((el) => ({ ...el, key: valueFor(selector, el.key) })) };
  if (v.kind !== 'literal' || v.quoted) return v;
  if (isMark(selector) && /^\d+$/.test(v.text)) return lit(`0x${Number(v.text).toString(16).padStart(8, '0')}`);
  if (isIface(selector) && !/^\d+$/.test(v.text)) return { ...v, quoted: true };
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// The document.

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type ChainDraft = Mutable<NftChain> & { rules: NftRule[] };
type TableDraft = Omit<Mutable<NftTable>, 'objects' | 'sets' | 'flowtables' | 'chains'> & {
  objects: NftObject[];
  sets: NftSet[];
  flowtables: NftFlowtable[];
  chains: ChainDraft[];
};

class JsonRuleset {
  readonly tables: TableDraft[] = [];
  readonly diagnostics: Diagnostic[] = [];
  rules = 0;
  /** Each table's chain names, as the text reader keeps them: what its rules and maps name that it lacks. */
  private readonly names = new Map<TableDraft, ChainNames>();

  private namesOf(t: TableDraft): ChainNames {
    let names = this.names.get(t);
    if (!names) this.names.set(t, (names = new ChainNames()));
    return names;
  }

  warn(pos: Pos, message: string, severity: Diagnostic['severity'] = 'error'): void {
    this.diagnostics.push({ severity, line: pos.line, column: pos.column, message });
  }

  document(doc: JValue): void {
    const list = get(doc, 'nftables');
    if (doc.t !== 'obj' || !list) return this.warn(doc.pos, 'expected {"nftables": [ … ]}');
    if (list.t !== 'arr') return this.warn(list.pos, '"nftables" must be a list');
    for (const item of list.items) {
      try {
        this.item(item);
      } catch (e) {
        if (!(e instanceof Skip)) throw e;
        this.warn(e.pos, `${e.message}; object not read`);
      }
    }
    for (const t of this.tables) if (this.namesOf(t).lacks(t.sets)) t.lacks = true;
  }

  private table(o: JValue): TableDraft {
    const family = need(o, 'family');
    const name = need(o, 'table', 'the table');
    const t = this.tables.find((x) => x.family === family && x.name === name);
    if (!t) throw new Skip(o.pos, `table ${family} ${name} is not declared before this object`);
    return t;
  }

  private item(item: JValue): void {
    const one = single(item);
    if (!one) throw new Skip(item.pos, 'expected an object with one key (table, chain, rule, set, map, …)');
    const [k, o] = one;
    if (o.t !== 'obj') throw new Skip(o.pos, `"${k}" must be an object`);
    const handle = num(get(o, 'handle'));
    const common = { line: o.pos.line, ...(handle !== undefined ? { handle } : {}) };
    const comment = str(get(o, 'comment'));
    const withComment = comment !== undefined ? { comment } : {};
    switch (k) {
      case 'metainfo':
        return;
      case 'table': {
        const family = need(o, 'family');
        if (!NFT_FAMILIES.includes(family as NftFamily))
          throw new Skip(o.pos, `expected a family (${NFT_FAMILIES.join(', ')})`);
        const flags = flagList(get(o, 'flags'));
        this.tables.push({
          ...common,
          family: family as NftFamily,
          name: need(o, 'name'),
          ...(flags.length ? { flags: flags.join(',') } : {}),
          ...withComment,
          objects: [],
          sets: [],
          flowtables: [],
          chains: [],
        });
        return;
      }
      case 'chain': {
        const t = this.table(o);
        const hook = str(get(o, 'hook'));
        let base: NftBaseChain | undefined;
        if (hook !== undefined) {
          const prio = need(o, 'prio', 'a priority');
          const dev = get(o, 'dev');
          const devices = flagList(dev).map((d) => ({ kind: 'literal', text: d, quoted: true }) as NftLiteral);
          const policy = str(get(o, 'policy'));
          base = {
            type: need(o, 'type', 'a chain type'),
            hook,
            ...(devices.length ? { devices } : {}),
            ...(dev?.t === 'arr' ? { deviceList: true } : {}),
            priority: canonicalPriority(prio, t.family, hook),
            ...(policy !== undefined ? { policy } : {}),
          };
        }
        const name = this.namesOf(t).declare(need(o, 'name'));
        t.chains.push({ ...common, name, ...(base ? { base } : {}), ...withComment, rules: [] });
        return;
      }
      case 'rule': {
        const t = this.table(o);
        const name = need(o, 'chain');
        const chain = t.chains.find((c) => c.name === name);
        if (!chain) throw new Skip(o.pos, `chain ${name} is not declared before its rule`);
        const list = get(o, 'expr');
        if (list?.t !== 'arr') throw new Skip(o.pos, 'a rule needs "expr": [ … ]');
        const stmts: NftStmt[] = [];
        for (const s of list.items) {
          try {
            stmts.push(spelled(statement(s, t.family)));
          } catch (e) {
            if (!(e instanceof Skip)) throw e;
            this.warn(e.pos, `${e.message}: kept as an opaque statement`, 'warning');
            stmts.push({ kind: 'opaque', text: jsonText(s) });
          }
        }
        this.namesOf(t).inStmts(stmts);
        chain.rules.push({ ...common, stmts, ...withComment });
        this.rules++;
        return;
      }
      case 'set':
      case 'map': {
        const t = this.table(o);
        const type = get(o, 'type');
        if (!type) throw new Skip(o.pos, `a ${k} needs "type"`);
        const key = type.t === 'arr' ? type.items.map((x) => str(x) ?? '?') : [str(type) ?? jsonText(type)];
        const data = get(o, 'map');
        const props: { key: string; value: string }[] = [];
        const size = str(get(o, 'size'));
        if (size !== undefined) props.push({ key: 'size', value: size });
        const flags = flagList(get(o, 'flags')).sort((a, b) => SET_FLAG_ORDER.indexOf(a) - SET_FLAG_ORDER.indexOf(b));
        if (flags.length) props.push({ key: 'flags', value: flags.join(',') });
        for (const p of ['timeout', 'gc-interval'] as const) {
          const n = num(get(o, p));
          if (n !== undefined) props.push({ key: p, value: nftTime(n) });
        }
        const stmts = get(o, 'stmt');
        if (stmts?.t === 'arr' && stmts.items.some((s) => single(s)?.[0] === 'counter'))
          props.push({ key: 'counter', value: '' });
        const policy = str(get(o, 'policy'));
        if (policy !== undefined) props.push({ key: 'policy', value: policy });
        const elem = get(o, 'elem');
        let elements: NftElement[] | undefined;
        if (elem) {
          if (elem.t !== 'arr') throw new Skip(elem.pos, '"elem" must be a list');
          elements = elem.items.map(element);
          this.namesOf(t).inElements(elements);
        }
        t.sets.push({
          ...common,
          kind: k,
          name: need(o, 'name'),
          type: data
            ? {
                key,
                data:
                  data.t === 'arr' ? data.items.map((x) => str(x) ?? '?').join(' . ') : (str(data) ?? jsonText(data)),
              }
            : { key },
          props,
          ...withComment,
          ...(elements ? { elements } : {}),
        });
        return;
      }
      case 'flowtable': {
        const t = this.table(o);
        const devices = flagList(get(o, 'dev')).map(lit);
        t.flowtables.push({
          ...common,
          name: need(o, 'name'),
          hook: need(o, 'hook'),
          priority: canonicalPriority(need(o, 'prio', 'a priority'), 'netdev', 'ingress'),
          ...(devices.length ? { devices } : {}),
          props: [],
        });
        return;
      }
      case 'counter':
      case 'quota':
      case 'limit':
      case 'ct helper':
      case 'ct timeout':
      case 'ct expectation':
      case 'synproxy': {
        const t = this.table(o);
        t.objects.push({ ...common, type: k, name: need(o, 'name'), body: objectBody(k, o) });
        return;
      }
    }
    throw new Skip(item.pos, `unknown object '${k}'`);
  }
}

/**
 * Where the last whole object of the document's top-level list (`{"nftables": [ {…}, {…}, …`) ends, if one does: a
 * listing cut in the middle (a paste's size limit, `| head`) is read up to there.
 */
function lastWholeObjectEnd(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  let end: number | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') if (--depth === 2 && c === '}') end = i + 1;
  }
  return end;
}

const lineCount = (text: string) => (text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0));

/** A JSON text known to be one `nft -j list ruleset` document; its first line is `firstLine`. */
export function parseNftJson(text: string, firstLine = 1): NftBody {
  const r = new JsonRuleset();
  let read = 0;
  let cut = false;
  try {
    r.document(parseJson(text, firstLine));
    read = lineCount(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const end = lastWholeObjectEnd(text);
    const whole = end === undefined ? undefined : `${text.slice(0, end)}]}`;
    let recovered = false;
    if (whole !== undefined)
      try {
        r.document(parseJson(whole, firstLine));
        recovered = true;
      } catch (again) {
        if (!(again instanceof JsonSyntaxError)) throw again;
      }
    if (recovered) {
      cut = true;
      read = lineCount(text.slice(0, end));
      r.warn(
        e.pos,
        `${e.message}; the JSON is cut here: its objects up to line ${firstLine + read - 1} were read, what follows is unknown`,
      );
    } else r.warn(e.pos, `${e.message}; the JSON could not be read`);
  }
  const lines = lineCount(text);
  // A JSON document is one record of structure, not lines: every line read counts as a property of it.
  const account: NftLineAccount = {
    rules: 0,
    blocks: 0,
    properties: read,
    comments: 0,
    blank: 0,
    rejected: lines - read,
  };
  return {
    kind: 'nft',
    records: r.rules,
    diagnostics: sortDiagnostics(r.diagnostics),
    ruleset: { tables: r.tables, source: 'json', ...(cut ? { cut } : {}) },
    lines: account,
  };
}

/** Reads a JSON document line by line up to where its braces close; what follows is not its. */
export class NftJsonReader implements DumpReader<NftBody> {
  private text = '';
  private firstLine: number | undefined;
  private depth = 0;
  private inString = false;
  private started = false;
  private closed = false;

  read(chunk: Chunk, stop: StopAt): number | undefined {
    let line = chunk.firstLine;
    let at = 0;
    const s = chunk.text;
    while (at < s.length) {
      const nl = s.indexOf('\n', at);
      const end = nl < 0 ? s.length : nl + 1;
      const l = s.slice(at, end);
      if (this.closed && l.trim() !== '') {
        if (stop(line, false, true)) return line;
      }
      if (!this.closed) this.scan(l);
      this.firstLine ??= line;
      this.text += l;
      at = end;
      line++;
    }
    return undefined;
  }

  /** Brace depth outside strings: the document ends where it returns to 0. */
  private scan(l: string): void {
    for (let i = 0; i < l.length; i++) {
      const c = l[i];
      if (this.inString) {
        if (c === '\\') i++;
        else if (c === '"') this.inString = false;
      } else if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') {
        this.depth++;
        this.started = true;
      } else if (c === '}' || c === ']') {
        this.depth--;
        if (this.started && this.depth <= 0) {
          this.closed = true;
          this.inString = false;
        }
      }
    }
  }

  finish(): NftBody {
    return parseNftJson(this.text, this.firstLine ?? 1);
  }
}

export const nftJsonFormat: DumpFormat = {
  name: 'nft',
  distinctive: true,
  // One line (`{"nftables": [{"metainfo": …`), or pretty-printed: `{` alone, then `"nftables": [` on the next
  // line, which a start line cannot see, so a lone `{` is taken only when the command or file names JSON.
  // Collectors' own JSON (sos's manifest.json, Troubleshoot's `<name>-info.json` and sysctl.json) is no listing.
  starts: (line, hint) =>
    /^\s*\{\s*"nftables"\s*:\s*\[/.test(line) ||
    (/^\{\s*$/.test(line) &&
      /nft\s.*-j|-j\S*\s+list|\.json(-nft)?$/.test(hint) &&
      !/(?:^|\/)(?:manifest|sysctl|[^/]*-info)\.json$/.test(hint)),
  reader: () => new NftJsonReader(),
};
