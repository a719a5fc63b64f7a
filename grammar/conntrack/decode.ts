/**
 * From one line's tokens to a conntrack entry. The field order is libnetfilter_conntrack's
 * (`__snprintf_conntrack_default`, formats.md §3.1); the decoder accepts the fields in any order after the
 * protocol, because /proc, `-o extended`, `-o id`, `-o ktimestamp` and events all differ in what they add.
 */
import type { IToken } from 'chevrotain';
import type {
  ConntrackCounters,
  ConntrackEntry,
  ConntrackEvent,
  ConntrackStatusFlag,
  ConntrackTuple,
} from '../../src/model/conntrack';
import { canonicalAddress } from '../shared/address';
import type { LineProblem } from '../shared/problem';
import { decimal } from '../shared/decimal';
import { fitsProtocol, lostProtocolName } from './lost-name';
import { isAddressPlaceholder } from './placeholder';
import { L4_NAMES, L4_NUMBERS } from './protocols';
import { Flag, KeyValue, Tuple, Word } from './tokens';

export type Warn = (column: number, message: string) => void;

export type MutableTuple = { -readonly [K in keyof ConntrackTuple]?: ConntrackTuple[K] };
export type MutableEntry = { -readonly [K in keyof ConntrackEntry]?: ConntrackEntry[K] };
/** Accounting counters of the original and the reply direction, as read so far. */
export type CountersDraft = [{ packets?: number; bytes?: number }, { packets?: number; bytes?: number }];

const DIGITS = /^\d+$/;

const KEYS = [
  'src',
  'dst',
  'sport',
  'dport',
  'type',
  'code',
  'id',
  'srckey',
  'dstkey',
  'packets',
  'bytes',
  'mark',
  'secmark',
  'zone',
  'use',
  'zone-orig',
  'zone-reply',
  'delta-time',
  'timeout',
  'stream_timeout',
  'helper',
  'secctx',
  'labels',
];
const KEYS_BY_LENGTH: string[][] = [];
for (const k of KEYS) (KEYS_BY_LENGTH[k.length] ??= []).push(k);

/**
 * The key of a `key=value` token as one of the literal strings above, so the switch compares interned
 * strings instead of a fresh slice per field (measured: a third of the decoder's time on big tables).
 */
function keyOf(image: string, eq: number, from = 0): string {
  const candidates = KEYS_BY_LENGTH[eq - from];
  if (candidates) for (const k of candidates) if (image.startsWith(k, from)) return k;
  return image.slice(from, eq);
}

function badValue(key: string, value: string, what: string, column: number): LineProblem {
  return { problem: 'broken', message: `${key}= needs ${what}, got '${value}'`, column };
}
const EVENT_TIME = /^\[(\d+\.\d+)\]$/;
const EVENTS: Readonly<Record<string, ConntrackEvent>> = {
  '[NEW]': 'NEW',
  '[UPDATE]': 'UPDATE',
  '[DESTROY]': 'DESTROY',
};
export const STATUS: Readonly<Record<string, ConntrackStatusFlag>> = {
  '[ASSURED]': 'ASSURED',
  '[OFFLOAD]': 'OFFLOAD',
  '[HW_OFFLOAD]': 'HW_OFFLOAD',
};
const STATE = /^[A-Z][A-Z0-9_]*$/;
/** One string per state name for a million entries, instead of a slice of the input each (tcp, sctp names). */
export const STATE_NAMES = new Map(
  [
    'NONE',
    'SYN_SENT',
    'SYN_RECV',
    'ESTABLISHED',
    'FIN_WAIT',
    'CLOSE_WAIT',
    'LAST_ACK',
    'TIME_WAIT',
    'CLOSE',
    'SYN_SENT2',
    'CLOSED',
    'COOKIE_WAIT',
    'COOKIE_ECHOED',
    'SHUTDOWN_SENT',
    'SHUTDOWN_RECD',
    'SHUTDOWN_ACK_SENT',
  ].map((n) => [n, n]),
);

export function decodeEntry(
  tokens: readonly IToken[],
  line: number,
  lineStart: number,
  warn: Warn,
): ConntrackEntry | LineProblem {
  const col = (t: IToken) => t.startOffset - lineStart + 1;
  const entry: MutableEntry = { line, unreplied: false };
  let i = 0;
  let t = tokens[0]!;
  if (t.tokenType === Flag) {
    const time = EVENT_TIME.exec(t.image);
    if (time) {
      entry.eventTime = Number(time[1]);
      t = tokens[++i]!;
    }
    const event = t && EVENTS[t.image];
    if (event) {
      entry.event = event;
      t = tokens[++i]!;
    }
  }
  if (t && (t.image === 'ipv4' || t.image === 'ipv6')) {
    entry.family = t.image;
    const l3 = tokens[++i];
    if (!l3 || l3.image !== (t.image === 'ipv4' ? '2' : '10'))
      return {
        problem: 'broken',
        message: `expected the layer-3 protocol number after ${t.image}`,
        column: l3 ? col(l3) : col(t),
      };
    t = tokens[++i]!;
  } else if (
    t &&
    (t.image === '2' || t.image === '10') &&
    tokens[i + 1]?.tokenType === Word &&
    !DIGITS.test(tokens[i + 1]!.image)
  ) {
    // `2 tcp      6 …`: /proc/net/nf_conntrack's family name was cut off; its number still says it.
    entry.family = t.image === '2' ? 'ipv4' : 'ipv6';
    warn(col(t), `damaged line: the family name is missing; read as ${entry.family} from its number ${t.image}`);
    t = tokens[++i]!;
  }
  if (!t || t.tokenType !== Word)
    return { problem: 'broken', message: 'expected a protocol name', column: t ? col(t) : 1 };
  const numToken = tokens[++i];
  if (!numToken || !DIGITS.test(numToken.image))
    return {
      problem: 'broken',
      message: `expected the protocol number after '${t.image}'`,
      column: numToken ? col(numToken) : col(t),
    };
  // `6 46 TIME_WAIT src=…`: the name column was cut off (lost-name.ts); judged once the tuples are read.
  // The column of the number standing first, or 0 when the name is there.
  const lostNameAt = DIGITS.test(t.image) ? col(t) : 0;
  if (lostNameAt) {
    entry.protoNum = Number(t.image);
    entry.proto = lostProtocolName(entry.protoNum);
    entry.timeout = Number(numToken.image);
  } else {
    entry.protoNum = Number(numToken.image);
    entry.proto = protocolName(t.image, entry.protoNum);
    if (entry.proto !== t.image)
      warn(
        col(t),
        `damaged line: '${t.image}' is not a protocol name; read as ${entry.proto} from its number ${entry.protoNum}`,
      );
  }
  let next = tokens[++i];
  if (!lostNameAt && next && next.tokenType === Word && DIGITS.test(next.image)) {
    entry.timeout = Number(next.image);
    next = tokens[++i];
  }
  if (next && next.tokenType === Word && STATE.test(next.image)) {
    entry.state = STATE_NAMES.get(next.image) ?? next.image;
    i++;
  }

  const orig: MutableTuple = {};
  const reply: MutableTuple = {};
  let tuple: MutableTuple | undefined;
  let direction = -1;
  let previousKey = '';
  let counters: CountersDraft | undefined;
  for (; i < tokens.length; i++) {
    const f = tokens[i]!;
    const image = f.image;
    if (f.tokenType === Flag) {
      const status = STATUS[image];
      if (status) {
        if (entry.status) warn(col(f), `both ${entry.status} and ${status}; the kernel prints one`);
        entry.status = status;
      } else if (image === '[UNREPLIED]') entry.unreplied = true;
      else if (image.startsWith('[start=')) entry.start = image.slice(7, -1);
      else if (image.startsWith('[stop=')) entry.stop = image.slice(6, -1);
      else return { problem: 'broken', message: `unknown flag ${image}`, column: col(f) };
      previousKey = '';
      continue;
    }
    const whole = f.tokenType === Tuple;
    if (!whole && f.tokenType !== KeyValue)
      return { problem: 'broken', message: `unexpected '${image}'`, column: col(f) };
    // src= opens the next tuple, whether the lexer matched the whole tuple or src= alone.
    if (whole || image.startsWith('src=')) {
      direction++;
      if (direction > 1)
        return { problem: 'broken', message: 'a third src= (expected an original and a reply tuple)', column: col(f) };
      tuple = direction === 0 ? orig : reply;
    }
    if (whole) {
      const problem = readTuple(image, tuple!, col(f), entry);
      if (problem) return problem;
      previousKey = '';
      continue;
    }
    const eq = image.indexOf('=');
    const key = keyOf(image, eq);
    const value = image.slice(eq + 1);
    const num = decimal(value);
    switch (key) {
      case 'src':
      case 'dst':
      case 'sport':
      case 'dport':
      case 'type':
      case 'code':
      case 'srckey':
      case 'dstkey': {
        if (!tuple) return { problem: 'broken', message: `${key}= before src=`, column: col(f) };
        const problem = storeTupleField(tuple, key, value, col(f), entry);
        if (problem) return problem;
        break;
      }
      case 'id': {
        if (num < 0) return badValue(key, value, 'a number', col(f));
        // icmp tuples end in `code=N id=N`; the entry's own id (-o id) comes last, after use=.
        if (tuple && previousKey === 'code') tuple.id = num;
        else entry.id = num;
        break;
      }
      case 'packets':
      case 'bytes':
        if (direction < 0) return { problem: 'broken', message: `${key}= before src=`, column: col(f) };
        if (num < 0) return badValue(key, value, 'a number', col(f));
        counters ??= [{}, {}];
        counters[direction]![key] = num;
        break;
      case 'mark':
        if (num < 0) return badValue(key, value, 'a number', col(f));
        entry.mark = num;
        break;
      case 'use':
        if (num < 0) return badValue(key, value, 'a number', col(f));
        entry.use = num;
        break;
      case 'secmark':
      case 'zone':
        if (num < 0) return badValue(key, value, 'a number', col(f));
        entry[key] = num;
        break;
      case 'zone-orig':
      case 'zone-reply':
        if (num < 0) return badValue(key, value, 'a number', col(f));
        entry[key === 'zone-orig' ? 'zoneOrig' : 'zoneReply'] = num;
        break;
      case 'delta-time':
        if (num < 0) return badValue(key, value, 'a number', col(f));
        entry.deltaTime = num;
        break;
      case 'timeout':
      case 'stream_timeout': {
        // gre in /proc: `timeout=30, stream_timeout=180` before the tuples.
        const n = value.endsWith(',') ? value.slice(0, -1) : value;
        if (!DIGITS.test(n)) return badValue(key, value, 'a number', col(f));
        const g = entry.greTimeouts ?? { timeout: 0, streamTimeout: 0 };
        entry.greTimeouts = key === 'timeout' ? { ...g, timeout: Number(n) } : { ...g, streamTimeout: Number(n) };
        break;
      }
      case 'helper':
        entry.helper = value;
        break;
      case 'secctx':
        entry.secctx = value;
        break;
      case 'labels':
        entry.labels = value === '' ? [] : value.split(',');
        break;
      default:
        return { problem: 'broken', message: `unknown field ${key}=`, column: col(f) };
    }
    previousKey = key;
  }
  if (direction < 1)
    return {
      problem: 'broken',
      message: 'expected an original and a reply tuple (src= dst= ... src= dst= ...)',
      column: col(tokens[tokens.length - 1]!),
    };
  if (orig.dst === undefined || reply.dst === undefined)
    return { problem: 'broken', message: 'a tuple without dst=', column: 1 };
  if (lostNameAt) {
    if (!fitsProtocol(entry.proto, orig, entry.state))
      return {
        problem: 'broken',
        message: `the protocol name is missing, and ${entry.protoNum} is not the protocol of these tuples`,
        column: lostNameAt,
      };
    warn(
      lostNameAt,
      `damaged line: the protocol name is missing; read as ${entry.proto} from its number ${entry.protoNum}, then the timeout`,
    );
  }
  // The family the placeholder cannot tell: that of a real address of the entry.
  if (entry.anonymised && !entry.family)
    entry.family = [orig.src!, orig.dst, reply.src!, reply.dst].find((a) => !isAddressPlaceholder(a))?.includes(':')
      ? 'ipv6'
      : 'ipv4';
  return completeEntry(entry, orig, reply, counters);
}

/** Fields few entries have; an entry has one of these only when its line printed it, in this order. */
const RARE_KEYS = [
  'secmark',
  'secctx',
  'zone',
  'zoneOrig',
  'zoneReply',
  'deltaTime',
  'start',
  'stop',
  'helper',
  'labels',
  'event',
  'eventTime',
  'greTimeouts',
  'anonymised',
] as const;

/**
 * An entry with the fields most lines print, always all of them and in one order (undefined when not
 * printed), so a million entries share one layout allocated at once; grown field by field, each entry's
 * property store was reallocated several times (measured: a quarter of reading a big table). Positional,
 * because it runs once per entry on the fast path, which keeps these fields in locals.
 */
export function commonEntry(
  line: number,
  family: 'ipv4' | 'ipv6' | undefined,
  proto: string,
  protoNum: number,
  timeout: number | undefined,
  state: string | undefined,
  orig: MutableTuple,
  reply: MutableTuple,
  unreplied: boolean,
  status: ConntrackStatusFlag | undefined,
  mark: number | undefined,
  use: number | undefined,
  id: number | undefined,
): MutableEntry {
  return {
    line,
    family: family ?? (orig.src!.includes(':') ? 'ipv6' : 'ipv4'),
    proto,
    protoNum,
    timeout,
    state,
    orig: orig as ConntrackTuple,
    reply: reply as ConntrackTuple,
    unreplied,
    status,
    mark,
    use,
    id,
  };
}

/** Accounting counters, after the rare fields, for the directions that printed any. */
export function withCounters(entry: MutableEntry, counters: CountersDraft | undefined): ConntrackEntry {
  if (counters) {
    const [oc, rc] = counters;
    if (oc.packets !== undefined || oc.bytes !== undefined)
      entry.origCounters = { packets: oc.packets ?? 0, bytes: oc.bytes ?? 0 } as ConntrackCounters;
    if (rc.packets !== undefined || rc.bytes !== undefined)
      entry.replyCounters = { packets: rc.packets ?? 0, bytes: rc.bytes ?? 0 } as ConntrackCounters;
  }
  return entry as ConntrackEntry;
}

/** The entry once both tuples of a line the grammar read are known. */
function completeEntry(
  d: MutableEntry,
  orig: MutableTuple,
  reply: MutableTuple,
  counters: CountersDraft | undefined,
): ConntrackEntry {
  const entry = commonEntry(
    d.line!,
    d.family,
    d.proto!,
    d.protoNum!,
    d.timeout,
    d.state,
    orig,
    reply,
    d.unreplied!,
    d.status,
    d.mark,
    d.use,
    d.id,
  );
  for (const k of RARE_KEYS) if (d[k] !== undefined) (entry as Record<string, unknown>)[k] = d[k];
  return withCounters(entry, counters);
}

/**
 * A name conntrack prints (as the table's own string), or — on a line whose first characters a paste lost —
 * the name its number stands for; a result other than `name` means the line was damaged.
 */
function protocolName(name: string, num: number): string {
  if (L4_NUMBERS[name] === num) return L4_NAMES[num]!;
  if (name === 'unknown') return 'unknown';
  return L4_NAMES[num] ?? name;
}

/** `src=A dst=B [sport=N dport=N | type=N code=N id=N | srckey=K dstkey=K]`, as the Tuple token matched it. */
function readTuple(image: string, tuple: MutableTuple, column: number, entry: MutableEntry): LineProblem | undefined {
  let start = 0;
  while (start < image.length) {
    const space = image.indexOf(' ', start);
    const end = space < 0 ? image.length : space;
    const eq = image.indexOf('=', start);
    const problem = storeTupleField(tuple, keyOf(image, eq, start), image.slice(eq + 1, end), column + start, entry);
    if (problem) return problem;
    start = end + 1;
  }
  return undefined;
}

/** One field of a tuple. Stores by name, not tuple[key]: a computed-key store is megamorphic and several times slower. */
function storeTupleField(
  tuple: MutableTuple,
  key: string,
  value: string,
  column: number,
  entry: MutableEntry,
): LineProblem | undefined {
  if (key === 'src' || key === 'dst') {
    let a = canonicalAddress(value);
    if (!a && isAddressPlaceholder(value)) {
      a = value;
      entry.anonymised = true;
    }
    if (!a) return badValue(key, value, 'an IP address', column);
    if (key === 'src') tuple.src = a;
    else tuple.dst = a;
  } else if (key === 'srckey') tuple.srckey = value;
  else if (key === 'dstkey') tuple.dstkey = value;
  else {
    const n = decimal(value);
    if (n < 0) return badValue(key, value, 'a number', column);
    if (key === 'sport') tuple.sport = n;
    else if (key === 'dport') tuple.dport = n;
    else if (key === 'type') tuple.type = n;
    else if (key === 'code') tuple.code = n;
    else tuple.id = n;
  }
  return undefined;
}
