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

/**
 * The text of `before`, a value of few distinct ones (a kind, a verdict, a protocol, a node's name, a port) as `show`
 * writes it, and `after`, made once per value: the service's text is a rope, one string joined per `+`, and these
 * constants are most of its joins.
 */
class Framed<V> {
  private readonly made = new Map<V, string>();

  constructor(
    private readonly before: string,
    private readonly after: string,
    private readonly show: (value: V) => string,
  ) {}

  of(value: V): string {
    let t = this.made.get(value);
    if (t === undefined) this.made.set(value, (t = this.before + this.show(value) + this.after));
    return t;
  }
}

/** Framed words: a string value quoted, or null. */
const worded = (before: string, after: string) => new Framed<string | null>(before, after, textOrNull);

/**
 * The text between the values of every object and array in a service written at one indent (names end in the
 * depth): keys with their punctuation, a string value's quotes (its inner text is joined between them), and the
 * words of the keys whose values are few.
 */
class Layout {
  readonly service;
  readonly list1;
  readonly list3;
  readonly list4;
  readonly list5;
  readonly share2;
  readonly share5;
  readonly share6;
  readonly name;
  readonly clusterIP;
  readonly clusterNull;
  readonly afterCluster;
  readonly nodePort;
  readonly endpoints1;
  readonly nodes;
  readonly family;
  readonly proxyMode;
  readonly named;
  readonly external;
  readonly noExternal;
  readonly loadBalancer;
  readonly noLoadBalancer;
  readonly healthCheck;
  readonly affinity;
  readonly externalPolicy;
  readonly internalPolicy;
  readonly nodeOpen;
  readonly npVerdict;
  readonly present;
  readonly notPresent;
  readonly nullPresent;
  readonly nullNotPresent;
  readonly node2;
  readonly outcome4;
  readonly openQuotedIp;
  readonly openNullIp;
  readonly port4;
  readonly path5;
  readonly column5;
  readonly verdict4;
  readonly drop4;
  readonly noneStopped4;
  readonly src5;
  readonly dst5;
  readonly clientClose5;
  /** For JSON.stringify's text of a value whose key is at these depths: its line breaks indented for its place. */
  readonly break3;
  readonly break5;

  constructor(readonly indent: string) {
    const at = (depth: number) => indent + '  '.repeat(depth);
    const k = (this.service = keysAt(indent, SERVICE));
    this.list1 = listAt(at(1));
    this.list3 = listAt(at(3));
    this.list4 = listAt(at(4));
    this.list5 = listAt(at(5));
    this.share2 = shareAt(at(2));
    this.share5 = shareAt(at(5));
    this.share6 = shareAt(at(6));
    this.name = `${k.name}"`;
    this.clusterIP = worded(`"${k.protocol}`, `${k.clusterIP}"`);
    this.clusterNull = worded(`"${k.protocol}`, `${k.clusterIP}null${k.port}`);
    this.afterCluster = `"${k.port}`;
    this.nodePort = k.nodePort;
    this.endpoints1 = k.endpoints;
    this.nodes = k.nodes;
    this.family = worded(k.family, k.proxyMode);
    this.proxyMode = worded('', k.named);
    this.named = { true: `true${k.externalIPs}`, false: `false${k.externalIPs}` };
    this.external = k.loadBalancerIPs;
    this.noExternal = `[]${k.loadBalancerIPs}`;
    this.loadBalancer = k.healthCheckNodePort;
    this.noLoadBalancer = `[]${k.healthCheckNodePort}`;
    this.healthCheck = k.affinitySeconds;
    this.affinity = k.externalTrafficPolicy;
    this.externalPolicy = worded('', k.internalTrafficPolicy);
    this.internalPolicy = worded('', k.close);
    const n = (this.node2 = keysAt(at(2), NODE));
    const np = keysAt(at(3), NODE_PORT);
    this.nodeOpen = worded(n.node, n.nodePort);
    this.npVerdict = worded(np.verdict, np.endpoints);
    this.nullPresent = `null${n.present}true${n.entryPoints}`;
    this.nullNotPresent = `null${n.present}false${n.entryPoints}`;
    this.present = `${np.close}${n.present}true${n.entryPoints}`;
    this.notPresent = `${np.close}${n.present}false${n.entryPoints}`;
    const o = (this.outcome4 = keysAt(at(4), OUTCOME));
    const ev = keysAt(at(5), EVIDENCE);
    const c = keysAt(at(5), CLIENT);
    this.openQuotedIp = worded(o.kind, `${o.ip}"`);
    this.openNullIp = worded(o.kind, `${o.ip}null${o.port}`);
    this.port4 = `"${o.port}`;
    this.path5 = worded(`${o.evidence}${ev.path}`, ev.line);
    this.column5 = ev.column;
    this.verdict4 = worded(ev.close + o.verdict, o.endpoints);
    this.drop4 = o.drop;
    this.noneStopped4 = `${o.drop}0${o.reject}0${o.unhandled}0${o.masquerade}`;
    this.src5 = worded(o.client + c.src, '');
    this.dst5 = `${c.dst}"`;
    this.clientClose5 = `"${c.close}`;
    this.break3 = `\n${at(3)}`;
    this.break5 = `\n${at(5)}`;
  }
}

/** An endpoint share's text around its values at one indent; a share of 1 without weight (most) ends in one constant. */
function shareAt(indent: string) {
  const k = keysAt(indent, SHARE);
  return {
    ip: `${k.ip}"`,
    port: `"${k.port}`,
    probability: k.probability,
    weight: k.weight,
    close: k.close,
    /** From the address's closing quote to the end, by port (most endpoints of a dump share a few ports). */
    whole: new Framed<number>(`"${k.port}`, `${k.probability}1${k.close}`, num),
  };
}

type Share = ReturnType<typeof shareAt>;

let layout: Layout | undefined;

/** What JSON.stringify escapes in a string: quotes, backslashes, controls and surrogates (when alone). */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify's text of a string. Most (addresses, kinds, names, the dump's path) hold nothing it escapes: they
 * are quoted here, without a call into JSON.stringify's C++ for each (some 190,000 of them on 10,000 services).
 */
const text = (s: string): string => (ESCAPED.test(s) ? JSON.stringify(s) : `"${s}"`);
/** The text between the quotes of JSON.stringify's text of a string: most often the string itself. */
const inner = (s: string): string => (ESCAPED.test(s) ? JSON.stringify(s).slice(1, -1) : s);
// JSON.stringify writes a number as String does, and NaN and the infinities as null.
const num = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');
const numOrNull = (n: number | null): string => (n === null ? 'null' : num(n));
const textOrNull = (s: string | null): string => (s === null ? 'null' : text(s));

/** JSON.stringify's text of a value whose key's line is indented by `lineBreak`. */
const stringifiedAt = (v: unknown, lineBreak: string): string => JSON.stringify(v, null, 2).replaceAll('\n', lineBreak);

/**
 * An array's text: `[]` when empty, else each item's text between `l`'s brackets and separators. `item` is given `c`
 * rather than closing over it: no function made per list.
 */
function listed<T, C>(list: readonly T[], l: List, item: (value: T, c: C) => string, c: C): string {
  if (list.length === 0) return '[]';
  let out = l.first + item(list[0]!, c);
  for (let i = 1; i < list.length; i++) out += l.next + item(list[i]!, c);
  return out + l.close;
}

const texts = (list: readonly string[], l: List): string => listed(list, l, text, undefined);

function share(e: EndpointShare, k: Share): string {
  if (e.probability === 1 && e.weight === undefined) return k.ip + inner(e.ip) + k.whole.of(e.port);
  const out = k.ip + inner(e.ip) + k.port + num(e.port) + k.probability + num(e.probability);
  return (e.weight !== undefined ? out + k.weight + num(e.weight) : out) + k.close;
}

const shares = (list: readonly EndpointShare[], l: List, k: Share): string => listed(list, l, share, k);

function outcome(o: EntryOutcome, y: Layout): string {
  const k = y.outcome4;
  const e = o.entry;
  const ev = e.evidence;
  const c = o.client;
  let out =
    e.ip === null
      ? y.openNullIp.of(e.kind) + num(e.port)
      : y.openQuotedIp.of(e.kind) + inner(e.ip) + y.port4 + num(e.port);
  if (e.sourceRanges) out += k.sourceRanges + texts(e.sourceRanges, y.list5);
  out +=
    y.path5.of(ev.path) +
    num(ev.line) +
    y.column5 +
    num(ev.column) +
    y.verdict4.of(o.verdict) +
    shares(o.endpoints, y.list5, y.share6) +
    (o.drop === 0 && o.reject === 0 && o.unhandled === 0
      ? y.noneStopped4
      : y.drop4 + num(o.drop) + k.reject + num(o.reject) + k.unhandled + num(o.unhandled) + k.masquerade) +
    numOrNull(o.masquerade) +
    y.src5.of(c.src) +
    y.dst5 +
    inner(c.dst) +
    y.clientClose5;
  if (o.estimate) out += k.estimate + text(o.estimate);
  if (o.duplicates.length) out += k.duplicates + texts(o.duplicates, y.list5);
  if (o.assumptions.length) out += k.assumptions + texts(o.assumptions, y.list5);
  if (o.afterDnat) out += k.afterDnat + stringifiedAt(o.afterDnat, y.break5);
  return out + k.close;
}

/** What every node's text of one service is written with. */
interface NodeText {
  readonly nodePort: EntryPoint | undefined;
  readonly y: Layout;
  readonly rare: RareParts;
}

function node(n: ServiceOnNode, { nodePort, y, rare }: NodeText): string {
  const k = y.node2;
  const np = nodePort ? n.outcomes.find((o) => o.entry === nodePort) : undefined;
  let out = y.nodeOpen.of(n.node);
  if (np) out += y.npVerdict.of(np.verdict) + shares(np.endpoints, y.list4, y.share5);
  out += np ? (n.present ? y.present : y.notPresent) : n.present ? y.nullPresent : y.nullNotPresent;
  out += listed(n.outcomes, y.list3, outcome, y);
  if (n.observed.length) out += k.observed + stringifiedAt(rare.observed(n), y.break3);
  if (n.stickyClients.length) out += k.stickyClients + stringifiedAt(rare.stickyClients(n), y.break3);
  return out + k.close;
}

/** The addresses of the entry points of one or two kinds as a list at `l`'s indent; undefined when there are none. */
function addresses(
  entries: readonly EntryPoint[],
  l: List,
  first: EntryPoint['kind'],
  second?: EntryPoint['kind'],
): string | undefined {
  let out: string | undefined;
  for (const e of entries)
    if (e.kind === first || e.kind === second) out = (out === undefined ? l.first : out + l.next) + text(e.ip!);
  return out === undefined ? undefined : out + l.close;
}

/** serviceJson's values of the keys few nodes have, written through JSON.stringify. */
export interface RareParts {
  observed(n: ServiceOnNode): unknown;
  stickyClients(n: ServiceOnNode): unknown;
}

/** The text of serviceJson(view) as JSON.stringify writes it with a gap of 2, at `indent` (its first line unindented). */
export function serviceText(view: ServiceView, indent: string, rare: RareParts): string {
  const y = layout?.indent === indent ? layout : (layout = new Layout(indent));
  const s = view.service;
  let cluster: EntryPoint | undefined;
  let nodePort: EntryPoint | undefined;
  let healthCheck: EntryPoint | undefined;
  for (const e of s.entryPoints) {
    if (e.kind === 'clusterIP') cluster ??= e;
    else if (e.kind === 'nodePort') nodePort ??= e;
    else if (e.kind === 'healthCheckNodePort') healthCheck ??= e;
  }
  let out = y.name + inner(s.name);
  out +=
    cluster && cluster.ip !== null
      ? y.clusterIP.of(s.protocol) + inner(cluster.ip) + y.afterCluster + num(cluster.port)
      : y.clusterNull.of(s.protocol) + (cluster ? num(cluster.port) : 'null');
  out +=
    y.nodePort +
    (nodePort ? num(nodePort.port) : 'null') +
    y.endpoints1 +
    shares(consensusEndpoints(view, cluster), y.list1, y.share2) +
    y.nodes;
  out += listed(view.nodes, y.list1, node, { nodePort, y, rare });
  const external = addresses(s.entryPoints, y.list1, 'externalIP', 'external');
  const loadBalancer = addresses(s.entryPoints, y.list1, 'loadBalancer');
  return (
    out +
    y.family.of(s.family) +
    y.proxyMode.of(s.proxyMode) +
    (s.named ? y.named.true : y.named.false) +
    (external === undefined ? y.noExternal : external + y.external) +
    (loadBalancer === undefined ? y.noLoadBalancer : loadBalancer + y.loadBalancer) +
    (healthCheck ? num(healthCheck.port) : 'null') +
    y.healthCheck +
    numOrNull(s.affinitySeconds) +
    y.affinity +
    y.externalPolicy.of(s.externalTrafficPolicy) +
    y.internalPolicy.of(s.internalTrafficPolicy)
  );
}
