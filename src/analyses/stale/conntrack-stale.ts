/**
 * One conntrack entry against the current rules. The entry records where its connection goes: the reply
 * direction's source is the DNAT target, or the original destination when nothing was rewritten. The
 * walk (or, in IPVS mode, the virtual service) says where a new connection with the same original tuple
 * would go now; an entry whose destination is not among those is stale.
 */
import type { ConntrackEntry } from '../../model/conntrack';
import type { ProbeProtocol } from '../trace/index';
import { entryCleanup } from './cleanup';
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

export type EntryVerdict =
  | { readonly verdict: 'valid' }
  | { readonly verdict: 'undecided'; readonly why: string }
  | {
      readonly verdict: 'stale';
      readonly kind: StaleKind;
      readonly reason: string;
      readonly service: string | null;
      readonly now: readonly string[];
      readonly cleanup: string;
    };

/** The reply comes from somewhere other than where the client sent to: the destination was rewritten. */
const rewritten = (e: ConntrackEntry) => e.reply.src !== e.orig.dst || e.reply.sport !== e.orig.dport;

/** Where the entry sends the connection, and whether that is a rewrite. */
export function recordedTarget(e: ConntrackEntry): { readonly natted: boolean; readonly target: string } {
  return { natted: rewritten(e), target: endpointText(e.reply.src, e.reply.sport) };
}

const VALID: EntryVerdict = { verdict: 'valid' };

function judge(e: ConntrackEntry, answer: Producible, service: () => string | null): EntryVerdict {
  const now = answer.now;
  if (!rewritten(e)) {
    if (answer.unchanged || now.length === 0) return VALID;
    return stale(
      e,
      'blackhole',
      `not NATed, but the rules now send ${endpointText(e.orig.dst, e.orig.dport)} to ${now.join(', ')}: the entry predates the endpoints and pins the connection to the service address`,
      service(),
      now,
    );
  }
  if (answer.produces(e.reply.src, e.reply.sport)) return VALID;
  const target = endpointText(e.reply.src, e.reply.sport);
  if (now.length)
    return stale(
      e,
      'endpoint-gone',
      `DNATed to ${target}, which the rules no longer send this connection to (now: ${now.join(', ')})`,
      service(),
      now,
    );
  const name = service();
  if (answer.refused && name)
    return stale(
      e,
      'no-endpoints',
      `DNATed to ${target}, but ${name} has no endpoints now: new connections are refused`,
      name,
      now,
    );
  return stale(
    e,
    'service-gone',
    `DNATed to ${target}, but no rule rewrites ${endpointText(e.orig.dst, e.orig.dport)} any more: the service is gone`,
    name,
    now,
  );
}

function stale(
  e: ConntrackEntry,
  kind: StaleKind,
  reason: string,
  service: string | null,
  now: readonly string[],
): EntryVerdict {
  return { verdict: 'stale', kind, reason, service, now, cleanup: entryCleanup(e) };
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
