/**
 * One service of `services --json` written as text directly: the bytes JSON.stringify(serviceJson(view), null, 2)
 * gives at an indent, without the plain objects and the arrays that wrapped them for their indent. The fixed shapes
 * (service, node, entry point, endpoint share, evidence, client) are written key by key; what few services have
 * (observed connections, sticky clients, what stopped paths after DNAT) goes through JSON.stringify.
 */
import type { EndpointShare, EntryOutcome, EntryPoint, ServiceOnNode, ServiceView } from '../analyses/services/index';
import { consensusEndpoints } from '../analyses/services/index';

/** The text before each key, and the closing brace, of one object at one indent: made once per indent. */
function keysAt<K extends string>(indent: string, keys: readonly K[]): Record<K, string> & { close: string } {
  const inner = `${indent}  `;
  const out: Record<string, string> = { close: `\n${indent}}` };
  keys.forEach((k, i) => (out[k] = `${i ? ',' : '{'}\n${inner}${JSON.stringify(k)}: `));
  return out as Record<K, string> & { close: string };
}

/** The text around the elements of a non-empty array whose closing bracket is at `indent`. */
function listAt(indent: string) {
  const inner = `${indent}  `;
  return { first: `[\n${inner}`, next: `,\n${inner}`, close: `\n${indent}]` };
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

  constructor(readonly indent: string) {
    const at = (depth: number) => indent + '  '.repeat(depth);
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

let layout: Layout | undefined;

/** What JSON.stringify escapes in a string: quotes, backslashes, controls and surrogates (when alone). */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify's text of a string. Most (addresses, kinds, names, the dump's path) hold nothing it escapes: they
 * are quoted here, without a call into JSON.stringify's C++ for each (some 190,000 of them on 10,000 services).
 */
const text = (s: string): string => (ESCAPED.test(s) ? JSON.stringify(s) : `"${s}"`);
// JSON.stringify writes a number as String does, and NaN and the infinities as null.
const num = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');
const numOrNull = (n: number | null): string => (n === null ? 'null' : num(n));
const textOrNull = (s: string | null): string => (s === null ? 'null' : text(s));

/** JSON.stringify's text of a value whose key's line is indented by `lineBreak`. */
const stringifiedAt = (v: unknown, lineBreak: string): string => JSON.stringify(v, null, 2).replaceAll('\n', lineBreak);

/** An array's text: `[]` when empty, else each item's text between `l`'s brackets and separators. */
function listed<T>(list: readonly T[], l: List, item: (value: T) => string): string {
  if (list.length === 0) return '[]';
  let out = l.first + item(list[0]!);
  for (let i = 1; i < list.length; i++) out += l.next + item(list[i]!);
  return out + l.close;
}

const texts = (list: readonly string[], l: List): string => listed(list, l, text);

function shares(list: readonly EndpointShare[], l: List, k: Layout['share2']): string {
  return listed(list, l, (e) => {
    const share = k.ip + text(e.ip) + k.port + num(e.port) + k.probability + num(e.probability);
    return (e.weight !== undefined ? share + k.weight + num(e.weight) : share) + k.close;
  });
}

function outcome(o: EntryOutcome, y: Layout): string {
  const k = y.outcome4;
  const e = o.entry;
  const ev = e.evidence;
  const c = o.client;
  let out = k.kind + text(e.kind) + k.ip + textOrNull(e.ip) + k.port + num(e.port);
  if (e.sourceRanges) out += k.sourceRanges + texts(e.sourceRanges, y.list5);
  out +=
    k.evidence +
    y.evidence5.path +
    text(ev.path) +
    y.evidence5.line +
    num(ev.line) +
    y.evidence5.column +
    num(ev.column) +
    y.evidence5.close +
    k.verdict +
    text(o.verdict) +
    k.endpoints +
    shares(o.endpoints, y.list5, y.share6) +
    k.drop +
    num(o.drop) +
    k.reject +
    num(o.reject) +
    k.unhandled +
    num(o.unhandled) +
    k.masquerade +
    numOrNull(o.masquerade) +
    k.client +
    y.client5.src +
    text(c.src) +
    y.client5.dst +
    text(c.dst) +
    y.client5.close;
  if (o.estimate) out += k.estimate + text(o.estimate);
  if (o.duplicates.length) out += k.duplicates + texts(o.duplicates, y.list5);
  if (o.assumptions.length) out += k.assumptions + texts(o.assumptions, y.list5);
  if (o.afterDnat) out += k.afterDnat + stringifiedAt(o.afterDnat, y.break5);
  return out + k.close;
}

function node(n: ServiceOnNode, nodePort: EntryPoint | undefined, y: Layout, rare: RareParts): string {
  const k = y.node2;
  const np = nodePort ? n.outcomes.find((o) => o.entry === nodePort) : undefined;
  let out = k.node + text(n.node) + k.nodePort;
  out += np
    ? y.nodePort3.verdict +
      text(np.verdict) +
      y.nodePort3.endpoints +
      shares(np.endpoints, y.list4, y.share5) +
      y.nodePort3.close
    : 'null';
  out += k.present + String(n.present) + k.entryPoints + listed(n.outcomes, y.list3, (o) => outcome(o, y));
  if (n.observed.length) out += k.observed + stringifiedAt(rare.observed(n), y.break3);
  if (n.stickyClients.length) out += k.stickyClients + stringifiedAt(rare.stickyClients(n), y.break3);
  return out + k.close;
}

/** serviceJson's values of the keys few nodes have, written through JSON.stringify. */
export interface RareParts {
  observed(n: ServiceOnNode): unknown;
  stickyClients(n: ServiceOnNode): unknown;
}

/** The text of serviceJson(view) as JSON.stringify writes it with a gap of 2, at `indent` (its first line unindented). */
export function serviceText(view: ServiceView, indent: string, rare: RareParts): string {
  const y = layout?.indent === indent ? layout : (layout = new Layout(indent));
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
  const out =
    k.name +
    text(s.name) +
    k.protocol +
    text(s.protocol) +
    k.clusterIP +
    (cluster ? textOrNull(cluster.ip) : 'null') +
    k.port +
    (cluster ? num(cluster.port) : 'null') +
    k.nodePort +
    (nodePort ? num(nodePort.port) : 'null') +
    k.endpoints +
    shares(consensusEndpoints(view, cluster), y.list1, y.share2) +
    k.nodes +
    listed(view.nodes, y.list1, (n) => node(n, nodePort, y, rare));
  const external: string[] = [];
  const loadBalancer: string[] = [];
  for (const e of s.entryPoints) {
    if (e.kind === 'externalIP' || e.kind === 'external') external.push(e.ip!);
    else if (e.kind === 'loadBalancer') loadBalancer.push(e.ip!);
  }
  return (
    out +
    k.family +
    text(s.family) +
    k.proxyMode +
    text(s.proxyMode) +
    k.named +
    String(s.named) +
    k.externalIPs +
    texts(external, y.list1) +
    k.loadBalancerIPs +
    texts(loadBalancer, y.list1) +
    k.healthCheckNodePort +
    (healthCheck ? num(healthCheck.port) : 'null') +
    k.affinitySeconds +
    numOrNull(s.affinitySeconds) +
    k.externalTrafficPolicy +
    textOrNull(s.externalTrafficPolicy) +
    k.internalTrafficPolicy +
    text(s.internalTrafficPolicy) +
    k.close
  );
}
