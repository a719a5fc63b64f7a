/**
 * iptables mode: the share of each endpoint at an entry point is what the packet walk says about a new
 * connection to it, path by path, so a hand-edited ladder, a duplicated KUBE-SEP or a mangled probability
 * counts exactly as the kernel would apply it.
 */
import type { EntryPoint, KubeService } from '../../graph/service-model';
import { formatIp, isHostPrefix, parseIp, parsePrefix } from '../../model/address';
import {
  type Ended,
  type NftRuleStep,
  type Probe,
  type RuleStep,
  type TraceEnds,
  type Tracer,
  assumptionTexts,
  firstStep,
} from '../trace/index';
import type { Clients } from '../node/index';
import { hostPort } from '../finding-text';
import type { EndpointShare, EntryOutcome } from './model';

/** Source port of every probe: fixed, so no warning about a guessed one, and irrelevant to kube-proxy's rules. */
const PROBE_SPORT = 40000;

/** The first address of an allowed source range: a client the load balancer's firewall lets in. */
function allowedClient(entry: EntryPoint): string | undefined {
  const range = entry.sourceRanges?.[0];
  const prefix = range ? parsePrefix(range) : undefined;
  if (!prefix) return undefined;
  return formatIp({ family: prefix.family, value: isHostPrefix(prefix) ? prefix.network : prefix.network + 1n });
}

/** A new connection to the entry point from `client`, else from the client the entry point's kind calls for. */
export function probeFor(
  service: KubeService,
  entry: EntryPoint,
  clients: Clients,
  tracer: Tracer,
  client?: string,
): Probe {
  const src =
    client ??
    (entry.kind === 'clusterIP' ? (clients.pod ?? clients.external) : (allowedClient(entry) ?? clients.external));
  const dst = entry.ip ?? clients.nodeIp;
  const srcIp = parseIp(src)!;
  const inIface = tracer.network.knowsInterfaces ? tracer.network.route(srcIp)?.dev : undefined;
  return {
    src,
    dst,
    proto: entry.kind === 'healthCheckNodePort' ? 'tcp' : service.protocol,
    sport: PROBE_SPORT,
    dport: entry.port,
    ...(inIface !== undefined ? { in: inIface } : {}),
    newClient: true,
  };
}

type Verdict = EntryOutcome['verdict'];

/** The contract's verdict: the most likely fate, ties going to forward. */
function verdictOf(forward: number, drop: number, reject: number, local: number): Verdict {
  const best = Math.max(forward, drop, reject, local);
  return forward === best ? 'forward' : drop === best ? 'drop' : reject === best ? 'reject' : 'local';
}

interface Share {
  readonly ip: string;
  readonly port: number;
  /** The address's value, the packet's own; undefined when masked in the dump. */
  readonly value: bigint | undefined;
  /** Its place in the order first reached, which the duplicates keep. */
  readonly reached: number;
  probability: number;
  /** The first DNAT rule that sent a path here; another one makes the endpoint a duplicate. */
  rule: RuleStep | NftRuleStep | undefined;
  duplicate: boolean;
}

interface Stopped {
  drop: number;
  reject: number;
  readonly rules: Set<string>;
  readonly assumptions: Set<string>;
}

/** What stopped a path that had been sent to an endpoint: the reason the walk gave, else its last step. */
function stoppedBy(path: Ended): string | undefined {
  const last = path.state.step;
  return (
    path.reason ??
    (last && ('rule' in last ? `${last.table} ${last.chain} rule ${last.rule}` : `${last.table} ${last.chain} policy`))
  );
}

/**
 * Sets and the stopped tally are made when a path needs them: most entry points have neither assumptions nor stops.
 * Paths are read as the walk ended them (`Tracer.ends`): of each, its share, verdict, final destination, assumptions,
 * and its DNAT or last step, never the whole list of steps.
 */
/** A service's endpoints are few: its shares are found by address and port in place, by a Map of their texts past this. */
const SHARES_COMPARED = 16;

export function outcomeOf(entry: EntryPoint, probe: Probe, result: TraceEnds): EntryOutcome {
  // In the report's order, by address: each new share placed after those not after it, as a stable sort of them in
  // the order first reached would place it (Array.prototype.sort copied every list into arrays of its own), found by
  // halving, so a service with thousands of endpoints reached in any order costs n log n. Indexed loops: no iterator
  // objects in code run before it is optimised.
  const shares: Share[] = [];
  let byKey: Map<string, Share> | undefined;
  let drop = 0;
  let reject = 0;
  let unhandledLocal = 0;
  let unhandledRouted = 0;
  let masquerade = 0;
  let assumptions: Set<string> | undefined;
  let stopped: Stopped | undefined;
  const paths = result.paths;
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i]!;
    const state = path.state;
    const p = state.probability;
    const texts = state.assumptions ? assumptionTexts(state) : undefined;
    if (texts) for (const a of texts) (assumptions ??= new Set()).add(a);
    if (state.masquerade) masquerade += p;
    const dstIp = state.packet.dst;
    const dst = formatIp(dstIp);
    const dport = state.packet.dport;
    const rewritten = dst !== probe.dst || dport !== probe.dport;
    if (path.verdict !== 'ACCEPT' && rewritten) {
      stopped ??= { drop: 0, reject: 0, rules: new Set(), assumptions: new Set() };
      if (path.verdict === 'REJECT') stopped.reject += p;
      else stopped.drop += p;
      const by = stoppedBy(path);
      if (by) stopped.rules.add(by);
      if (texts) for (const a of texts) stopped.assumptions.add(a);
    }
    if (path.verdict === 'ACCEPT' && rewritten) {
      const port = dport ?? 0;
      let share: Share | undefined;
      if (byKey) share = byKey.get(hostPort({ ip: dst, port }));
      else
        for (let k = 0; k < shares.length && !share; k++)
          if (shares[k]!.ip === dst && shares[k]!.port === port) share = shares[k];
      if (!share) {
        // The value is the packet's: the text's value, which parseIp gave after formatIp, but for masked texts.
        const value = dstIp.unknown ? parseIp(dst)?.value : dstIp.value;
        const made: Share = {
          ip: dst,
          port,
          value,
          reached: shares.length,
          probability: 0,
          rule: undefined,
          duplicate: false,
        };
        shares.splice(placeOf(shares, made), 0, (share = made));
        if (byKey) byKey.set(hostPort(share), share);
        else if (shares.length > SHARES_COMPARED) byKey = new Map(shares.map((x) => [hostPort(x), x]));
      }
      share.probability += p;
      // The first rewrite to the final destination: a MASQUERADE after it rewrites too, keeping that destination.
      const dnat = firstStep(state, (s) => 'rule' in s && s.rewrote !== undefined && s.rewrote.dst === dst);
      if (dnat && 'rule' in dnat) {
        const first = share.rule;
        if (!first) share.rule = dnat;
        // Rules are told apart by `table chain position`, as written in the duplicate's finding.
        else if (
          !share.duplicate &&
          (first.table !== dnat.table || first.chain !== dnat.chain || first.rule !== dnat.rule) &&
          `${first.table} ${first.chain} ${first.rule}` !== `${dnat.table} ${dnat.chain} ${dnat.rule}`
        )
          share.duplicate = true;
      }
    } else if (path.verdict === 'ACCEPT' && path.delivered === 'local') unhandledLocal += p;
    else if (path.verdict === 'ACCEPT') unhandledRouted += p;
    else if (path.verdict === 'REJECT') reject += p;
    else drop += p;
  }
  const endpoints: EndpointShare[] = new Array(shares.length);
  let forward = 0;
  let duplicated: Share[] | undefined;
  for (let k = 0; k < shares.length; k++) {
    const share = shares[k]!;
    if (share.duplicate) (duplicated ??= []).push(share);
    const { ip, port, probability } = share;
    endpoints[k] = { ip, port, probability };
    forward += probability;
  }
  const outcome: EntryOutcome = {
    entry,
    // kube-proxy listens on a health-check NodePort (its healthz server); on a service port nothing does.
    verdict:
      entry.kind === 'healthCheckNodePort'
        ? verdictOf(forward, drop + unhandledRouted, reject, unhandledLocal)
        : verdictOf(forward, drop + unhandledRouted, reject + unhandledLocal, 0),
    endpoints,
    drop,
    reject,
    unhandled: unhandledLocal + unhandledRouted,
    masquerade,
    client: { src: probe.src, dst: probe.dst },
    // In the order first reached; duplicates are rare.
    duplicates: duplicated ? duplicated.sort((a, b) => a.reached - b.reached).map(hostPort) : [],
    assumptions: assumptions ? [...assumptions] : [],
  };
  if (!stopped || stopped.drop + stopped.reject <= 0) return outcome;
  return {
    ...outcome,
    afterDnat: {
      drop: stopped.drop,
      reject: stopped.reject,
      rules: [...stopped.rules],
      assumptions: [...stopped.assumptions],
    },
  };
}

type Endpoint = { readonly ip: string; readonly port: number };

/** By address (`x`, `y`: their values, undefined when masked), then port; a masked address after the others, by its text. */
function compareAddresses(a: Endpoint, x: bigint | undefined, b: Endpoint, y: bigint | undefined): number {
  if (x === undefined || y === undefined)
    return x !== undefined ? -1 : y !== undefined ? 1 : a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port;
  return x < y ? -1 : x > y ? 1 : a.port - b.port;
}

/** Where `made` goes in `shares`, which are in address order: after every share it does not come before. */
function placeOf(shares: readonly Share[], made: Share): number {
  let lo = 0;
  let hi = shares.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = shares[mid]!;
    if (compareAddresses(s, s.value, made, made.value) > 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** By address, then port; an address masked in the dump (`10.x.x.x`) after the others, by its text. */
export function byAddress(a: Endpoint, b: Endpoint): number {
  return compareAddresses(a, parseIp(a.ip)?.value, b, parseIp(b.ip)?.value);
}
