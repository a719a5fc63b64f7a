/**
 * The fast path for the lines big tables are made of (ecosystem.md §3: a hand splitter reads conntrack
 * faster than the best chevrotain parser). It reads one line of `conntrack -L` (default, `-o extended`,
 * `-o id`, accounting) or /proc/net/nf_conntrack in place, without tokens, and gives up (undefined) on
 * anything else and on anything the grammar would warn about or reject. Lines it gives up on go through the
 * chevrotain grammar, which stays the reference: a test compares the two on every capture.
 *
 * Words are split at spaces only. A tab or other blank inside a line ends up inside a word, and every word is
 * checked strictly (digits, addresses, exact flags and state names), so such a line is left to the grammar.
 */
import type { ConntrackEntry, ConntrackStatusFlag } from '../../src/model/conntrack';
import { canonicalAddress, isIpv4, isPlainIpv6 } from '../shared/address';
import { type CountersDraft, type MutableTuple, STATE_NAMES, STATUS, commonEntry, withCounters } from './decode';
import { decimal } from '../shared/decimal';
import { L4_NAMES, L4_NUMBERS } from './protocols';

/** L4_NUMBERS as a Map: a word from the input must not find a key of Object.prototype, and lookup() measured a little slower on this hot path. */
const PROTOCOLS = new Map(Object.entries(L4_NUMBERS));
/** The keys this path reads, by key length and first character, which tell them apart. */
const KEY_BY_LENGTH_AND_INITIAL: (string | undefined)[] = [];
for (const k of [
  'src',
  'dst',
  'sport',
  'dport',
  'type',
  'code',
  'id',
  'srckey',
  'dstkey',
  'mark',
  'use',
  'zone',
  'secmark',
  'packets',
  'bytes',
])
  KEY_BY_LENGTH_AND_INITIAL[k.length * 128 + k.charCodeAt(0)] = k;
const SPACE = 32;
const CR = 13;
const BRACKET = 91;

function skipSpaces(text: string, p: number, end: number): number {
  while (p < end && text.charCodeAt(p) === SPACE) p++;
  return p;
}

function wordEnd(text: string, p: number, end: number): number {
  const space = text.indexOf(' ', p);
  return space < 0 || space > end ? end : space;
}

/**
 * The address on [from, to). `seen` is the address the other tuple has in the mirrored place (the reply's
 * destination is usually the original source, its source the original destination unless DNATed): when the
 * text is the same, that string is used again, which spares a string per entry or two. A canonical address
 * read again is itself, so comparing the raw text with it is enough.
 */
function address(text: string, from: number, to: number, seen: string | undefined): string | undefined {
  if (from === to) return undefined;
  if (seen !== undefined && seen.length === to - from && text.startsWith(seen, from)) return seen;
  return isIpv4(text, from, to) || isPlainIpv6(text, from, to)
    ? text.slice(from, to)
    : canonicalAddress(text.slice(from, to));
}

/** The entry on [start, end) of `text`, or undefined to leave the line to the grammar. */
export function fastEntry(text: string, start: number, end: number, line: number): ConntrackEntry | undefined {
  if (end > start && text.charCodeAt(end - 1) === CR) end--;
  let p = skipSpaces(text, start, end);
  let e = wordEnd(text, p, end);
  let name = text.slice(p, e);
  let family: 'ipv4' | 'ipv6' | undefined;
  if (name === 'ipv4' || name === 'ipv6') {
    p = skipSpaces(text, e, end);
    e = wordEnd(text, p, end);
    if (text.slice(p, e) !== (name === 'ipv4' ? '2' : '10')) return undefined;
    family = name;
    p = skipSpaces(text, e, end);
    e = wordEnd(text, p, end);
    name = text.slice(p, e);
  }
  const protoNum = PROTOCOLS.get(name);
  if (protoNum === undefined) return undefined;
  p = skipSpaces(text, e, end);
  e = wordEnd(text, p, end);
  if (decimal(text, p, e) !== protoNum) return undefined;
  p = skipSpaces(text, e, end);
  e = wordEnd(text, p, end);
  const timeout = decimal(text, p, e);
  if (timeout >= 0) {
    p = skipSpaces(text, e, end);
    e = wordEnd(text, p, end);
  }
  const c = text.charCodeAt(p);
  let state: string | undefined;
  if (c >= 65 && c <= 90) {
    state = STATE_NAMES.get(text.slice(p, e));
    if (state === undefined) return undefined;
    p = skipSpaces(text, e, end);
    e = wordEnd(text, p, end);
  }

  const orig: MutableTuple = {};
  const reply: MutableTuple = {};
  let tuple: MutableTuple | undefined;
  let direction = -1;
  let afterCode = false;
  let counters: CountersDraft | undefined;
  let unreplied = false;
  let status: ConntrackStatusFlag | undefined;
  let mark: number | undefined;
  let use: number | undefined;
  let id: number | undefined;
  let zone: number | undefined;
  let secmark: number | undefined;
  for (; p < end; p = skipSpaces(text, e, end), e = wordEnd(text, p, end)) {
    if (text.charCodeAt(p) === BRACKET) {
      const flag = text.slice(p, e);
      // Flags start with `[`, so no key of Object.prototype can match.
      const flagStatus: ConntrackStatusFlag | undefined = STATUS[flag];
      if (flagStatus) {
        if (status) return undefined;
        status = flagStatus;
      } else if (flag === '[UNREPLIED]') unreplied = true;
      else return undefined;
      afterCode = false;
      continue;
    }
    const eq = text.indexOf('=', p);
    if (eq < 0 || eq >= e) return undefined;
    const key = KEY_BY_LENGTH_AND_INITIAL[(eq - p) * 128 + text.charCodeAt(p)];
    if (key === undefined || !text.startsWith(key, p)) return undefined;
    const v = eq + 1;
    let wasCode = false;
    if (key === 'src' || key === 'dst') {
      if (key === 'src') {
        if (++direction > 1) return undefined;
        tuple = direction === 0 ? orig : reply;
      }
      if (!tuple) return undefined;
      const a = address(text, v, e, tuple === reply ? (key === 'src' ? orig.dst : orig.src) : undefined);
      if (a === undefined) return undefined;
      if (key === 'src') tuple.src = a;
      else tuple.dst = a;
    } else if (key === 'srckey' || key === 'dstkey') {
      // gre keys are kept as printed (`0x0`).
      if (!tuple) return undefined;
      if (key === 'srckey') tuple.srckey = text.slice(v, e);
      else tuple.dstkey = text.slice(v, e);
    } else {
      const n = decimal(text, v, e);
      if (n < 0) return undefined;
      switch (key) {
        case 'sport':
          if (!tuple) return undefined;
          tuple.sport = n;
          break;
        case 'dport':
          if (!tuple) return undefined;
          tuple.dport = n;
          break;
        case 'type':
          if (!tuple) return undefined;
          tuple.type = n;
          break;
        case 'code':
          if (!tuple) return undefined;
          tuple.code = n;
          wasCode = true;
          break;
        // icmp tuples end in `code=N id=N`; the entry's own id (-o id) comes last.
        case 'id':
          if (tuple && afterCode) tuple.id = n;
          else id = n;
          break;
        case 'mark':
          mark = n;
          break;
        case 'use':
          use = n;
          break;
        case 'zone':
          zone = n;
          break;
        case 'secmark':
          secmark = n;
          break;
        default:
          if (direction < 0) return undefined;
          counters ??= [{}, {}];
          if (key === 'packets') counters[direction]!.packets = n;
          else counters[direction]!.bytes = n;
      }
    }
    afterCode = wasCode;
  }
  if (direction < 1 || orig.dst === undefined || reply.dst === undefined) return undefined;
  const entry = commonEntry(
    line,
    family,
    L4_NAMES[protoNum]!,
    protoNum,
    timeout >= 0 ? timeout : undefined,
    state,
    orig,
    reply,
    unreplied,
    status,
    mark,
    use,
    id,
  );
  // In decode.ts RARE_KEYS order.
  if (secmark !== undefined) entry.secmark = secmark;
  if (zone !== undefined) entry.zone = zone;
  return withCounters(entry, counters);
}
