/**
 * One conntrack entry against the current rules. The entry records where its connection goes: the reply
 * direction's source is the DNAT target, or the original destination when nothing was rewritten. The
 * walk (or, in IPVS mode, the virtual service) says where a new connection with the same original tuple
 * would go now; an entry whose destination is not among those is stale.
 */
import type { EntryRow } from './entry-row';
import type { ProbeProtocol } from '../trace/index';
import type { FamilyContext, VirtualService } from './family-context';
import { type AnswerCache, NOT_ADDRESS, NOW_EMPTY, UNCHANGED, UNDECIDED } from './answer-cache';
import type { ConntrackColumns } from '../../model/conntrack-columns';
import type { Numbered } from './stale-list';
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

/** Where the entry sends the connection (`ip:port`). */
export const recordedTarget = (e: EntryRow): string => endpointText(e.reply.src, e.reply.sport);

/** The entry's DNAT target (`ip:port`), null when it records no rewrite. */
export const natTargetOf = (e: EntryRow): string | null => (e.rewritten() ? recordedTarget(e) : null);

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

/**
 * What judging an entry gives: the number of its stale verdict among the context's verdicts (0 up), VALID, or why it
 * could not be decided. A million entries make no verdict object each and are pushed on by number.
 */
export type Judged = number | string;

export const VALID = -1;

const KINDS: readonly ConntrackStaleKind[] = ['blackhole', 'endpoint-gone', 'no-endpoints', 'service-gone'];
const BLACKHOLE = 0;
const ENDPOINT_GONE = 1;
const NO_ENDPOINTS = 2;
const SERVICE_GONE = 3;

/**
 * VALID, or the kind of stale verdict (an index of KINDS; SERVICE_GONE when the service's name decides between it
 * and NO_ENDPOINTS). `replyAddress` is the reply source's number among the answer's AddressIds, asked only when
 * `rewritten`.
 */
function staleKind(
  answer: Producible,
  rewritten: boolean,
  replyAddress: number,
  replyPort: number | undefined,
): number {
  if (!rewritten) return answer.unchanged || answer.now.length === 0 ? VALID : BLACKHOLE;
  if (answer.produces(replyAddress, replyPort)) return VALID;
  return answer.now.length ? ENDPOINT_GONE : SERVICE_GONE;
}

/** A service the rules still name that refuses connections has no endpoints; one they do not name is gone. */
function namedKind(kind: number, answer: Producible, service: string | null): number {
  return kind === SERVICE_GONE && answer.refused && service ? NO_ENDPOINTS : kind;
}

/**
 * The verdict's number for a stale kind and the service's name; undecided when the rules are only part of the
 * node's, or the IPVS listing that would name the entry's virtual service shows only some.
 */
function staleOf(ctx: FamilyContext, answer: Producible, kind: number, service: string | null): Judged {
  if (ctx.partial) return ctx.partial;
  if (ctx.ipvsShown) return ctx.ipvsShown.reason;
  return stale(answer, namedKind(kind, answer, service), service, ctx.verdicts);
}

/** Verdicts by answer, kind and service: a million stale entries share a few thousand of them. */
function stale(answer: Producible, kind: number, service: string | null, verdicts: Numbered<StaleVerdict>): number {
  const byKind = answer.staleVerdicts;
  let byService = byKind[kind];
  if (!byService) byKind[kind] = byService = new Map();
  let v = byService.get(service);
  if (v === undefined)
    byService.set(service, (v = verdicts.id({ verdict: 'stale', kind: KINDS[kind]!, service, now: answer.now })));
  return v;
}

/** How a loaded row stands against an answer: VALID, or the kind of stale it is. */
function entryKind(answer: Producible, e: EntryRow, ctx: FamilyContext): number {
  const rewritten = e.rewritten();
  return staleKind(
    answer,
    rewritten,
    rewritten ? ctx.addressIds.ofTable(e.addresses, e.replySrcId) : -1,
    e.reply.sport,
  );
}

/** An IPVS virtual service's real servers as an answer: made once per virtual service. */
const virtualAnswers = new WeakMap<VirtualService, Producible>();

/** IPVS mode: the virtual service's real servers are where new connections go (weight-0 ones keep theirs). */
function judgeVirtual(e: EntryRow, ctx: FamilyContext, proto: string): Judged | undefined {
  const v = ctx.virtualAt(proto, e.orig.dst, e.orig.dport);
  if (!v) return undefined;
  let answer = virtualAnswers.get(v);
  if (!answer) {
    const targets = v.virtual.destinations.map((d) => ({ ip: d.endpoint.address, port: d.endpoint.port }));
    virtualAnswers.set(v, (answer = producibleOf(targets, false, targets.length === 0, ctx.addressIds)));
  }
  const kind = entryKind(answer, e, ctx);
  if (kind === VALID) return VALID;
  if (ctx.ipvsShown && !ctx.ipvsShown.serversWhole) return ctx.ipvsShown.reason;
  // The virtual service's own name, not the rules' (IPVS connections are not partial by the rules).
  return stale(answer, namedKind(kind, answer, v.service), v.service, ctx.verdicts);
}

/** Judges a row loaded as an EntryRow: rows of any shape, and any context. */
export function judgeEntry(ctx: FamilyContext, e: EntryRow): Judged {
  if (ctx.blocked) return ctx.blocked;
  const proto = WALKED[e.proto];
  if (!proto) return `${e.proto} connections are not walked`;
  const byIpvs = ctx.hasIpvs ? judgeVirtual(e, ctx, e.proto) : undefined;
  if (byIpvs !== undefined) return byIpvs;
  if (!ctx.answers) return `no ${saveCommandOf(e.family)} dump`;
  const answer = ctx.answers.answer(proto, e);
  if ('undecided' in answer) return answer.undecided;
  const kind = entryKind(answer, e, ctx);
  if (kind === VALID) return VALID;
  // What part of a ruleset does not send a connection to may be what its missing part does.
  return staleOf(ctx, answer, kind, ctx.serviceOfRow(e));
}

/** The protocol a row of this name is walked as, undefined when it is not walked. */
export const walkedAs = (proto: string): ProbeProtocol | undefined => WALKED[proto];

/**
 * Judges plain row `i` of a table (not an object row) read from its columns, for a context judgeRow can take
 * (rowJudged): the same verdict judgeEntry gives the row loaded, without loading it.
 */
export function judgeRow(
  ctx: FamilyContext,
  answers: AnswerCache,
  c: ConntrackColumns,
  i: number,
  proto: ProbeProtocol,
): Judged {
  const n = answers.numberOfRow(proto, c, i);
  if (n === NOT_ADDRESS) return answers.notAddress;
  const flags = answers.flagsOf(n);
  if (flags & UNDECIDED) return (answers.answerAt(n) as { readonly undecided: string }).undecided;
  const dst = c.origDstId(i);
  const dport = c.origDport(i);
  const reply = c.replySrcId(i);
  const replyPort = c.replySport(i);
  let kind: number;
  if (reply === dst && replyPort === dport) {
    if (flags & (UNCHANGED | NOW_EMPTY)) return VALID;
    kind = BLACKHOLE;
  } else if (answers.produces(n, ctx.addressIds.ofTable(c.addresses, reply), replyPort < 0 ? undefined : replyPort))
    return VALID;
  else kind = flags & NOW_EMPTY ? SERVICE_GONE : ENDPOINT_GONE;
  if (ctx.partial) return ctx.partial;
  // The answer holds the protocol and port: with the destination's address, they name the service.
  const address = ctx.addressIds.ofTable(c.addresses, dst);
  const known = answers.staleByDestination.get(n, kind, address, 0);
  if (known >= 0) return known;
  const service = ctx.serviceOfTable(c.protoName(c.protoIndex(i)), c.addresses, dst, dport < 0 ? undefined : dport);
  const v = staleOf(ctx, answers.answerAt(n) as Producible, kind, service) as number;
  answers.staleByDestination.add(n, kind, address, 0, v);
  return v;
}
