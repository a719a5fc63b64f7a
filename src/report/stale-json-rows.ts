/**
 * `stale --json`'s entries written as bytes straight from the conntrack table's columns: a plain row's fields,
 * reason and cleanup command are written piece by piece (the same text entryWriter makes of the entry's
 * object), with keys, repeated values and `now` lists encoded once. Rows of other shapes (zones, icmp), IPVS
 * entries and entries with text JSON escapes go through entryWriter.
 */
import type { StaleEntry } from '../analyses/stale/index';
import type { TableOrigin } from '../analyses/stale/conntrack-stale-entry';
import type { StaleVerdict } from '../analyses/stale/conntrack-stale';
import type { StaleList } from '../analyses/stale/stale-list';
import { ByteSink, plainInJson, utf8 } from './byte-sink';

/** Per address of a table, once: whether it is written as itself in JSON, and whether it is IPv6 text. */
const UNKNOWN = 0;
const PLAIN = 1;
const ESCAPED = 2;
const COLON = 4;

class AddressFlags {
  private addresses: readonly string[] | undefined;
  private flags = new Uint8Array(0);

  of(addresses: readonly string[], i: number): number {
    if (addresses !== this.addresses || i >= this.flags.length) {
      const next = new Uint8Array(addresses.length);
      if (addresses === this.addresses) next.set(this.flags);
      this.flags = next;
      this.addresses = addresses;
    }
    let f = this.flags[i]!;
    if (f === UNKNOWN) {
      const a = addresses[i]!;
      this.flags[i] = f = (plainInJson(a) ? PLAIN : ESCAPED) | (a.includes(':') ? COLON : 0);
    }
    return f;
  }
}

/** The constant parts of an entry at one indent, encoded once. */
function keysAt(indent: string) {
  const i = `\n${indent}  `;
  return {
    open: utf8(`{${i}"proto": `),
    src: utf8(`,${i}"src": `),
    sport: utf8(`,${i}"sport": `),
    dst: utf8(`,${i}"dst": `),
    dport: utf8(`,${i}"dport": `),
    natTarget: utf8(`,${i}"natTarget": `),
    reason: utf8(`,${i}"reason": "`),
    service: utf8(`",${i}"service": `),
    line: utf8(`,${i}"line": `),
    kind: utf8(`,${i}"kind": `),
    node: utf8(`,${i}"node": `),
    file: utf8(`,${i}"file": `),
    table: utf8(`,${i}"table": "conntrack",`),
    state: utf8(`${i}"state": `),
    stateEnd: utf8(','),
    now: utf8(`${i}"now": `),
    cleanup: utf8(`,${i}"cleanup": "conntrack -D`),
    close: utf8(`"\n${indent}}`),
  };
}

const NULL = utf8('null');

/** Byte runs as one, so that a run that is the same for many entries is copied in one go. */
function joined(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const IPV6_FLAG = utf8(' -f ipv6');

/**
 * Writes the stale array's elements (from the first separator to the last element) at `indent`, handing out
 * full pieces; `fallback` writes an entry the columns cannot (its text, as entryWriter makes it).
 */
export function* staleEntryBytes(
  entries: StaleList,
  indent: string,
  fallback: (s: StaleEntry, indent: string) => string,
): Generator<Uint8Array> {
  const sink = new ByteSink();
  const keys = keysAt(indent);
  const first = utf8(`\n${indent}`);
  const between = utf8(`,\n${indent}`);
  const quoted = new Map<string, Uint8Array>();
  const few = (v: string | null | undefined): Uint8Array => {
    if (v === null || v === undefined) return NULL;
    let b = quoted.get(v);
    if (b === undefined) quoted.set(v, (b = utf8(JSON.stringify(v))));
    return b;
  };
  const lists = new WeakMap<readonly string[], Uint8Array>();
  const listBytes = (now: readonly string[]): Uint8Array => {
    let b = lists.get(now);
    if (b === undefined) lists.set(now, (b = utf8(JSON.stringify(now, null, 2).replaceAll('\n', `\n${indent}  `))));
    return b;
  };
  // The `now` words of a reason, inside its JSON string (null when they need escapes: the entry falls back).
  const words = new WeakMap<readonly string[], Uint8Array | null>();
  const nowWords = (now: readonly string[]): Uint8Array | null => {
    let b = words.get(now);
    if (b === undefined) {
      const text = now.join(', ');
      words.set(now, (b = plainInJson(text) ? utf8(text) : null));
    }
    return b;
  };
  // What an entry writes after its reason up to its line, and after `state` up to its cleanup command, is its
  // verdict's: the same for the thousands of entries that share one.
  const verdictRuns = new WeakMap<StaleVerdict, { readonly service: Uint8Array; readonly now: Uint8Array }>();
  const runsOf = (v: StaleVerdict) => {
    let runs = verdictRuns.get(v);
    if (runs === undefined) {
      runs = {
        service: joined(keys.service, few(v.service), keys.line),
        now: joined(keys.now, listBytes(v.now), keys.cleanup),
      };
      verdictRuns.set(v, runs);
    }
    return runs;
  };
  // From the entry's kind to its table's name, per kind and table.
  const originRuns = new WeakMap<TableOrigin, Map<StaleVerdict['kind'], Uint8Array>>();
  const kindAndOrigin = (origin: TableOrigin, kind: StaleVerdict['kind']): Uint8Array => {
    let byKind = originRuns.get(origin);
    if (byKind === undefined) originRuns.set(origin, (byKind = new Map()));
    let run = byKind.get(kind);
    if (run === undefined) {
      run = joined(keys.kind, few(kind), keys.node, few(origin.node), keys.file, few(origin.file), keys.table);
      byKind.set(kind, run);
    }
    return run;
  };
  const states = new Map<string, Uint8Array>();
  const stateRun = (state: string): Uint8Array => {
    let run = states.get(state);
    if (run === undefined) states.set(state, (run = joined(keys.state, few(state), keys.stateEnd)));
    return run;
  };
  const flags = new AddressFlags();
  const text = {
    blackholeOpen: utf8('not NATed, but the rules now send '),
    blackholeTo: utf8(' to '),
    blackholeClose: utf8(': the entry predates the endpoints and pins the connection to the service address'),
    dnatTo: utf8('DNATed to '),
    goneNow: utf8(', which the rules no longer send this connection to (now: '),
    goneClose: utf8(')'),
    but: utf8(', but '),
    noEndpoints: utf8(' has no endpoints now: new connections are refused'),
    noRule: utf8(', but no rule rewrites '),
    serviceGone: utf8(' any more: the service is gone'),
    proto: utf8(' -p '),
    s: utf8(' -s '),
    d: utf8(' -d '),
    sport: utf8(' --sport '),
    dportFlag: utf8(' --dport '),
    r: utf8(' -r '),
    replyPort: utf8(' --reply-port-src '),
  };

  /** `ip:port`, `[ip]:port` for IPv6 text, the address alone without a port: endpointText. */
  const endpoint = (address: string, colon: boolean, port: number) => {
    if (port < 0) {
      sink.text(address);
      return;
    }
    if (colon) sink.text('[');
    sink.text(address);
    sink.text(colon ? ']:' : ':');
    sink.integer(port);
  };

  /** Writes a plain row's entry; false (nothing written) when the entry needs the fallback. */
  const row = (origin: TableOrigin, r: number, v: StaleVerdict): boolean => {
    const c = origin.columns;
    if (c.isObject(r)) return false;
    const a = c.addresses;
    const srcId = c.origSrcId(r);
    const dstId = c.origDstId(r);
    const replyId = c.replySrcId(r);
    const srcFlags = flags.of(a, srcId);
    const dstFlags = flags.of(a, dstId);
    const replyFlags = flags.of(a, replyId);
    if ((srcFlags | dstFlags | replyFlags) & ESCAPED) return false;
    const service = v.service;
    if (service !== null && v.kind === 'no-endpoints' && !plainInJson(service)) return false;
    const now = nowWords(v.now);
    if (now === null) return false;
    const sport = c.origSport(r);
    const dport = c.origDport(r);
    const replyPort = c.replySport(r);
    const src = a[srcId]!;
    const dst = a[dstId]!;
    const reply = a[replyId]!;
    const rewritten = replyId !== dstId || replyPort !== dport;
    const replyEndpoint = () => endpoint(reply, (replyFlags & COLON) !== 0, replyPort);
    const protoName = c.proto(r);
    if (!plainInJson(protoName)) return false;
    const proto = few(protoName);
    sink.bytes(keys.open);
    sink.bytes(proto);
    sink.bytes(keys.src);
    sink.quoted(src);
    sink.bytes(keys.sport);
    if (sport < 0) sink.bytes(NULL);
    else sink.integer(sport);
    sink.bytes(keys.dst);
    sink.quoted(dst);
    sink.bytes(keys.dport);
    if (dport < 0) sink.bytes(NULL);
    else sink.integer(dport);
    sink.bytes(keys.natTarget);
    if (rewritten) {
      sink.text('"');
      replyEndpoint();
      sink.text('"');
    } else sink.bytes(NULL);
    sink.bytes(keys.reason);
    switch (v.kind) {
      case 'blackhole':
        sink.bytes(text.blackholeOpen);
        endpoint(dst, (dstFlags & COLON) !== 0, dport);
        sink.bytes(text.blackholeTo);
        sink.bytes(now);
        sink.bytes(text.blackholeClose);
        break;
      case 'endpoint-gone':
        sink.bytes(text.dnatTo);
        replyEndpoint();
        sink.bytes(text.goneNow);
        sink.bytes(now);
        sink.bytes(text.goneClose);
        break;
      case 'no-endpoints':
        sink.bytes(text.dnatTo);
        replyEndpoint();
        sink.bytes(text.but);
        sink.text(`${service}`);
        sink.bytes(text.noEndpoints);
        break;
      case 'service-gone':
        sink.bytes(text.dnatTo);
        replyEndpoint();
        sink.bytes(text.noRule);
        endpoint(dst, (dstFlags & COLON) !== 0, dport);
        sink.bytes(text.serviceGone);
        break;
      default: {
        const never: never = v.kind;
        return never;
      }
    }
    const runs = runsOf(v);
    sink.bytes(runs.service);
    sink.integer(c.line(r));
    sink.bytes(kindAndOrigin(origin, v.kind));
    const state = c.state(r);
    if (state !== undefined) sink.bytes(stateRun(state));
    sink.bytes(runs.now);
    if (c.family(r) === 'ipv6') sink.bytes(IPV6_FLAG);
    sink.bytes(text.proto);
    // The protocol's quoted bytes without their quotes: protocol names need no escapes (they are few, checked once).
    sink.bytes(proto.subarray(1, proto.length - 1));
    sink.bytes(text.s);
    sink.text(src);
    sink.bytes(text.d);
    sink.text(dst);
    if (sport >= 0) {
      sink.bytes(text.sport);
      sink.integer(sport);
      sink.bytes(text.dportFlag);
      if (dport < 0) sink.text('undefined');
      else sink.integer(dport);
    }
    sink.bytes(text.r);
    sink.text(reply);
    if (replyPort >= 0) {
      sink.bytes(text.replyPort);
      sink.integer(replyPort);
    }
    sink.bytes(keys.close);
    return true;
  };

  // Whether a table's node and file names need escapes: asked per entry, worked out per table.
  const plainOrigins = new WeakMap<TableOrigin, boolean>();
  const plainOrigin = (origin: TableOrigin): boolean => {
    let plain = plainOrigins.get(origin);
    if (plain === undefined) plainOrigins.set(origin, (plain = plainInJson(origin.file) && plainInJson(origin.node)));
    return plain;
  };
  for (let n = 0; n < entries.length; n++) {
    sink.bytes(n ? between : first);
    const origin = entries.originOf(n);
    const written = origin !== undefined && plainOrigin(origin) && row(origin, entries.rowOf(n), entries.verdictOf(n));
    if (!written) sink.text(fallback(entries.entry(n), indent));
    if (sink.full) yield sink.take();
  }
  if (!sink.empty) yield sink.take();
}
