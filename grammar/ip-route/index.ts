/**
 * `ip route` / `ip -6 route` / `ip route show table all`: `[TYPE] DST [key value | flag]…`, multipath routes
 * followed by indented `nexthop via … dev … weight N` lines.
 */
import type { IpRouteBody } from '../../src/model/section';
import type { Route, RouteNexthop } from '../../src/model/ip';
import { type DumpFormat, startsWithAny } from '../shared/reader';
import { decimalWord } from '../shared/decimal';
import type { LineProblem } from '../shared/problem';
import { WordLineReader } from '../shared/word-line-reader';
import type { WordLine, WordToken } from '../shared/word-lines';

type Draft = { -readonly [K in keyof Route]: Route[K] } & {
  nexthops?: RouteNexthop[];
  attributes: Record<string, string | true>;
};

const ROUTE_TYPES = new Set([
  'unicast',
  'local',
  'broadcast',
  'multicast',
  'anycast',
  'unreachable',
  'blackhole',
  'prohibit',
  'throw',
  'nat',
]);
const FLAGS = new Set([
  'onlink',
  'linkdown',
  'pervasive',
  'dead',
  'notify',
  'offload',
  'trap',
  'rt_offload',
  'rt_trap',
  'rt_offload_failed',
  'cache',
  'cloned',
]);
const DESTINATION = /^(default|[0-9a-fA-F.:]+(\/\d+)?)$/;
/** `ip rule`'s priority (`0:	from all lookup local`): policy routing, which is no route, and ends a route listing. */
const RULE_PRIORITY = /^\d+:$/;
/** `ip neigh`'s lines (`10.244.1.5 dev veth0 lladdr 6a:… REACHABLE`): a neighbour's link address, no route. */
const NEIGHBOUR = /\slladdr\s|\s(?:PERMANENT|NOARP|REACHABLE|STALE|NONE|INCOMPLETE|DELAY|PROBE|FAILED)\s*$/;

class IpRouteReader extends WordLineReader<IpRouteBody> {
  private readonly routes: Draft[] = [];

  protected line(l: WordLine): LineProblem | undefined {
    const w = l.words;
    if (w[0]!.text === 'nexthop') return this.nexthop(w);
    if (RULE_PRIORITY.test(w[0]!.text))
      return { problem: 'ends', message: 'an ip rule line, not a route', column: w[0]!.column };
    if (NEIGHBOUR.test(l.raw))
      return { problem: 'ends', message: 'an ip neigh line, not a route', column: w[0]!.column };
    let i = 0;
    const type = ROUTE_TYPES.has(w[0]!.text) ? w[i++]!.text : 'unicast';
    const dstWord = w[i++];
    if (!dstWord || !DESTINATION.test(dstWord.text))
      return {
        problem: 'broken',
        message: `expected a destination prefix or default, got '${dstWord?.text ?? ''}'`,
        column: (dstWord ?? w[0]!).column,
      };
    const route: Draft = {
      line: l.line,
      family: 'inet',
      type,
      dst: withLength(dstWord.text),
      table: 'main',
      attributes: {},
    };
    const problem = readAttributes(w.slice(i), route);
    if (problem) return problem;
    const hint = dstWord.text === 'default' ? (route.via ?? route.src ?? '') : dstWord.text;
    route.family = hint.includes(':') ? 'inet6' : 'inet';
    this.routes.push(route);
    return undefined;
  }

  private nexthop(w: readonly WordToken[]): LineProblem | undefined {
    const route = this.routes[this.routes.length - 1];
    if (!route) return { problem: 'broken', message: 'nexthop before any route', column: w[0]!.column };
    const hop: { -readonly [K in keyof RouteNexthop]?: RouteNexthop[K] } = {};
    for (let i = 1; i < w.length; i += 2) {
      const k = w[i]!.text;
      const v = w[i + 1]?.text;
      if (FLAGS.has(k)) {
        i--;
        continue;
      }
      if (v === undefined) return { problem: 'broken', message: `${k} needs a value`, column: w[i]!.column };
      if (k === 'via') hop.via = v.replace(/^inet6? /, '');
      else if (k === 'dev') hop.dev = v;
      else if (k === 'weight') hop.weight = decimalWord(v);
    }
    (route.nexthops ??= []).push(hop);
    return undefined;
  }

  protected body(): IpRouteBody {
    return { kind: 'ip-route', records: this.routes.length, diagnostics: this.diagnostics, routes: this.routes };
  }
}

function withLength(dst: string): string {
  if (dst === 'default' || dst.includes('/')) return dst;
  return `${dst}/${dst.includes(':') ? 128 : 32}`;
}

function readAttributes(w: readonly WordToken[], route: Draft): LineProblem | undefined {
  for (let i = 0; i < w.length; i++) {
    const k = w[i]!.text;
    if (FLAGS.has(k)) {
      route.attributes[k] = true;
      continue;
    }
    let v = w[i + 1];
    // `mtu lock 1500`: the lock modifier belongs to the value.
    if (v?.text === 'lock' && w[i + 2]) v = { ...w[i + 2]!, text: `lock ${w[i + 2]!.text}` };
    if (!v) return { problem: 'broken', message: `${k} needs a value`, column: w[i]!.column };
    i += v.text.startsWith('lock ') ? 2 : 1;
    switch (k) {
      case 'via': {
        // `via inet6 fe80::1` names the family of the gateway first.
        if ((v.text === 'inet' || v.text === 'inet6') && w[i + 1]) v = w[++i]!;
        route.via = v.text;
        break;
      }
      case 'dev':
        route.dev = v.text;
        break;
      case 'src':
        route.src = v.text;
        break;
      case 'proto':
        route.proto = v.text;
        break;
      case 'scope':
        route.scope = v.text;
        break;
      case 'table':
        route.table = v.text;
        break;
      case 'metric':
        route.metric = decimalWord(v.text);
        break;
      default:
        route.attributes[k] = v.text;
    }
  }
  return undefined;
}

export const ipRouteFormat: DumpFormat = {
  name: 'ip-route',
  distinctive: false,
  starts: (line) =>
    !NEIGHBOUR.test(line) &&
    startsWithAny([
      /^(?!\d+:\s)((unicast|local|broadcast|multicast|anycast|unreachable|blackhole|prohibit|throw|nat)\s+)?(default|[0-9a-fA-F.:]+(\/\d+)?)\s+(via|dev|proto|table|nhid|metric|scope|src|from)\s/,
    ])(line),
  reader: () => new IpRouteReader(),
};
