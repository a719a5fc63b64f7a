/**
 * `nfwalk trace`: every way one packet can go through a node, with the kernel's semantics.
 * `prepareTracer` does the per-node work once (chain index, addresses, routes, sets) so that many
 * probes against one node (the services analysis) share it; `tracePacket` is the one-shot form.
 */
import { type NodeDumps, rulesetsOf } from '../../model/node';
import { backendOf } from '../../model/node-backend';
import type { Family } from '../../model/values';
import { protocolNumber } from '../../model/protocols';
import { parseIp } from '../../model/address';
import { TooManyPaths } from './chain-walk';
import { type CompiledRuleset, compileRuleset } from './compile';
import { type NetworkOptions, type NodeNetwork, nodeNetwork } from './network';
import type { Packet, Tuple } from './packet';
import type { TracePath, TraceResult } from './path';
import type { Probe } from './probe';
import { type Ended, hookRun, walkArriving, walkScratch, walkSent } from './walk';
import { hookPlan } from './base-chains';
import { NFT_TABLE_FAMILIES, nftBaseChains } from './nft/compile';
import { nftFlowTests } from './nft/flow-tests';
import type { FlowTests } from './match/index';
import { nftTableSources } from '../../model/nft-iptables';
import { nftRulesetOf } from '../../model/nft-node';
import { assumptionTexts, headerOf, initialState, stepsOf } from './walk-state';
import { type Ruleset, saveCommandOf } from '../../model/ruleset';
import { TraceError } from './trace-error';

export type { Probe, ProbeProtocol, ProbeCtState } from './probe';
export type {
  Header,
  NftPolicyStep,
  NftRuleStep,
  PolicyStep,
  RuleStep,
  TracePath,
  TraceResult,
  TraceStep,
} from './path';
export { isNftStep } from './path';
export type { Ended } from './walk';
export { assumptionTexts, firstStep } from './walk-state';

/** Beyond this many splits the walk stops and says so: the probe is too loosely given to enumerate. */
const PATH_BUDGET = 20_000;

export type { NodeNetwork } from './network';
export { type AddressTest, type FlowTests, flowTestsOf } from './match/index';
export { interfaceMatches } from './match/base';
export { restsOnMaskedAddress } from './match/address-test';
export { type Guard, nftGuards, nftMarks, nftRangeSpan } from './nft/flow-tests';
export { IPV6_KIND_PREFIXES } from './ipv6-type';

export { TraceError } from './trace-error';

export interface Tracer {
  readonly node: string;
  readonly family: Family;
  readonly network: NodeNetwork;
  /** The iptables rulesets walked: two when the node runs both iptables backends. */
  readonly rulesets: readonly Ruleset[];
  /** The walk runs nft base chains too, whose rules the rulesets do not hold. */
  readonly walksNft: boolean;
  /** What the nft rules that decide a new connection's destination test of its tuple (empty without nft). */
  nftFlowTests(): readonly FlowTests[];
  trace(probe: Probe): TraceResult;
  /**
   * The same walk, each path as the walk ended it, without the lists `trace` makes of its steps and assumptions:
   * for analyses that read where paths go (services), with `path-end.ts` to read them.
   */
  ends(probe: Probe): TraceEnds;
}

export interface TraceEnds {
  readonly paths: readonly Ended[];
  readonly warnings: readonly string[];
}

/** The protocols a probe may name, and the protocol each is in a family (`icmp` in IPv6 is ICMPv6). */
const PROTOCOLS: Readonly<Record<string, (f: Family) => string>> = {
  tcp: () => 'tcp',
  udp: () => 'udp',
  sctp: () => 'sctp',
  icmp: (f) => (f === 'ipv4' ? 'icmp' : 'ipv6-icmp'),
};

const EPHEMERAL_PORT = 40000;

/** A packet's TCP flags are only read: one list of each kind for every probe. */
const NO_FLAGS: readonly string[] = [];
const SYN: readonly string[] = ['SYN'];
const ACK: readonly string[] = ['ACK'];

function packetOf(probe: Probe, family: Family, network: NodeNetwork, warnings: string[]): Packet {
  const src = parseIp(probe.src);
  const dst = parseIp(probe.dst);
  if (!src || !dst) throw new TraceError(`not an IP address: ${!src ? probe.src : probe.dst}`);
  if (src.family !== dst.family)
    throw new TraceError(`source ${probe.src} and destination ${probe.dst} are of different families`);
  const protoIn = Object.hasOwn(PROTOCOLS, probe.proto) ? PROTOCOLS[probe.proto] : undefined;
  if (!protoIn) throw new TraceError(`unsupported protocol ${probe.proto}`);
  const ports = probe.proto !== 'icmp';
  if (ports && probe.dport === undefined) throw new TraceError(`a ${probe.proto} probe needs a destination port`);
  let sport = probe.sport;
  if (ports && sport === undefined) {
    sport = EPHEMERAL_PORT;
    warnings.push(`no --sport: source port ${EPHEMERAL_PORT} assumed`);
  }
  let inIface = probe.local ? '' : probe.in;
  if (!probe.local && inIface === undefined) {
    inIface = network.knowsInterfaces ? network.route(src)?.dev : undefined;
    warnings.push(
      inIface
        ? `no --in: the packet is assumed to arrive on ${inIface}, the interface of the route back to ${probe.src}`
        : `no --in: the interface the packet arrives on is unknown`,
    );
  }
  if (probe.local && !network.isLocal(src))
    warnings.push(`--local, but ${probe.src} is not one of the node's addresses`);
  const ctstate = probe.ctstate ?? 'NEW';
  if (ctstate !== 'NEW')
    warnings.push(
      `a ${ctstate} packet keeps the NAT its connection already has, which the dumps do not show: nat chains are not run`,
    );
  const tuple: Tuple = ports ? { src, dst, sport, dport: probe.dport } : { src, dst };
  const proto = protoIn(family);
  const icmp = probe.proto === 'icmp';
  // One literal with every key, absent ones undefined as draftOf copies them: spreads of the optional parts took
  // V8's slow path once per probe.
  return {
    family,
    proto,
    protoNumber: protocolNumber(proto)!,
    src,
    dst,
    sport: tuple.sport,
    dport: tuple.dport,
    sportRandom: undefined,
    icmpType: icmp ? (probe.icmpType ?? (family === 'ipv4' ? 8 : 128)) : undefined,
    icmpCode: icmp ? 0 : undefined,
    tcpFlags: probe.proto !== 'tcp' ? NO_FLAGS : ctstate === 'NEW' ? SYN : ACK,
    in: inIface,
    out: '',
    mark: probe.mark ?? 0,
    ctmark: 0,
    // Before the conntrack hook (raw) a packet has no entry, which xt_conntrack reports as INVALID.
    ctstate: 'INVALID',
    trackedState: ctstate,
    untracked: ctstate === 'UNTRACKED',
    orig: tuple,
    dnat: false,
    snat: false,
    dstNatDone: false,
    srcNatDone: false,
    local: probe.local === true,
    newClient: probe.newClient === true,
  };
}

/** Written key by key in the contract's order, optional keys in their place: spreads took V8's slow path per path. */
function pathOf(e: Ended): TracePath {
  const path: { -readonly [K in keyof TracePath]?: TracePath[K] } = {
    probability: e.state.probability,
    verdict: e.verdict,
    delivered: e.delivered,
    final: headerOf(e.state.packet),
    masquerade: e.state.masquerade,
  };
  if (e.out) path.out = e.out;
  if (e.reason) path.reason = e.reason;
  path.steps = stepsOf(e.state);
  if (e.state.assumptions) path.assumptions = assumptionTexts(e.state);
  return path as TracePath;
}

export interface TracerOptions extends NetworkOptions {
  /** false: steps of iptables rules carry no text (`RuleStep.text` is empty), for analyses that never print them. */
  readonly stepText?: boolean;
}

export function prepareTracer(node: NodeDumps, family: Family, options: TracerOptions = {}): Tracer {
  const sections = rulesetsOf(node, family);
  const nft = nftRulesetOf(node);
  const nftTables = nft?.tables.filter((t) => NFT_TABLE_FAMILIES[family].includes(t.family)) ?? [];
  if (sections.length === 0 && nftTables.length === 0)
    throw new TraceError(`no ${saveCommandOf(family)} dump or nft ruleset for node ${node.name}`);
  const network = nodeNetwork(node, family, options);
  const both = sections.length > 1;
  const rulesets: CompiledRuleset[] = sections.map((s) =>
    compileRuleset(s.ruleset, { network, sets: node.sets }, both ? backendOf(s) : undefined, options.stepText ?? true),
  );
  // iptables-save of the nft backend prints the tables iptables-nft made in nft's listing too, and without loss.
  const savedElsewhere = new Set(nftTableSources(node).flatMap((x) => (x.analysedFrom ? [x.table] : [])));
  const skipped = nftTables.filter((t) => savedElsewhere.has(t));
  // iptables-nft-save prints every built-in chain of a table; the kernel has those iptables-nft made, which the listing shows.
  const listed = new Set(skipped.flatMap((t) => t.chains.filter((c) => c.base).map((c) => `${t.name} ${c.name}`)));
  const listedTables = new Set(skipped.map((t) => t.name));
  const nftBases = nft ? nftBaseChains(nft, family, network, (t) => skipped.includes(t), options.stepText ?? true) : [];
  let flowTests: readonly FlowTests[] | undefined;
  const plan = hookPlan(
    rulesets,
    nftBases,
    (r, table, hook) =>
      backendOf(sections[r]!) === 'legacy' || !listedTables.has(table) || listed.has(`${table} ${hook}`),
  );
  const order = [
    ...(both
      ? [
          `this node runs both iptables backends; where two tables have the same priority, ${backendOf(sections[0]!)}'s runs first here (the kernel runs the one made last first, which the dumps do not say); each step names its backend`,
        ]
      : []),
    ...(skipped.length
      ? [
          `${skipped.map((t) => `table ${t.family} ${t.name}`).join(', ')} of the nft listing ${skipped.length === 1 ? 'is' : 'are'} iptables-nft's, walked from the ${saveCommandOf(family)} dump, which shows ${skipped.length === 1 ? 'it' : 'them'} without loss`,
        ]
      : []),
    ...plan.ties,
    ...nftTables.flatMap((t) =>
      t.flowtables.map(
        (f) =>
          `flowtable ${t.family} ${t.name} ${f.name}: the packets of a connection a rule offloads to it (\`flow add @${f.name}\`) skip every hook after ingress, forward included; the walk follows a connection's first packets, which take the full path`,
      ),
    ),
  ];
  const scratch = walkScratch();
  const ends = (probe: Probe): TraceEnds => {
    const warnings = [...network.assumed, ...order];
    const packet = packetOf(probe, family, network, warnings);
    const run = hookRun(plan.chains, network, PATH_BUDGET, scratch);
    try {
      (probe.local ? walkSent : walkArriving)(run, initialState(packet));
    } catch (e) {
      if (e instanceof TooManyPaths)
        throw new TraceError(
          `the walk splits into more than ${PATH_BUDGET} paths: give the probe more detail (its interface, source port) or ipset dumps`,
        );
      throw e;
    }
    return { paths: run.ended, warnings };
  };
  return {
    node: node.name,
    family,
    network,
    rulesets: sections.map((s) => s.ruleset),
    walksNft: plan.nft,
    nftFlowTests: () => (flowTests ??= nftFlowTests(nftBases, family)),
    trace(probe) {
      const { paths, warnings } = ends(probe);
      return { packet: probe, node: node.name, paths: paths.map(pathOf), warnings };
    },
    ends,
  };
}

/** The family a probe's source address belongs to, so the right ruleset is walked. */
function familyOfProbe(probe: Probe): Family {
  const ip = parseIp(probe.src);
  if (!ip) throw new TraceError(`not an IP address: ${probe.src}`);
  return ip.family;
}

export function tracePacket(node: NodeDumps, probe: Probe, options: NetworkOptions = {}): TraceResult {
  return prepareTracer(node, familyOfProbe(probe), options).trace(probe);
}
