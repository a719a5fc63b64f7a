/**
 * One conntrack entry against the current rules. The entry records where its connection goes: the reply
 * direction's source is the DNAT target, or the original destination when nothing was rewritten. The
 * walk (or, in IPVS mode, the virtual service) says where a new connection with the same original tuple
 * would go now; an entry whose destination is not among those is stale.
 */
import type { ConntrackEntry } from '../../model/conntrack';
import type { ProbeProtocol } from '../trace/index';
import type { FamilyContext } from './family-context';
import { endpointText } from '../finding-text';
import { type Producible, producibleOf } from './new-connection-destinations';
import type { StaleKind } from './model';
import { saveCommandOf } from '../../model/ruleset';

const WALKED: Readonly<Record<string, ProbeProtocol>> = {
  tcp: 'tcp',
  udp: 'udp',
  sctp: 'sctp',
  icmp: 'icmp',
  icmpv6: 'icmp',
};

/** A stale entry's verdict: its words (reason, cleanup) are made from the entry when a report asks for them. */
export interface StaleVerdict {
  readonly verdict: 'stale';
  readonly kind: ConntrackStaleKind;
  readonly service: string | null;
  readonly now: readonly string[];
}

export type ConntrackStaleKind = Exclude<StaleKind, 'ipvs-real-server-gone' | 'ipvs-service-gone'>;

export type EntryVerdict =
  | { readonly verdict: 'valid' }
  | { readonly verdict: 'undecided'; readonly why: string }
  | StaleVerdict;

/** The reply comes from somewhere other than where the client sent to: the destination was rewritten. */
const rewritten = (e: ConntrackEntry) => e.reply.src !== e.orig.dst || e.reply.sport !== e.orig.dport;

/** Where the entry sends the connection, and whether that is a rewrite. */
export function recordedTarget(e: ConntrackEntry): { readonly natted: boolean; readonly target: string } {
  return { natted: rewritten(e), target: endpointText(e.reply.src, e.reply.sport) };
}

/** The entry's DNAT target (`ip:port`), null when it records no rewrite. */
export const natTargetOf = (e: ConntrackEntry): string | null =>
  rewritten(e) ? endpointText(e.reply.src, e.reply.sport) : null;

const VALID: EntryVerdict = { verdict: 'valid' };

/** Why the entry is stale, in words. */
export function staleReason(e: ConntrackEntry, v: StaleVerdict): string {
  const now = v.now.join(', ');
  const target = endpointText(e.reply.src, e.reply.sport);
  switch (v.kind) {
    case 'blackhole':
      return `not NATed, but the rules now send ${endpointText(e.orig.dst, e.orig.dport)} to ${now}: the entry predates the endpoints and pins the connection to the service address`;
    case 'endpoint-gone':
      return `DNATed to ${target}, which the rules no longer send this connection to (now: ${now})`;
    case 'no-endpoints':
      return `DNATed to ${target}, but ${v.service} has no endpoints now: new connections are refused`;
    case 'service-gone':
      return `DNATed to ${target}, but no rule rewrites ${endpointText(e.orig.dst, e.orig.dport)} any more: the service is gone`;
    default: {
      const never: never = v.kind;
      return never;
    }
  }
}

function judge(e: ConntrackEntry, answer: Producible, service: () => string | null): EntryVerdict {
  const now = answer.now;
  if (!rewritten(e)) {
    if (answer.unchanged || now.length === 0) return VALID;
    return stale('blackhole', service(), now);
  }
  if (answer.produces(e.reply.src, e.reply.sport)) return VALID;
  if (now.length) return stale('endpoint-gone', service(), now);
  const name = service();
  if (answer.refused && name) return stale('no-endpoints', name, now);
  return stale('service-gone', name, now);
}

function stale(kind: ConntrackStaleKind, service: string | null, now: readonly string[]): StaleVerdict {
  return { verdict: 'stale', kind, service, now };
}

/** IPVS mode: the virtual service's real servers are where new connections go (weight-0 ones keep theirs). */
function judgeVirtual(e: ConntrackEntry, ctx: FamilyContext, proto: string): EntryVerdict | undefined {
  const v = ctx.virtualAt(proto, e.orig.dst, e.orig.dport);
  if (!v) return undefined;
  const targets = v.virtual.destinations.map((d) => ({ ip: d.endpoint.address, port: d.endpoint.port }));
  return judge(e, producibleOf(targets, false, targets.length === 0), () => v.service);
}

export function judgeEntry(ctx: FamilyContext, e: ConntrackEntry): EntryVerdict {
  if (ctx.blocked) return { verdict: 'undecided', why: ctx.blocked };
  const proto = WALKED[e.proto];
  if (!proto) return { verdict: 'undecided', why: `${e.proto} connections are not walked` };
  const byIpvs = ctx.hasIpvs ? judgeVirtual(e, ctx, e.proto) : undefined;
  if (byIpvs) return byIpvs;
  if (!ctx.answers) return { verdict: 'undecided', why: `no ${saveCommandOf(e.family)} dump` };
  const answer = ctx.answers.answer(proto, e.orig);
  if ('undecided' in answer) return { verdict: 'undecided', why: answer.undecided };
  const verdict = judge(e, answer, () => ctx.serviceAt(e.proto, e.orig.dst, e.orig.dport));
  // What part of a ruleset does not send a connection to may be what its missing part does.
  return verdict.verdict === 'stale' && ctx.partial ? { verdict: 'undecided', why: ctx.partial } : verdict;
}
