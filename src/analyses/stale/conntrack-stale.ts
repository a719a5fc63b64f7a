/**
 * One conntrack entry against the current rules. The entry records where its connection goes: the reply
 * direction's source is the DNAT target, or the original destination when nothing was rewritten. The
 * walk (or, in IPVS mode, the virtual service) says where a new connection with the same original tuple
 * would go now; an entry whose destination is not among those is stale.
 */
import type { ConntrackEntry } from '../../model/conntrack';
import { parseIp } from '../trace/address';
import type { Probe, ProbeProtocol } from '../trace/index';
import { entryCleanup } from './cleanup';
import type { FamilyContext } from './family-context';
import { type Producible, producible, targetText } from './producible';
import type { StaleKind } from './model';

const WALKED: Readonly<Record<string, ProbeProtocol>> = { tcp: 'tcp', udp: 'udp', sctp: 'sctp', icmp: 'icmp', icmpv6: 'icmp' };

export type EntryVerdict =
  | { readonly verdict: 'valid'; readonly rewritable: boolean }
  | { readonly verdict: 'undecided'; readonly why: string }
  | { readonly verdict: 'stale'; readonly kind: StaleKind; readonly reason: string; readonly service: string | null; readonly now: readonly string[]; readonly cleanup: string };

/** Where the entry sends the connection, and whether that is a rewrite. */
export function recordedTarget(e: ConntrackEntry): { readonly natted: boolean; readonly target: string } {
  const natted = e.reply.src !== e.orig.dst || e.reply.sport !== e.orig.dport;
  return { natted, target: targetText(e.reply.src, e.reply.sport) };
}

function answerFor(ctx: FamilyContext, e: ConntrackEntry, proto: ProbeProtocol): Producible | { readonly undecided: string } {
  const tracer = ctx.tracer!;
  const network = tracer.network;
  const src = parseIp(e.orig.src);
  if (!src) return { undecided: `not an address: ${e.orig.src}` };
  const local = network.isLocal(src);
  const inIface = local || !network.knowsInterfaces ? undefined : network.route(src)?.dev;
  const facts = { proto, src, dst: e.orig.dst, local, ...(e.orig.sport !== undefined ? { sport: e.orig.sport } : {}), ...(e.orig.dport !== undefined ? { dport: e.orig.dport } : {}), ...(e.orig.type !== undefined ? { icmpType: e.orig.type } : {}), ...(inIface !== undefined ? { in: inIface } : {}) };
  const key = ctx.flowKey!(facts);
  let answer = ctx.answers.get(key);
  if (!answer) {
    const probe: Probe = {
      src: e.orig.src,
      dst: e.orig.dst,
      proto,
      ...(e.orig.sport !== undefined ? { sport: e.orig.sport, dport: e.orig.dport! } : {}),
      ...(e.orig.type !== undefined ? { icmpType: e.orig.type } : {}),
      ...(local ? { local: true } : inIface !== undefined ? { in: inIface } : {}),
    };
    answer = producible(tracer, probe);
    ctx.answers.set(key, answer);
  }
  return answer;
}

const list = (targets: Iterable<string>) => [...targets].sort();

function judge(e: ConntrackEntry, answer: Producible, service: string | null): EntryVerdict {
  const { natted, target } = recordedTarget(e);
  const now = list(answer.targets);
  const valid: EntryVerdict = { verdict: 'valid', rewritable: now.length > 0 };
  const stale = (kind: StaleKind, reason: string): EntryVerdict => ({ verdict: 'stale', kind, reason, service, now, cleanup: entryCleanup(e) });
  if (natted) {
    if (answer.targets.has(target)) return valid;
    if (now.length) return stale('endpoint-gone', `DNATed to ${target}, which the rules no longer send this connection to (now: ${now.join(', ')})`);
    if (answer.refused && service) return stale('no-endpoints', `DNATed to ${target}, but ${service} has no endpoints now: new connections are refused`);
    return stale('service-gone', `DNATed to ${target}, but no rule rewrites ${targetText(e.orig.dst, e.orig.dport)} any more: the service is gone`);
  }
  if (!answer.unchanged && now.length) {
    return stale('blackhole', `not NATed, but the rules now send ${targetText(e.orig.dst, e.orig.dport)} to ${now.join(', ')}: the entry predates the endpoints and pins the connection to the service address`);
  }
  return valid;
}

/** IPVS mode: the virtual service's real servers are where new connections go (weight-0 ones keep theirs). */
function judgeVirtual(e: ConntrackEntry, ctx: FamilyContext, proto: string): EntryVerdict | undefined {
  const v = ctx.virtualAt(proto, e.orig.dst, e.orig.dport);
  if (!v) return undefined;
  const servers = new Set(v.virtual.destinations.map((d) => targetText(d.endpoint.address, d.endpoint.port)));
  const answer: Producible = { targets: servers, unchanged: false, refused: servers.size === 0 };
  return judge(e, answer, v.service);
}

export function judgeEntry(ctx: FamilyContext, e: ConntrackEntry): EntryVerdict {
  if (ctx.blocked) return { verdict: 'undecided', why: ctx.blocked };
  const proto = WALKED[e.proto];
  if (!proto) return { verdict: 'undecided', why: `${e.proto} connections are not walked` };
  const byIpvs = judgeVirtual(e, ctx, e.proto);
  if (byIpvs) return byIpvs;
  if (!ctx.tracer) return { verdict: 'undecided', why: `no ${e.family === 'ipv4' ? 'iptables-save' : 'ip6tables-save'} dump` };
  const answer = answerFor(ctx, e, proto);
  if ('undecided' in answer) return { verdict: 'undecided', why: answer.undecided };
  return judge(e, answer, ctx.serviceAt(e.proto, e.orig.dst, e.orig.dport));
}
