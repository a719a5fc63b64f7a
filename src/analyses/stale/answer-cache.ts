/**
 * The walk's answers per flow key (flow-key.ts), found without building a key per entry. An entry's source
 * and destination addresses are class numbers (address-classes.ts); the destination's class leads to its
 * answers by protocol and port (one lookup by number), and those to the answer for the source's class (an
 * index). The classes of a table's addresses are worked out once per address (AddressClasses.classOfTable),
 * so a million entries cost two typed-array reads and one probe of a flat table (key-index.ts) each, and a
 * few thousand walks.
 */
import type { AddressIds } from './address-ids';
import type { EntryRow, RowTuple } from './entry-row';
import type { Ip } from '../../model/address';
import type { ConntrackColumns } from '../../model/conntrack-columns';
import type { TableAddresses } from '../../model/address-interner';
import type { Probe, ProbeProtocol, Tracer } from '../trace/index';
import { AddressClasses, ClassProjection } from './address-classes';
import { KeyIndex } from './key-index';
import { endpointNumber } from '../address-key';
import { type FlowKey, type SourceScope, withNetwork } from './flow-key';
import { type Producible, producible } from './new-connection-destinations';

export type Answer = Producible | { readonly undecided: string };

/** AnswerCache.flagsOf: the answer is undecided, or a Producible whose fields these say. */
export const UNDECIDED = 1;
export const UNCHANGED = 2;
export const NOW_EMPTY = 4;
/** numberOfRow's number for a row one of whose addresses is none. */
export const NOT_ADDRESS = -1;
/** More targets than are scanned flat: `produces` asks the answer. */
const MANY = 8;
const MANY_TARGETS = 16;

/** A kind of source as the rules see it: one object for all sources they cannot tell apart. */
export interface SourceKind {
  readonly local: boolean;
  /** The interface its packets come in on, when known and when rules test interfaces. */
  readonly in: string | undefined;
}

const PROTOCOL_INDEX: Readonly<Record<ProbeProtocol, number>> = { tcp: 0, udp: 1, sctp: 2, icmp: 3 };

/** The classes a destination class's walks tell sources apart by when fewer than all; null when all. */
type DestinationSources = ClassProjection | null;

const arrivesOn = (network: Tracer['network'], ip: Ip, local: boolean) =>
  local || !network.knowsInterfaces ? undefined : network.route(ip)?.dev;

/** A source's key: what `sourceClass` says of it, whether it is local, the interface it arrives on. */
function sourceKey(tracer: Tracer, flowKey: FlowKey, sourceClass: (ip: Ip) => string): (ip: Ip) => string {
  const network = tracer.network;
  return (ip) => {
    const local = network.isLocal(ip);
    const on = flowKey.testsInterface ? (arrivesOn(network, ip, local) ?? '?') : '';
    return `${sourceClass(ip)}|${local ? 'L' : ''}|${on}`;
  };
}

/** Sources by what the rules and the network tell apart of them: the flow key's class, local, the interface. */
export function sourceClasses(tracer: Tracer, flowKey: FlowKey): AddressClasses<SourceKind> {
  const network = tracer.network;
  return new AddressClasses(
    sourceKey(tracer, flowKey, (ip) => flowKey.sourceClass(ip)),
    (ip) => {
      const local = network.isLocal(ip);
      return { local, in: arrivesOn(network, ip, local) };
    },
    withNetwork(network, flowKey.sourceSpans),
  );
}

/**
 * Destinations by the flow key's class, each with, when its walks reach fewer source tests than the key holds,
 * the coarser classes of sources those tests and the network tell apart.
 */
export function destinationClasses(tracer: Tracer, flowKey: FlowKey): AddressClasses<DestinationSources> {
  const projections = new Map<SourceScope, ClassProjection>();
  const sourcesOf = (scope: SourceScope | undefined) => {
    if (!scope) return null;
    let p = projections.get(scope);
    if (!p) projections.set(scope, (p = new ClassProjection(sourceKey(tracer, flowKey, scope.sourceClass))));
    return p;
  };
  return new AddressClasses(
    (ip) => flowKey.destinationClass(ip),
    (ip) => sourcesOf(flowKey.sourceScope(ip)),
    withNetwork(tracer.network, flowKey.destinationSpans),
  );
}

export class AnswerCache {
  private readonly sources: AddressClasses<SourceKind>;
  private readonly destinations: AddressClasses<DestinationSources>;
  /** Answer numbers by destination class, protocol and port, source port and (walked) source class. */
  private readonly index = new KeyIndex();
  private readonly answers: Answer[] = [];
  /**
   * Per answer number, what judging a row reads (a million rows touch a few thousand answers at random: small
   * flat arrays stay in cache, the answer objects do not): its AnswerFlags, and for answers with few targets
   * their endpoint numbers, from `targetStarts[n]` to `targetStarts[n + 1]` in `targets`.
   */
  private flags = new Uint8Array(1024);
  private targetStarts = new Int32Array(1024);
  private targets = new Float64Array(4096);
  /** Why the last tuple asked for with an address that is none is undecided. */
  notAddress = '';
  /** Stale verdicts' numbers by answer number, stale kind and destination address number (judgeRow). */
  readonly staleByDestination = new KeyIndex();

  constructor(
    private readonly tracer: Tracer,
    private readonly flowKey: FlowKey,
    private readonly ids: AddressIds,
  ) {
    this.sources = sourceClasses(tracer, flowKey);
    this.destinations = destinationClasses(tracer, flowKey);
  }

  /** Where the rules send a new connection with this entry's original tuple now. */
  answer(proto: ProbeProtocol, e: EntryRow): Answer {
    const o = e.orig;
    const n = this.find(proto, e.addresses, e.origSrcId, e.origDstId, o.sport ?? -1, o.dport ?? o.type ?? -1, o);
    return n === NOT_ADDRESS ? { undecided: this.notAddress } : this.answers[n]!;
  }

  /** The number of the answer for plain row `i` of a table (not an object row), read from its columns; NOT_ADDRESS when an address is none (`notAddress` says which). */
  numberOfRow(proto: ProbeProtocol, c: ConntrackColumns, i: number): number {
    return this.find(proto, c.addresses, c.origSrcId(i), c.origDstId(i), c.origSport(i), c.origDport(i), undefined);
  }

  /** Answer number `n`. */
  answerAt(n: number): Answer {
    return this.answers[n]!;
  }

  /** What judging reads of answer `n` (AnswerFlags), from a small array rather than the answer object. */
  flagsOf(n: number): number {
    return this.flags[n]!;
  }

  /** Answer `n` (a Producible) rewrites to this address number and port: its `produces`, read from flat arrays. */
  produces(n: number, address: number, port: number | undefined): boolean {
    if (this.flags[n]! & MANY) return (this.answers[n] as Producible).produces(address, port);
    const key = endpointNumber(address, port);
    const targets = this.targets;
    for (let k = this.targetStarts[n]!, end = this.targetStarts[n + 1]!; k < end; k++)
      if (targets[k] === key) return true;
    return false;
  }

  /**
   * The answer for a tuple by its addresses' indices in a table's `addresses` and its ports (-1 when none; for the
   * destination, the icmp type of a row without ports); `tuple` is the row's when it is loaded, else made from the
   * numbers for a walk.
   */
  private find(
    proto: ProbeProtocol,
    addresses: TableAddresses,
    srcId: number,
    dstId: number,
    sport: number,
    dportOrType: number,
    tuple: RowTuple | undefined,
  ): number {
    const source = this.sources.classOfTable(addresses, srcId);
    const destination = this.destinations.classOfTable(addresses, dstId);
    if (source < 0 || destination < 0) {
      this.notAddress = `not an address: ${source < 0 ? (tuple?.src ?? addresses.textOf(srcId)) : (tuple?.dst ?? addresses.textOf(dstId))}`;
      return NOT_ADDRESS;
    }
    // A class is made from the first address asked of it: later rows of the class make no text (a million rows).
    let sources = this.destinations.made(destination);
    if (sources === undefined) sources = this.destinations.holding(destination, tuple?.dst ?? addresses.textOf(dstId));
    const walked = sources
      ? (sources.projected(source) ?? sources.of(source, tuple?.src ?? addresses.textOf(srcId)))
      : source;
    const portKey = (dportOrType + 1) * 4 + PROTOCOL_INDEX[proto];
    const sourcePort = this.flowKey.testsSourcePort ? sport + 1 : 0;
    const known = this.index.get(destination, portKey, sourcePort, walked);
    if (known >= 0) return known;
    const o = tuple ?? plainTuple(addresses.textOf(srcId), addresses.textOf(dstId), sport, dportOrType);
    const n = this.numbered(producible(this.tracer, probeOf(proto, o, this.sources.holding(source, o.src)), this.ids));
    this.index.add(destination, portKey, sourcePort, walked, n);
    return n;
  }

  /** Numbers an answer, its flags and targets kept flat. */
  private numbered(answer: Answer): number {
    const n = this.answers.length;
    this.answers.push(answer);
    if (n + 2 > this.flags.length) {
      this.flags = grownTo(this.flags, new Uint8Array(this.flags.length * 2));
      this.targetStarts = grownTo(this.targetStarts, new Int32Array(this.targetStarts.length * 2));
    }
    const at = this.targetStarts[n]!;
    if ('undecided' in answer) {
      this.flags[n] = UNDECIDED;
      this.targetStarts[n + 1] = at;
      return n;
    }
    const keys = answer.targets;
    const many = keys.length > MANY_TARGETS;
    this.flags[n] = (answer.unchanged ? UNCHANGED : 0) | (answer.now.length === 0 ? NOW_EMPTY : 0) | (many ? MANY : 0);
    if (many) {
      this.targetStarts[n + 1] = at;
      return n;
    }
    if (at + keys.length > this.targets.length)
      this.targets = grownTo(this.targets, new Float64Array(Math.max(this.targets.length * 2, at + keys.length)));
    this.targets.set(keys, at);
    this.targetStarts[n + 1] = at + keys.length;
    return n;
  }
}

/** Copies `from` into the larger `to`. */
function grownTo<T extends Uint8Array | Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** The original tuple of a plain row (no icmp fields): ports -1 when it has none. */
function plainTuple(src: string, dst: string, sport: number, dport: number): RowTuple {
  return {
    src,
    dst,
    sport: sport < 0 ? undefined : sport,
    dport: dport < 0 ? undefined : dport,
    type: undefined,
    code: undefined,
    id: undefined,
  };
}

/** The walk asked for the first entry of a flow key: its own tuple, from where its source sends. */
function probeOf(proto: ProbeProtocol, o: RowTuple, source: SourceKind): Probe {
  return {
    src: o.src,
    dst: o.dst,
    proto,
    ...(o.sport !== undefined ? { sport: o.sport, dport: o.dport! } : {}),
    ...(o.type !== undefined ? { icmpType: o.type } : {}),
    ...(source.local ? { local: true } : source.in !== undefined ? { in: source.in } : {}),
  };
}
