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
import type { Probe, ProbeProtocol, Tracer } from '../trace/index';
import { AddressClasses, ClassProjection } from './address-classes';
import { KeyIndex } from './key-index';
import { type FlowKey, type SourceScope, withNetwork } from './flow-key';
import { type Producible, producible } from './new-connection-destinations';

export type Answer = Producible | { readonly undecided: string };

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
    return this.find(proto, e.addresses, e.origSrcId, e.origDstId, o.sport ?? -1, o.dport ?? o.type ?? -1, o);
  }

  /** answer for plain row `i` of a table (not an object row), read from its columns. */
  answerOfRow(proto: ProbeProtocol, c: ConntrackColumns, i: number): Answer {
    return this.find(proto, c.addresses, c.origSrcId(i), c.origDstId(i), c.origSport(i), c.origDport(i), undefined);
  }

  /**
   * The answer for a tuple by its addresses' indices in a table's `addresses` and its ports (-1 when none; for the
   * destination, the icmp type of a row without ports); `tuple` is the row's when it is loaded, else made from the
   * numbers for a walk.
   */
  private find(
    proto: ProbeProtocol,
    addresses: readonly string[],
    srcId: number,
    dstId: number,
    sport: number,
    dportOrType: number,
    tuple: RowTuple | undefined,
  ): Answer {
    const source = this.sources.classOfTable(addresses, srcId);
    const destination = this.destinations.classOfTable(addresses, dstId);
    if (source < 0 || destination < 0)
      return {
        undecided: `not an address: ${source < 0 ? (tuple?.src ?? addresses[srcId]) : (tuple?.dst ?? addresses[dstId])}`,
      };
    const sources = this.destinations.holding(destination, tuple?.dst ?? addresses[dstId]!);
    const walked = sources ? sources.of(source, tuple?.src ?? addresses[srcId]!) : source;
    const portKey = (dportOrType + 1) * 4 + PROTOCOL_INDEX[proto];
    const sourcePort = this.flowKey.testsSourcePort ? sport + 1 : 0;
    const known = this.index.get(destination, portKey, sourcePort, walked);
    if (known >= 0) return this.answers[known]!;
    const o = tuple ?? plainTuple(addresses[srcId]!, addresses[dstId]!, sport, dportOrType);
    const answer = producible(this.tracer, probeOf(proto, o, this.sources.holding(source, o.src)), this.ids);
    this.index.add(destination, portKey, sourcePort, walked, this.answers.length);
    this.answers.push(answer);
    return answer;
  }
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
