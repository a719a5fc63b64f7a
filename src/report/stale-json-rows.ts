/**
 * `stale --json`'s entries written as bytes straight from the conntrack table's columns: the same text
 * entryWriter makes of an entry's object. An entry is a few runs of bytes made once and copied, with holes for its
 * addresses (each one's bytes encoded once per table, AddressBytes) and numbers (written as digits):
 * - its protocol's, up to the source address; its kind's, from the natTarget to the reason's first endpoint;
 * - its verdict's: the rest of the reason, its service up to the line's number; the `now` list;
 * - its table's, state's and kind's, from `kind` to `now`; its protocol's and family's cleanup flags.
 * Rows of other shapes (zones, icmp), IPVS entries and entries whose text needs JSON escapes where the runs put
 * it raw (addresses, `now` words, protocol) go through entryWriter.
 */
import type { StaleEntry } from '../analyses/stale/index';
import type { TableOrigin } from '../analyses/stale/conntrack-stale-entry';
import type { StaleVerdict } from '../analyses/stale/conntrack-stale';
import type { StaleList } from '../analyses/stale/stale-list';
import { AddressBytes } from './address-bytes';
import { ByteSink, type PieceBuffers, UINT_BYTES, plainInJson, put, putSlice, putUint, utf8 } from './byte-sink';

const q = JSON.stringify;

/** The runs that are the same for every entry, at one indent. */
function constantRuns(indent: string) {
  const i = `\n${indent}  `;
  return {
    sport: utf8(`",${i}"sport": `),
    dst: utf8(`,${i}"dst": "`),
    dport: utf8(`",${i}"dport": `),
    natTarget: utf8(`,${i}"natTarget": "`),
    d: utf8(' -d '),
    sportFlag: utf8(' --sport '),
    dportFlag: utf8(' --dport '),
    r: utf8(' -r '),
    replyPort: utf8(' --reply-port-src '),
    close: utf8(`"\n${indent}}`),
    null: utf8('null'),
    undefined: utf8('undefined'),
  };
}

type ConstantRuns = ReturnType<typeof constantRuns>;
type Kind = StaleVerdict['kind'];

/** The reason's words of a kind before its first endpoint, and where its endpoints come from. */
interface KindRuns {
  readonly name: Kind;
  /** After the natTarget's endpoint: its closing quote, the reason's key and first words. */
  readonly afterTarget: Uint8Array;
  /** A null natTarget, the reason's key and first words. */
  readonly noTarget: Uint8Array;
  /** The reason's first endpoint is the original destination (a blackhole), else the reply's source. */
  readonly dstFirst: boolean;
  /** The reason names the original destination again after `middle` (service gone), followed by `last`. */
  readonly dstSecond: boolean;
}

/** What the entries of one verdict share. */
interface VerdictRuns {
  /** False when the reason's words need escapes (they are written raw): entries fall back. */
  readonly plain: boolean;
  readonly kind: KindRuns;
  /** After the reason's first endpoint: up to the line's number, or to the second endpoint. */
  readonly middle: Uint8Array;
  readonly last: Uint8Array;
  /** The `now` list, up to the cleanup command's first flag. */
  readonly now: Uint8Array;
  readonly bytes: number;
}

/** What a table's entries of one protocol share. */
interface ProtocolRuns {
  /** False when the protocol needs escapes (the cleanup command has it raw): entries fall back. */
  readonly plain: boolean;
  /** From the separator before the entry (`,`, then the line break) to the source address's opening quote. */
  readonly head: Uint8Array;
  /** The cleanup command's flags from the family to the source address, per family. */
  readonly ipv4: Uint8Array;
  readonly ipv6: Uint8Array;
  readonly bytes: number;
}

/** What a table's entries share: their addresses' bytes; per protocol, and per state and kind from `kind` to `now`. */
interface TableRuns {
  readonly addresses: AddressBytes;
  readonly protocols: (ProtocolRuns | undefined)[];
  readonly states: Map<string | undefined, Readonly<Record<Kind, Uint8Array>>>;
}

const KINDS: readonly Kind[] = ['blackhole', 'endpoint-gone', 'no-endpoints', 'service-gone'];

/** The reason's words around its endpoints (staleReason): before the first, after it, after the second. */
const reasonWords = (v: StaleVerdict, nowWords: string) => {
  switch (v.kind) {
    case 'blackhole':
      return {
        opening: 'not NATed, but the rules now send ',
        middle: ` to ${nowWords}: the entry predates the endpoints and pins the connection to the service address`,
        last: undefined,
      };
    case 'endpoint-gone':
      return {
        opening: 'DNATed to ',
        middle: `, which the rules no longer send this connection to (now: ${nowWords})`,
        last: undefined,
      };
    case 'no-endpoints':
      return {
        opening: 'DNATed to ',
        middle: `, but ${v.service} has no endpoints now: new connections are refused`,
        last: undefined,
      };
    case 'service-gone':
      return { opening: 'DNATed to ', middle: ', but no rule rewrites ', last: ' any more: the service is gone' };
    default: {
      const never: never = v.kind;
      return never;
    }
  }
};

/** `ip:port`, `[ip]:port` for IPv6 text, the address alone without a port: endpointText. */
function putEndpoint(out: Uint8Array, at: number, a: AddressBytes, id: number, n: number, port: number): number {
  if (port < 0) return putSlice(out, at, a.pool, a.start(id), n);
  const colon = a.colon(id);
  if (colon) out[at++] = 0x5b;
  at = putSlice(out, at, a.pool, a.start(id), n);
  if (colon) out[at++] = 0x5d;
  out[at++] = 0x3a;
  return putUint(out, at, port);
}

/** Writes plain rows' entries at one indent into a sink. */
class RowWriter {
  private readonly k: ConstantRuns;
  /** Every constant run, six numbers, and the brackets and colons of three endpoints. */
  private readonly constantBytes: number;
  private readonly kinds = new Map<Kind, KindRuns>();
  /** By the stale list's number of the verdict. */
  private readonly verdicts: (VerdictRuns | undefined)[] = [];
  private readonly tables = new Map<TableOrigin, TableRuns>();
  private lastOrigin: TableOrigin | undefined;
  private lastTable: TableRuns | undefined;
  /** The line break and indent of an entry's keys. */
  private readonly i: string;

  constructor(
    private readonly sink: ByteSink,
    private readonly indent: string,
  ) {
    this.k = constantRuns(indent);
    this.constantBytes = Object.values(this.k).reduce((n, run) => n + run.length, 0) + 6 * UINT_BYTES + 9;
    this.i = `\n${indent}  `;
    for (const kind of KINDS) {
      const opening = reasonWords({ verdict: 'stale', kind, service: null, now: [] }, '').opening;
      this.kinds.set(kind, {
        name: kind,
        afterTarget: utf8(`",${this.i}"reason": "${opening}`),
        noTarget: utf8(`,${this.i}"natTarget": null,${this.i}"reason": "${opening}`),
        dstFirst: kind === 'blackhole',
        dstSecond: kind === 'service-gone',
      });
    }
  }

  private verdictRuns(entries: StaleList, n: number): VerdictRuns {
    const id = entries.verdictIdOf(n);
    return (this.verdicts[id] ??= this.runsOf(entries.verdictOf(n)));
  }

  private runsOf(v: StaleVerdict): VerdictRuns {
    const i = this.i;
    const nowWords = v.now.join(', ');
    const words = reasonWords(v, nowWords);
    const toLine = `",${i}"service": ${q(v.service)},${i}"line": `;
    const kind = this.kinds.get(v.kind)!;
    const middle = utf8(words.last === undefined ? `${words.middle}${toLine}` : words.middle);
    const last = utf8(words.last === undefined ? '' : `${words.last}${toLine}`);
    const now = utf8(`${i}"now": ${q(v.now, null, 2).replaceAll('\n', i)},${i}"cleanup": "conntrack -D`);
    return {
      plain: plainInJson(nowWords) && plainInJson(words.middle),
      kind,
      middle,
      last,
      now,
      bytes: Math.max(kind.afterTarget.length, kind.noTarget.length) + middle.length + last.length + now.length,
    };
  }

  private tableRuns(origin: TableOrigin): TableRuns {
    if (origin === this.lastOrigin) return this.lastTable!;
    let table = this.tables.get(origin);
    if (table === undefined) {
      table = { addresses: new AddressBytes(origin.columns.addresses), protocols: [], states: new Map() };
      this.tables.set(origin, table);
    }
    this.lastOrigin = origin;
    this.lastTable = table;
    return table;
  }

  private protocolRuns(table: TableRuns, origin: TableOrigin, index: number): ProtocolRuns {
    let runs = table.protocols[index];
    if (runs === undefined) {
      const proto = origin.columns.protoName(index);
      const head = utf8(`,\n${this.indent}{${this.i}"proto": ${q(proto)},${this.i}"src": "`);
      const ipv6 = utf8(` -f ipv6 -p ${proto} -s `);
      runs = {
        plain: plainInJson(proto),
        head,
        ipv4: utf8(` -p ${proto} -s `),
        ipv6,
        bytes: head.length + ipv6.length,
      };
      table.protocols[index] = runs;
    }
    return runs;
  }

  /** From the entry's `kind` to its `now` key. */
  private stateRuns(
    table: TableRuns,
    origin: TableOrigin,
    state: string | undefined,
  ): Readonly<Record<Kind, Uint8Array>> {
    let runs = table.states.get(state);
    if (runs === undefined) {
      const i = this.i;
      const rest = `${i}"node": ${q(origin.node)},${i}"file": ${q(origin.file)},${i}"table": "conntrack",${
        state !== undefined ? `${i}"state": ${q(state)},` : ''
      }`;
      const of = (kind: Kind) => utf8(`,${i}"kind": ${q(kind)},${rest}`);
      runs = {
        blackhole: of('blackhole'),
        'endpoint-gone': of('endpoint-gone'),
        'no-endpoints': of('no-endpoints'),
        'service-gone': of('service-gone'),
      };
      table.states.set(state, runs);
    }
    return runs;
  }

  /**
   * Writes the list's entry `n`, a plain row (after `,` unless `first`); false (nothing written) when it needs the
   * fallback.
   */
  write(entries: StaleList, n: number, origin: TableOrigin, first: boolean): boolean {
    const r = entries.rowOf(n);
    const c = origin.columns;
    if (c.isObject(r)) return false;
    const runs = this.verdictRuns(entries, n);
    if (!runs.plain) return false;
    const table = this.tableRuns(origin);
    const proto = this.protocolRuns(table, origin, c.protoIndex(r));
    if (!proto.plain) return false;
    const a = table.addresses;
    const srcId = c.origSrcId(r);
    const dstId = c.origDstId(r);
    const replyId = c.replySrcId(r);
    const srcBytes = a.know(srcId);
    const dstBytes = a.know(dstId);
    const replyBytes = a.know(replyId);
    if (srcBytes < 0 || dstBytes < 0 || replyBytes < 0) return false;
    const kindRun = this.stateRuns(table, origin, c.state(r))[runs.kind.name];
    const sport = c.origSport(r);
    const dport = c.origDport(r);
    const replyPort = c.replySport(r);
    const k = this.k;
    const kind = runs.kind;
    const sink = this.sink;
    sink.room(this.constantBytes + runs.bytes + proto.bytes + kindRun.length + 3 * (srcBytes + dstBytes + replyBytes));
    const out = sink.buffer;
    const pool = a.pool;
    const src = a.start(srcId);
    const dst = a.start(dstId);
    const reply = a.start(replyId);
    let at = sink.at;
    at = first ? putSlice(out, at, proto.head, 1, proto.head.length - 1) : put(out, at, proto.head);
    at = putSlice(out, at, pool, src, srcBytes);
    at = put(out, at, k.sport);
    at = sport < 0 ? put(out, at, k.null) : putUint(out, at, sport);
    at = put(out, at, k.dst);
    at = putSlice(out, at, pool, dst, dstBytes);
    at = put(out, at, k.dport);
    at = dport < 0 ? put(out, at, k.null) : putUint(out, at, dport);
    if (replyId !== dstId || replyPort !== dport) {
      at = put(out, at, k.natTarget);
      at = putEndpoint(out, at, a, replyId, replyBytes, replyPort);
      at = put(out, at, kind.afterTarget);
    } else at = put(out, at, kind.noTarget);
    at = kind.dstFirst
      ? putEndpoint(out, at, a, dstId, dstBytes, dport)
      : putEndpoint(out, at, a, replyId, replyBytes, replyPort);
    at = put(out, at, runs.middle);
    if (kind.dstSecond) {
      at = putEndpoint(out, at, a, dstId, dstBytes, dport);
      at = put(out, at, runs.last);
    }
    at = putUint(out, at, c.line(r));
    at = put(out, at, kindRun);
    at = put(out, at, runs.now);
    at = put(out, at, c.family(r) === 'ipv6' ? proto.ipv6 : proto.ipv4);
    at = putSlice(out, at, pool, src, srcBytes);
    at = put(out, at, k.d);
    at = putSlice(out, at, pool, dst, dstBytes);
    if (sport >= 0) {
      at = put(out, at, k.sportFlag);
      at = putUint(out, at, sport);
      at = put(out, at, k.dportFlag);
      at = dport < 0 ? put(out, at, k.undefined) : putUint(out, at, dport);
    }
    at = put(out, at, k.r);
    at = putSlice(out, at, pool, reply, replyBytes);
    if (replyPort >= 0) {
      at = put(out, at, k.replyPort);
      at = putUint(out, at, replyPort);
    }
    sink.at = put(out, at, k.close);
    return true;
  }
}

/**
 * Writes the stale array's elements (from the first separator to the last element) at `indent`, handing out
 * full pieces; `fallback` writes an entry the columns cannot (its text, as entryWriter makes it). With `buffers`, pieces
 * are written into buffers given back as written.
 */
export function* staleEntryBytes(
  entries: StaleList,
  indent: string,
  fallback: (s: StaleEntry, indent: string) => string,
  buffers?: PieceBuffers,
): Generator<Uint8Array> {
  const sink = new ByteSink(buffers);
  const rows = new RowWriter(sink, indent);
  for (let n = 0; n < entries.length; n++) {
    const origin = entries.originOf(n);
    if (origin === undefined || !rows.write(entries, n, origin, n === 0))
      sink.text(`${n ? ',' : ''}\n${indent}${fallback(entries.entry(n), indent)}`);
    if (sink.full) yield* sink.handOut();
  }
  yield* sink.handOut(true);
}
