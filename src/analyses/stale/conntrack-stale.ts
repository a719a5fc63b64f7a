/**
 * One conntrack entry against the current rules. The entry records where its connection goes: the reply
 * direction's source is the DNAT target, or the original destination when nothing was rewritten. The
 * walk (or, in IPVS mode, the virtual service) says where a new connection with the same original tuple
 * would go now; an entry whose destination is not among those is stale.
 */
import type { EntryRow } from './entry-row';
import type { ProbeProtocol } from '../trace/index';
import type { FamilyContext, VirtualService } from './family-context';
import type { AddressIds } from './address-ids';
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

/** Where the entry sends the connection (`ip:port`). */
export const recordedTarget = (e: EntryRow): string => endpointText(e.reply.src, e.reply.sport);

/** The entry's DNAT target (`ip:port`), null when it records no rewrite. */
export const natTargetOf = (e: EntryRow): string | null => (e.rewritten() ? recordedTarget(e) : null);

const VALID: EntryVerdict = { verdict: 'valid' };

/** The `now` lists in words: stale entries share a few thousand lists. */
const joined = new WeakMap<readonly string[], string>();

function nowWords(now: readonly string[]): string {
  let words = joined.get(now);
  if (words === undefined) joined.set(now, (words = now.join(', ')));
  return words;
}

/** Why the entry is stale, in words. */
export function staleReason(e: EntryRow, v: StaleVerdict): string {
  const now = nowWords(v.now);
  const target = recordedTarget(e);
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

/** Where a stale entry's service name comes from: asked only for entries found stale. */
interface ServiceOf {
  serviceOfRow(e: EntryRow): string | null;
}

function judge(e: EntryRow, answer: Producible, ids: AddressIds, names: ServiceOf): EntryVerdict {
  const now = answer.now;
  if (!e.rewritten()) {
    if (answer.unchanged || now.length === 0) return VALID;
    return stale(answer, 'blackhole', names.serviceOfRow(e));
  }
  if (answer.produces(ids.ofTable(e.addresses, e.replySrcId), e.reply.sport)) return VALID;
  if (now.length) return stale(answer, 'endpoint-gone', names.serviceOfRow(e));
  const name = names.serviceOfRow(e);
  if (answer.refused && name) return stale(answer, 'no-endpoints', name);
  return stale(answer, 'service-gone', name);
}

const KIND_INDEX: Readonly<Record<ConntrackStaleKind, number>> = {
  blackhole: 0,
  'endpoint-gone': 1,
  'no-endpoints': 2,
  'service-gone': 3,
};

/** Verdicts by answer, kind and service: a million stale entries share a few thousand of them. */
function stale(answer: Producible, kind: ConntrackStaleKind, service: string | null): StaleVerdict {
  const byKind = answer.staleVerdicts;
  const k = KIND_INDEX[kind];
  let byService = byKind[k];
  if (!byService) byKind[k] = byService = new Map();
  let v = byService.get(service);
  if (!v) byService.set(service, (v = { verdict: 'stale', kind, service, now: answer.now }));
  return v;
}

/** An IPVS virtual service's real servers as an answer, with its service's name: made once per virtual service. */
const virtualAnswers = new WeakMap<VirtualService, { readonly answer: Producible; readonly names: ServiceOf }>();

/** IPVS mode: the virtual service's real servers are where new connections go (weight-0 ones keep theirs). */
function judgeVirtual(e: EntryRow, ctx: FamilyContext, proto: string): EntryVerdict | undefined {
  const v = ctx.virtualAt(proto, e.orig.dst, e.orig.dport);
  if (!v) return undefined;
  let made = virtualAnswers.get(v);
  if (!made) {
    const targets = v.virtual.destinations.map((d) => ({ ip: d.endpoint.address, port: d.endpoint.port }));
    const answer = producibleOf(targets, false, targets.length === 0, ctx.addressIds);
    virtualAnswers.set(v, (made = { answer, names: { serviceOfRow: () => v.service } }));
  }
  return judge(e, made.answer, ctx.addressIds, made.names);
}

export function judgeEntry(ctx: FamilyContext, e: EntryRow): EntryVerdict {
  if (ctx.blocked) return { verdict: 'undecided', why: ctx.blocked };
  const proto = WALKED[e.proto];
  if (!proto) return { verdict: 'undecided', why: `${e.proto} connections are not walked` };
  const byIpvs = ctx.hasIpvs ? judgeVirtual(e, ctx, e.proto) : undefined;
  if (byIpvs) return byIpvs;
  if (!ctx.answers) return { verdict: 'undecided', why: `no ${saveCommandOf(e.family)} dump` };
  const answer = ctx.answers.answer(proto, e);
  if ('undecided' in answer) return { verdict: 'undecided', why: answer.undecided };
  const verdict = judge(e, answer, ctx.addressIds, ctx);
  // What part of a ruleset does not send a connection to may be what its missing part does.
  return verdict.verdict === 'stale' && ctx.partial ? { verdict: 'undecided', why: ctx.partial } : verdict;
}
