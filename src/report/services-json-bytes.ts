/**
 * The services of `services --json` written as UTF-8 bytes directly: the bytes JSON.stringify(serviceJson(view),
 * null, 2) gives at an indent, without the plain objects, the arrays that wrapped them for their indent, or a string
 * per value. The fixed shapes (service, node, entry point, endpoint share, evidence, client) are written key by key
 * from keys encoded once per indent; what few services have (observed connections, sticky clients, what stopped paths
 * after DNAT) goes through JSON.stringify.
 */
import type { EndpointShare, EntryOutcome, EntryPoint, ServiceOnNode, ServiceView } from '../analyses/services/index';
import { consensusEndpoints } from '../analyses/services/index';
import { ByteSink, type PieceBuffers, put, putUint, utf8 } from './byte-sink';

/** The bytes before each key, and the closing brace, of one object at one indent; `size`, all of them together. */
type Keys<K extends string> = Record<K | 'close', Uint8Array> & { size: number };

function keysAt<K extends string>(indent: string, keys: readonly K[]): Keys<K> {
  const inner = `${indent}  `;
  const out: Record<string, Uint8Array | number> = { close: utf8(`\n${indent}}`) };
  let size = indent.length + 2;
  keys.forEach((k, i) => {
    const bytes = utf8(`${i ? ',' : '{'}\n${inner}${JSON.stringify(k)}: `);
    out[k] = bytes;
    size += bytes.length;
  });
  out['size'] = size;
  return out as Keys<K>;
}

/** The bytes around the elements of a non-empty array whose closing bracket is at `indent`. */
function listAt(indent: string) {
  const inner = `${indent}  `;
  return { first: utf8(`[\n${inner}`), next: utf8(`,\n${inner}`), close: utf8(`\n${indent}]`), size: inner.length + 2 };
}

type List = ReturnType<typeof listAt>;

// Every key an object of the shape may have, in the order serviceJson writes them; an optional key is written
// from its own prefix, which starts with a comma (the shapes never start with an optional key).
const SERVICE = [
  'name',
  'protocol',
  'clusterIP',
  'port',
  'nodePort',
  'endpoints',
  'nodes',
  'family',
  'proxyMode',
  'named',
  'externalIPs',
  'loadBalancerIPs',
  'healthCheckNodePort',
  'affinitySeconds',
  'externalTrafficPolicy',
  'internalTrafficPolicy',
] as const;
const NODE = ['node', 'nodePort', 'present', 'entryPoints', 'observed', 'stickyClients'] as const;
const NODE_PORT = ['verdict', 'endpoints'] as const;
const SHARE = ['ip', 'port', 'probability', 'weight'] as const;
const OUTCOME = [
  'kind',
  'ip',
  'port',
  'sourceRanges',
  'evidence',
  'verdict',
  'endpoints',
  'drop',
  'reject',
  'unhandled',
  'masquerade',
  'client',
  'estimate',
  'duplicates',
  'assumptions',
  'afterDnat',
] as const;
const EVIDENCE = ['path', 'line', 'column'] as const;
const CLIENT = ['src', 'dst'] as const;

/** The keys and brackets of every object and array in a service written at one indent (names end in the depth). */
class Layout {
  readonly separator;
  readonly first;
  readonly service;
  readonly list1;
  readonly share2;
  readonly node2;
  readonly list3;
  readonly nodePort3;
  readonly outcome4;
  readonly list4;
  readonly share5;
  readonly evidence5;
  readonly client5;
  readonly list5;
  readonly share6;
  /** For JSON.stringify's text of a value whose key is at these depths: its line breaks indented for its place. */
  readonly break3;
  readonly break5;

  constructor(indent: string) {
    const at = (depth: number) => indent + '  '.repeat(depth);
    this.first = utf8(`\n${indent}`);
    this.separator = utf8(`,\n${indent}`);
    this.service = keysAt(indent, SERVICE);
    this.list1 = listAt(at(1));
    this.share2 = keysAt(at(2), SHARE);
    this.node2 = keysAt(at(2), NODE);
    this.list3 = listAt(at(3));
    this.nodePort3 = keysAt(at(3), NODE_PORT);
    this.outcome4 = keysAt(at(4), OUTCOME);
    this.list4 = listAt(at(4));
    this.share5 = keysAt(at(5), SHARE);
    this.evidence5 = keysAt(at(5), EVIDENCE);
    this.client5 = keysAt(at(5), CLIENT);
    this.list5 = listAt(at(5));
    this.share6 = keysAt(at(6), SHARE);
    this.break3 = `\n${at(3)}`;
    this.break5 = `\n${at(5)}`;
  }
}

/** The most bytes a number takes as JSON.stringify writes it (`-1.2345678901234567e-308`, with room to spare). */
const NUMBER = 32;
/** The most bytes a string of `n` UTF-16 units takes in JSON: `\u001f` for each, between quotes. */
const textBytes = (s: string) => 6 * s.length + 2;
/** Room for the literals an object writes beside its keys and values (`null`, `true`, `false`, `[]`). */
const LITERALS = 16;

const encoder = new TextEncoder();
const NULL = utf8('null');
const TRUE = utf8('true');
const FALSE = utf8('false');
const EMPTY = utf8('[]');

/** Text JSON.stringify already wrote (or writes): encoded as it is. The caller made room. */
function putJson(out: Uint8Array, at: number, json: string): number {
  return at + encoder.encodeInto(json, out.subarray(at)).written;
}

/** A string as JSON.stringify writes it; the caller made room (textBytes). Printable ASCII is copied unit by unit. */
function putText(out: Uint8Array, at: number, s: string): number {
  out[at] = 0x22;
  let p = at + 1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return putJson(out, at, JSON.stringify(s));
    out[p++] = c;
  }
  out[p] = 0x22;
  return p + 1;
}

const putTextOrNull = (out: Uint8Array, at: number, s: string | null): number =>
  s === null ? put(out, at, NULL) : putText(out, at, s);

/** A number as JSON.stringify writes it (NaN and the infinities as null). */
function putNumber(out: Uint8Array, at: number, n: number): number {
  // Ports, lines and counts: digits without a string.
  if (n >= 0 && n <= 0x7fffffff && Number.isInteger(n)) return putUint(out, at, n);
  if (!Number.isFinite(n)) return put(out, at, NULL);
  const s = String(n);
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  return at + s.length;
}

const putNumberOrNull = (out: Uint8Array, at: number, n: number | null): number =>
  n === null ? put(out, at, NULL) : putNumber(out, at, n);

/** serviceJson's values of the keys few nodes have, written through JSON.stringify. */
export interface RareParts {
  observed(n: ServiceOnNode): unknown;
  stickyClients(n: ServiceOnNode): unknown;
}

/** Writes services into a sink: each object asks for room for all of its own bytes before it is written. */
class ServiceWriter {
  private layout: Layout | undefined;
  private indent = '';

  constructor(
    readonly sink: ByteSink,
    private readonly rare: RareParts,
  ) {}

  /** JSON.stringify's text of a value whose key's line is indented by `lineBreak`. */
  private stringified(v: unknown, lineBreak: string): void {
    this.sink.text(JSON.stringify(v, null, 2).replaceAll('\n', lineBreak));
  }

  private texts(list: readonly string[], l: List): void {
    const sink = this.sink;
    if (list.length === 0) {
      sink.room(LITERALS);
      sink.at = put(sink.buffer, sink.at, EMPTY);
      return;
    }
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      sink.room(l.size + textBytes(s));
      sink.at = putText(sink.buffer, put(sink.buffer, sink.at, i ? l.next : l.first), s);
    }
    sink.room(l.size);
    sink.at = put(sink.buffer, sink.at, l.close);
  }

  private shares(list: readonly EndpointShare[], l: List, k: Keys<(typeof SHARE)[number]>): void {
    const sink = this.sink;
    if (list.length === 0) {
      sink.room(LITERALS);
      sink.at = put(sink.buffer, sink.at, EMPTY);
      return;
    }
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      sink.room(l.size + k.size + textBytes(e.ip) + 4 * NUMBER);
      const b = sink.buffer;
      let at = put(b, sink.at, i ? l.next : l.first);
      at = putText(b, put(b, at, k.ip), e.ip);
      at = putNumber(b, put(b, at, k.port), e.port);
      at = putNumber(b, put(b, at, k.probability), e.probability);
      if (e.weight !== undefined) at = putNumber(b, put(b, at, k.weight), e.weight);
      sink.at = put(b, at, k.close);
    }
    sink.room(l.size);
    sink.at = put(sink.buffer, sink.at, l.close);
  }

  private outcome(o: EntryOutcome, y: Layout): void {
    const sink = this.sink;
    const k = y.outcome4;
    const e = o.entry;
    const ev = e.evidence;
    const c = o.client;
    sink.room(k.size + textBytes(e.kind) + (e.ip === null ? 0 : textBytes(e.ip)) + NUMBER + LITERALS);
    let b = sink.buffer;
    let at = putText(b, put(b, sink.at, k.kind), e.kind);
    at = putTextOrNull(b, put(b, at, k.ip), e.ip);
    sink.at = putNumber(b, put(b, at, k.port), e.port);
    if (e.sourceRanges) this.keyed(k.sourceRanges, () => this.texts(e.sourceRanges!, y.list5));
    sink.room(k.size + y.evidence5.size + textBytes(ev.path) + textBytes(o.verdict) + 2 * NUMBER);
    b = sink.buffer;
    const ek = y.evidence5;
    at = putText(b, put(b, put(b, sink.at, k.evidence), ek.path), ev.path);
    at = putNumber(b, put(b, at, ek.line), ev.line);
    at = putNumber(b, put(b, at, ek.column), ev.column);
    at = put(b, at, ek.close);
    at = putText(b, put(b, at, k.verdict), o.verdict);
    sink.at = put(b, at, k.endpoints);
    this.shares(o.endpoints, y.list5, y.share6);
    sink.room(k.size + y.client5.size + textBytes(c.src) + textBytes(c.dst) + 4 * NUMBER + LITERALS);
    b = sink.buffer;
    at = putNumber(b, put(b, sink.at, k.drop), o.drop);
    at = putNumber(b, put(b, at, k.reject), o.reject);
    at = putNumber(b, put(b, at, k.unhandled), o.unhandled);
    at = putNumberOrNull(b, put(b, at, k.masquerade), o.masquerade);
    const ck = y.client5;
    at = putText(b, put(b, put(b, at, k.client), ck.src), c.src);
    at = putText(b, put(b, at, ck.dst), c.dst);
    sink.at = put(b, at, ck.close);
    if (o.estimate) {
      sink.room(k.size + textBytes(o.estimate));
      sink.at = putText(sink.buffer, put(sink.buffer, sink.at, k.estimate), o.estimate);
    }
    if (o.duplicates.length) this.keyed(k.duplicates, () => this.texts(o.duplicates, y.list5));
    if (o.assumptions.length) this.keyed(k.assumptions, () => this.texts(o.assumptions, y.list5));
    if (o.afterDnat) this.keyed(k.afterDnat, () => this.stringified(o.afterDnat, y.break5));
    sink.room(k.size);
    sink.at = put(sink.buffer, sink.at, k.close);
  }

  /** A key, then its value written by `value`. */
  private keyed(key: Uint8Array, value: () => void): void {
    this.sink.room(key.length);
    this.sink.at = put(this.sink.buffer, this.sink.at, key);
    value();
  }

  private node(n: ServiceOnNode, nodePort: EntryPoint | undefined, y: Layout): void {
    const sink = this.sink;
    const k = y.node2;
    const np = nodePort ? n.outcomes.find((o) => o.entry === nodePort) : undefined;
    sink.room(k.size + y.nodePort3.size + textBytes(n.node) + textBytes(np?.verdict ?? '') + LITERALS);
    let b = sink.buffer;
    let at = putText(b, put(b, sink.at, k.node), n.node);
    at = put(b, at, k.nodePort);
    if (np) {
      at = putText(b, put(b, at, y.nodePort3.verdict), np.verdict);
      sink.at = put(b, at, y.nodePort3.endpoints);
      this.shares(np.endpoints, y.list4, y.share5);
      sink.room(y.nodePort3.size + k.size + LITERALS);
      b = sink.buffer;
      at = put(b, sink.at, y.nodePort3.close);
    } else at = put(b, at, NULL);
    at = put(b, put(b, at, k.present), n.present ? TRUE : FALSE);
    sink.at = put(b, at, k.entryPoints);
    const l = y.list3;
    if (n.outcomes.length === 0) {
      sink.room(LITERALS);
      sink.at = put(sink.buffer, sink.at, EMPTY);
    } else {
      for (let i = 0; i < n.outcomes.length; i++) {
        sink.room(l.size);
        sink.at = put(sink.buffer, sink.at, i ? l.next : l.first);
        this.outcome(n.outcomes[i]!, y);
      }
      sink.room(l.size);
      sink.at = put(sink.buffer, sink.at, l.close);
    }
    if (n.observed.length) this.keyed(k.observed, () => this.stringified(this.rare.observed(n), y.break3));
    if (n.stickyClients.length)
      this.keyed(k.stickyClients, () => this.stringified(this.rare.stickyClients(n), y.break3));
    sink.room(k.size);
    sink.at = put(sink.buffer, sink.at, k.close);
  }

  /** The bytes of serviceJson(view) as JSON.stringify writes them with a gap of 2, after a line break and `indent`. */
  service(view: ServiceView, indent: string, first: boolean): void {
    if (this.layout === undefined || this.indent !== indent) {
      this.layout = new Layout(indent);
      this.indent = indent;
    }
    const y = this.layout;
    const sink = this.sink;
    const k = y.service;
    const s = view.service;
    let cluster: EntryPoint | undefined;
    let nodePort: EntryPoint | undefined;
    let healthCheck: EntryPoint | undefined;
    for (const e of s.entryPoints) {
      if (e.kind === 'clusterIP') cluster ??= e;
      else if (e.kind === 'nodePort') nodePort ??= e;
      else if (e.kind === 'healthCheckNodePort') healthCheck ??= e;
    }
    sink.room(
      y.separator.length +
        k.size +
        textBytes(s.name) +
        textBytes(s.protocol) +
        (cluster?.ip ? textBytes(cluster.ip) : 0) +
        2 * NUMBER +
        LITERALS,
    );
    let b = sink.buffer;
    let at = put(b, sink.at, first ? y.first : y.separator);
    at = putText(b, put(b, at, k.name), s.name);
    at = putText(b, put(b, at, k.protocol), s.protocol);
    at = put(b, at, k.clusterIP);
    at = cluster ? putTextOrNull(b, at, cluster.ip) : put(b, at, NULL);
    at = put(b, at, k.port);
    at = cluster ? putNumber(b, at, cluster.port) : put(b, at, NULL);
    at = put(b, at, k.nodePort);
    at = nodePort ? putNumber(b, at, nodePort.port) : put(b, at, NULL);
    sink.at = put(b, at, k.endpoints);
    this.shares(consensusEndpoints(view, cluster), y.list1, y.share2);
    sink.room(k.size);
    sink.at = put(sink.buffer, sink.at, k.nodes);
    const l = y.list1;
    if (view.nodes.length === 0) {
      sink.room(LITERALS);
      sink.at = put(sink.buffer, sink.at, EMPTY);
    } else {
      for (let i = 0; i < view.nodes.length; i++) {
        sink.room(l.size);
        sink.at = put(sink.buffer, sink.at, i ? l.next : l.first);
        this.node(view.nodes[i]!, nodePort, y);
      }
      sink.room(l.size);
      sink.at = put(sink.buffer, sink.at, l.close);
    }
    const external: string[] = [];
    const loadBalancer: string[] = [];
    for (const e of s.entryPoints) {
      if (e.kind === 'externalIP' || e.kind === 'external') external.push(e.ip!);
      else if (e.kind === 'loadBalancer') loadBalancer.push(e.ip!);
    }
    sink.room(k.size + textBytes(s.family) + textBytes(s.proxyMode) + LITERALS);
    b = sink.buffer;
    at = putText(b, put(b, sink.at, k.family), s.family);
    at = putText(b, put(b, at, k.proxyMode), s.proxyMode);
    at = put(b, put(b, at, k.named), s.named ? TRUE : FALSE);
    sink.at = put(b, at, k.externalIPs);
    this.texts(external, y.list1);
    sink.room(k.size);
    sink.at = put(sink.buffer, sink.at, k.loadBalancerIPs);
    this.texts(loadBalancer, y.list1);
    const policy = s.externalTrafficPolicy;
    sink.room(
      k.size + 2 * NUMBER + (policy === null ? 0 : textBytes(policy)) + textBytes(s.internalTrafficPolicy) + LITERALS,
    );
    b = sink.buffer;
    at = put(b, sink.at, k.healthCheckNodePort);
    at = healthCheck ? putNumber(b, at, healthCheck.port) : put(b, at, NULL);
    at = putNumberOrNull(b, put(b, at, k.affinitySeconds), s.affinitySeconds);
    at = putTextOrNull(b, put(b, at, k.externalTrafficPolicy), policy);
    at = putText(b, put(b, at, k.internalTrafficPolicy), s.internalTrafficPolicy);
    sink.at = put(b, at, k.close);
  }
}

/**
 * The services as jsonPieces writes an array's elements at `indent` (from the first one's line break to the last
 * one's end), as UTF-8 pieces handed out as they fill.
 */
export function* servicesBytes(
  services: Iterable<ServiceView>,
  indent: string,
  rare: RareParts,
  buffers?: PieceBuffers,
): Generator<Uint8Array> {
  const writer = new ServiceWriter(new ByteSink(buffers), rare);
  let first = true;
  for (const view of services) {
    writer.service(view, indent, first);
    first = false;
    if (writer.sink.full) yield* writer.sink.handOut();
  }
  yield* writer.sink.handOut(true);
}
