/**
 * The walk's answers per flow key (flow-key.ts), found without building a key per entry. An entry's
 * destination address leads to the table of its class (one lookup by address key, shared by every address
 * of the class), that table to the protocol and port's (by number), and that to the source's (by the identity of
 * one object per kind of source the rules can tell apart). A million entries cost two lookups by address
 * each (address-key.ts) and a few thousand walks.
 */
import type { ConntrackTuple } from '../../model/conntrack';
import { type Ip, parseIp } from '../../model/address';
import { type AddressKey, addressKey } from '../address-key';
import type { Probe, ProbeProtocol, Tracer } from '../trace/index';
import type { FlowKey } from './flow-key';
import { type Producible, producible } from './new-connection-destinations';

export type Answer = Producible | { readonly undecided: string };

/** A kind of source as the rules see it: one object for all sources they cannot tell apart. */
interface SourceKind {
  readonly local: boolean;
  /** The interface its packets come in on, when known and when rules test interfaces. */
  readonly in: string | undefined;
}

type BySource = Map<SourceKind, Answer>;
/** Per protocol, destination port (or icmp type) and, when rules test it, source port. */
type ByPort = Map<number, BySource>;

const PROTOCOL_INDEX: Readonly<Record<ProbeProtocol, number>> = { tcp: 0, udp: 1, sctp: 2, icmp: 3 };

export class AnswerCache {
  private readonly sources = new Map<AddressKey, SourceKind | null>();
  private readonly sourceKinds = new Map<string, SourceKind>();
  private readonly destinations = new Map<AddressKey, ByPort | null>();
  private readonly destinationClasses = new Map<string, ByPort>();

  constructor(
    private readonly tracer: Tracer,
    private readonly flowKey: FlowKey,
  ) {}

  /** Where the rules send a new connection with this original tuple now. */
  answer(proto: ProbeProtocol, o: ConntrackTuple): Answer {
    const source = this.source(o.src);
    const byPort = this.destination(o.dst);
    if (!source || !byPort) return { undecided: `not an address: ${!source ? o.src : o.dst}` };
    const port = o.dport ?? o.type ?? -1;
    const sourcePort = this.flowKey.testsSourcePort ? (o.sport ?? -1) + 1 : 0;
    const portKey = (sourcePort * 65537 + port + 1) * 4 + PROTOCOL_INDEX[proto];
    let bySource = byPort.get(portKey);
    if (!bySource) byPort.set(portKey, (bySource = new Map()));
    let answer = bySource.get(source);
    if (!answer) {
      answer = producible(this.tracer, probeOf(proto, o, source));
      bySource.set(source, answer);
    }
    return answer;
  }

  private source(text: string): SourceKind | undefined {
    return memoisedByAddress(this.sources, text, this.sourceKindOf);
  }

  private destination(text: string): ByPort | undefined {
    return memoisedByAddress(this.destinations, text, this.byPortOf);
  }

  /** Made once, not per call: these run for addresses not seen before. */
  private readonly sourceKindOf = (ip: Ip): SourceKind => {
    const network = this.tracer.network;
    const local = network.isLocal(ip);
    const arrivesOn = local || !network.knowsInterfaces ? undefined : network.route(ip)?.dev;
    const key = `${this.flowKey.sourceClass(ip)}|${local ? 'L' : ''}|${this.flowKey.testsInterface ? (arrivesOn ?? '?') : ''}`;
    const kind = this.sourceKinds.get(key) ?? { local, in: arrivesOn };
    this.sourceKinds.set(key, kind);
    return kind;
  };

  private readonly byPortOf = (ip: Ip): ByPort => {
    const cls = this.flowKey.destinationClass(ip);
    const byPort = this.destinationClasses.get(cls) ?? new Map();
    this.destinationClasses.set(cls, byPort);
    return byPort;
  };
}

/** What `make` gave for the address `text` the first time it was asked; undefined when it is no address. */
function memoisedByAddress<V>(memo: Map<AddressKey, V | null>, text: string, make: (ip: Ip) => V): V | undefined {
  const key = addressKey(text);
  let value = memo.get(key);
  if (value === undefined) {
    const ip = parseIp(text);
    value = ip ? make(ip) : null;
    memo.set(key, value);
  }
  return value ?? undefined;
}

/** The walk asked for the first entry of a flow key: its own tuple, from where its source sends. */
function probeOf(proto: ProbeProtocol, o: ConntrackTuple, source: SourceKind): Probe {
  return {
    src: o.src,
    dst: o.dst,
    proto,
    ...(o.sport !== undefined ? { sport: o.sport, dport: o.dport! } : {}),
    ...(o.type !== undefined ? { icmpType: o.type } : {}),
    ...(source.local ? { local: true } : source.in !== undefined ? { in: source.in } : {}),
  };
}
