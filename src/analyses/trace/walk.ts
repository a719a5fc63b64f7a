/**
 * A packet through the node's hooks: PREROUTING → routing decision → INPUT, or FORWARD → POSTROUTING;
 * a packet the node sends goes OUTPUT → POSTROUTING, and when it is addressed to the node itself it
 * comes back in on lo through PREROUTING and INPUT, where nat no longer runs because conntrack has
 * bound both directions already (nf_nat_inet_fn: nf_nat_initialized).
 */
import { CONNTRACK_PRIORITY, type HookChain, type HookChains } from './base-chains';
import { ChainEnds, type ChainWalkContext, walkChain, walkChainInto } from './chain-walk';
import { CONNTRACK_HOOKS, DESTINATION_NAT_HOOKS, setNatDone } from './hooks';
import type { NodeNetwork } from './network';
import { type Packet, draftOf } from './packet';
import type { Hook } from './target';
import { MASKED_IN_DUMP } from './match/address-test';
import { type WalkState, addAssumption, addStep, withPacketOf } from './walk-state';

export interface Ended {
  readonly state: WalkState;
  readonly verdict: string;
  readonly delivered: 'local' | 'forwarded' | null;
  readonly out?: string;
  readonly reason?: string;
}

export interface HookRun {
  /** Every base chain of each hook, iptables tables and nft chains, in the order the kernel runs them. */
  readonly hooks: HookChains;
  readonly network: NodeNetwork;
  readonly ended: Ended[];
  /** The context every chain walk of the run is given, its hook and table set by the base chain walked. */
  readonly ctx: { -readonly [K in keyof ChainWalkContext]: ChainWalkContext[K] };
  readonly scratch: WalkScratch;
}

/**
 * Lists a base chain's walk fills and empties before the next one's: where its walk leaves the ways it ended, and
 * where it gathers the paths going on past it, copied out at their number. One pair for every probe of a tracer,
 * which walks one probe at a time; neither list ever shrinks, since V8 trims a shortened array and grows it again.
 */
export interface WalkScratch {
  readonly outs: ChainEnds;
  readonly going: WalkState[];
}

export const walkScratch = (): WalkScratch => ({ outs: new ChainEnds(), going: [] });

/** A run of one probe through the hooks, `paths` being the splits it may make before it gives up. */
export function hookRun(hooks: HookChains, network: NodeNetwork, paths: number, scratch: WalkScratch): HookRun {
  // A walk given up (too many paths) may have left ends behind.
  scratch.outs.cut(0);
  return { hooks, network, ended: [], ctx: { network, hook: 'PREROUTING', table: '', budget: { paths } }, scratch };
}

function natRuns(p: Packet, hook: Hook): boolean {
  if (p.untracked || p.ctstate !== 'NEW') return false;
  return DESTINATION_NAT_HOOKS.has(hook) ? !p.dstNatDone : !p.srcNatDone;
}

/** The packet once the NAT core's slot has run: already marked when a NAT target bound the connection. */
function afterNat(p: Packet, hook: Hook): Packet {
  if (DESTINATION_NAT_HOOKS.has(hook) ? p.dstNatDone : p.srcNatDone) return p;
  const q = draftOf(p);
  setNatDone(q, hook);
  return q;
}

/** Whether a nat chain gave the connection its binding: then nat chains after it at this hook do not run. */
function natBound(after: Packet, before: Packet, hook: Hook): boolean {
  return DESTINATION_NAT_HOOKS.has(hook) ? after.dnat && !before.dnat : after.snat && !before.snat;
}

/** What happens once the NAT core's slot has run: output reroutes a packet whose destination changed. */
type AfterNat = (s: WalkState) => WalkState | { readonly drop: string; readonly state: WalkState };

/** What runHook reads of a hook's chain list, made once per list rather than on every walk. */
interface HookShape {
  /** Per base chain, the nat chains after it. */
  readonly later: readonly (readonly HookChain[])[];
  /** The index of the last nat chain, -1 when there is none. */
  readonly lastNat: number;
}

const shapeOf = new WeakMap<readonly HookChain[], HookShape>();
function hookShape(chains: readonly HookChain[]): HookShape {
  let shape = shapeOf.get(chains);
  if (!shape) {
    const later = chains.map((_, i) => chains.slice(i + 1).filter((x) => x.nat));
    shapeOf.set(chains, (shape = { later, lastNat: chains.findLastIndex((c) => c.nat) }));
  }
  return shape;
}

/**
 * Runs every base chain of a hook over every path; paths that end are moved to `run.ended`. Conntrack gives
 * the packet its entry before the first chain at or above its priority. `last`: no hook runs after this one, so
 * after its last chain the NAT binding's flag, which only chains after it read, is left as it is.
 */
function runHook(
  run: HookRun,
  hook: Hook,
  states: readonly WalkState[],
  afterNatSlot?: AfterNat,
  last = false,
): readonly WalkState[] {
  let current = states;
  const chains = run.hooks[hook];
  let tracked = !CONNTRACK_HOOKS.has(hook);
  const { later, lastNat } = hookShape(chains);
  for (let i = 0; i < chains.length; i++) {
    const c = chains[i]!;
    if (!tracked && c.slot >= CONNTRACK_PRIORITY) {
      current = current.map(conntrack);
      tracked = true;
    }
    current = runChain(run, hook, c, later[i]!, current, last && i === chains.length - 1);
    if (i === lastNat && afterNatSlot) {
      const next: WalkState[] = [];
      for (const s of current) {
        const after = afterNatSlot(s);
        if ('drop' in after)
          run.ended.push({ state: after.state, verdict: 'DROP', delivered: null, reason: after.drop });
        else next.push(after);
      }
      current = next;
    }
  }
  return tracked ? current : current.map(conntrack);
}

/**
 * One base chain over every path. nat chains run until one binds the connection's NAT (nf_nat_inet_fn);
 * after the last, a connection that none bound keeps its addresses (a null binding). `accept` ends only this
 * chain; any other verdict ends the packet. Paths the chain lets by untouched come back in the array they came in.
 * `final`: no chain runs after this one.
 */
function runChain(
  run: HookRun,
  hook: Hook,
  base: HookChain,
  later: readonly HookChain[],
  states: readonly WalkState[],
  final: boolean,
): readonly WalkState[] {
  const { chain, nat } = base;
  const ctx = run.ctx;
  ctx.hook = hook;
  ctx.table = chain.table;
  const { outs, going } = run.scratch;
  let n = 0;
  let same = true;
  for (const s of states) {
    if ((nat && !natRuns(s.packet, hook)) || (base.devices && !base.devices.includes(s.packet.in ?? ''))) {
      going[n++] = s;
      continue;
    }
    same = false;
    walkChainInto(ctx, chain.name, chain, s, outs);
    for (let k = 0; k < outs.length; k++) {
      let state = outs.state(k);
      const given = outs.verdict(k);
      const verdict = given ?? base.policy;
      if (given === undefined) state = addStep(state, base.policyStep);
      if (nat && (later.length === 0 || natBound(state.packet, s.packet, hook))) {
        if (later.length > 0) state = withOrderAssumption(ctx, base, later, s, state);
        if (!final) {
          const after = afterNat(state.packet, hook);
          if (after !== state.packet) state = withPacketOf(state, after);
        }
      }
      if (verdict !== 'ACCEPT') {
        run.ended.push({ state, verdict, delivered: null });
        continue;
      }
      going[n++] = state;
    }
    outs.cut(0);
  }
  return same ? states : going.slice(0, n);
}

/**
 * A nat chain bound the connection before another backend's nat chain at the same hook could: when that
 * one would have bound it too, the answer rests on which backend the kernel runs first, which no dump says.
 */
function withOrderAssumption(
  ctx: ChainWalkContext,
  base: HookChain,
  later: readonly HookChain[],
  before: WalkState,
  state: WalkState,
): WalkState {
  if (!base.backend) return state;
  const rival = later.find(
    (c) =>
      c.backend &&
      c.priority === base.priority &&
      bindsNat(walkChain(ctx, c.chain.name, c.chain, before), before.packet, ctx.hook),
  );
  if (!rival) return state;
  return addAssumption(
    state,
    `${base.backend} nat ${ctx.hook} runs before ${rival.backend} nat ${ctx.hook}, which would bind this connection too: the kernel runs the table made last first, and the dumps do not say which that is`,
  );
}

/** Whether any way a nat chain's walk ended bound the connection's NAT. */
function bindsNat(ends: ChainEnds, before: Packet, hook: Hook): boolean {
  for (let k = 0; k < ends.length; k++) if (natBound(ends.state(k).packet, before, hook)) return true;
  return false;
}

/** Conntrack gives the packet its entry (or none, when an earlier chain said notrack). */
function conntrack(s: WalkState): WalkState {
  if (s.packet.ctstate !== 'INVALID') return s;
  const p = draftOf(s.packet);
  p.ctstate = p.trackedState;
  return withPacketOf(s, p);
}

type Decision =
  | { readonly kind: 'local' }
  | { readonly kind: 'forward'; readonly out: string | undefined; readonly assumption?: string }
  | { readonly kind: 'drop'; readonly reason: string };

const LOCAL: Decision = { kind: 'local' };

/**
 * Where a destination masked in the dump goes cannot be looked up: taken as another host's, as a DNAT target
 * (a service endpoint) usually is, out of an interface no rule may then rely on.
 */
function maskedRoute(p: Packet): Decision | undefined {
  const masked = p.dst.unknown;
  return (
    masked && {
      kind: 'forward',
      out: undefined,
      assumption: `${masked.text} ${MASKED_IN_DUMP} is not an address of this node; it is routed out of an interface the dumps do not say`,
    }
  );
}

const sysctlPrefix = (p: Packet) => (p.family === 'ipv4' ? 'net.ipv4' : 'net.ipv6');

function sysctlOn(network: NodeNetwork, key: string): boolean | undefined {
  const v = network.sysctl(key);
  return v === undefined ? undefined : v.trim() !== '0';
}

/** The routing decision for a packet that arrived (ip_route_input_slow, with its martian checks). */
function routeInput(network: NodeNetwork, p: Packet): Decision {
  const masked = maskedRoute(p);
  if (masked) return masked;
  const fromLo = p.in === 'lo';
  if (!fromLo) {
    if (isLoopbackSource(p))
      return { kind: 'drop', reason: 'martian source: a loopback address arriving from outside' };
    // IPv4's check (fib_validate_source); IPv6 has no accept_local and takes its own addresses as sources.
    if (p.family === 'ipv4' && network.isLocal(p.src) && !sysctlOn(network, 'net.ipv4.conf.all.accept_local')) {
      return {
        kind: 'drop',
        reason: "martian source: one of the node's own addresses arriving from outside (accept_local=0)",
      };
    }
    if (isLoopbackDestination(p) && !routeLocalnet(network, p, p.in)) {
      return { kind: 'drop', reason: 'martian destination: 127.0.0.0/8 from outside needs route_localnet=1' };
    }
  }
  const type = network.addrType(p.dst);
  if (type === 'LOCAL' || type === 'BROADCAST' || type === 'MULTICAST') return LOCAL;
  const forwarding =
    p.family === 'ipv4' ? sysctlOn(network, 'net.ipv4.ip_forward') : sysctlOn(network, 'net.ipv6.conf.all.forwarding');
  if (forwarding === false)
    return {
      kind: 'drop',
      reason: `forwarding is off (${p.family === 'ipv4' ? 'net.ipv4.ip_forward' : 'net.ipv6.conf.all.forwarding'} = 0)`,
    };
  return routed(network, p);
}

/** The main-table route of a destination that is not local: a unicast route forwards, anything else drops. */
function routed(network: NodeNetwork, p: Packet): Decision {
  const r = network.route(p.dst);
  if (!r) return { kind: 'drop', reason: 'no route to the destination' };
  if (r.type !== 'unicast') return { kind: 'drop', reason: `the route to the destination is ${r.type}` };
  return { kind: 'forward', out: r.dev };
}

function isLoopbackSource(p: Packet): boolean {
  return p.family === 'ipv4' ? p.src.value >> 24n === 127n : p.src.value === 1n;
}

function isLoopbackDestination(p: Packet): boolean {
  return p.family === 'ipv4' && p.dst.value >> 24n === 127n;
}

/** Where a packet the node sends goes first (ip_route_output): lo for its own addresses, else the route. */
function routeOutput(network: NodeNetwork, p: Packet): Decision {
  const masked = maskedRoute(p);
  if (masked) return masked;
  if (network.isLocal(p.dst)) return LOCAL;
  const d = routed(network, p);
  // ip_route_output_key_hash_rcu: an IPv4 loopback source may only leave through lo unless route_localnet is on.
  // IPv6's output route has no such check: a ::1 source goes through POSTROUTING (checked with the kernel's trace).
  if (d.kind === 'forward' && p.family === 'ipv4' && isLoopbackSource(p) && !routeLocalnet(network, p, d.out))
    return { kind: 'drop', reason: 'a loopback source address cannot leave the node (route_localnet=0)' };
  return d;
}

function routeLocalnet(network: NodeNetwork, p: Packet, dev: string | undefined): boolean {
  const prefix = sysctlPrefix(p);
  return (
    sysctlOn(network, `${prefix}.conf.all.route_localnet`) === true ||
    (dev !== undefined && sysctlOn(network, `${prefix}.conf.${dev}.route_localnet`) === true)
  );
}

function outOf(d: Decision): string | undefined {
  return d.kind === 'local' ? 'lo' : d.kind === 'forward' ? d.out : undefined;
}

function withInterfaces(s: WalkState, inIface: string | undefined, out: string | undefined): WalkState {
  // Most hooks keep the interfaces they are given: the state stands as it is.
  if (s.packet.in === inIface && s.packet.out === out) return s;
  const p = draftOf(s.packet);
  p.in = inIface;
  p.out = out;
  return withPacketOf(s, p);
}

function deliverLocally(run: HookRun, states: readonly WalkState[]): void {
  for (const s of runHook(
    run,
    'INPUT',
    states.map((x) => withInterfaces(x, x.packet.in, '')),
  ))
    run.ended.push({ state: s, verdict: 'ACCEPT', delivered: 'local' });
}

function postrouting(
  run: HookRun,
  states: readonly WalkState[],
  out: (s: WalkState) => string | undefined,
  last: boolean,
): readonly WalkState[] {
  return runHook(
    run,
    'POSTROUTING',
    states.map((s) => withInterfaces(s, '', out(s))),
    undefined,
    last,
  );
}

/** A packet arriving on an interface: its device's ingress chains, then PREROUTING. */
export function walkArriving(run: HookRun, start: WalkState): void {
  const ingress = runHook(run, 'INGRESS', [withInterfaces(start, start.packet.in, '')]);
  const pre = runHook(run, 'PREROUTING', ingress);
  // A probe's paths mostly go one way: the lists are made for the ways some path goes.
  let local: WalkState[] | undefined;
  let forward: WalkState[] | undefined;
  for (const s of pre) {
    const d = routeInput(run.network, s.packet);
    if (d.kind === 'drop') run.ended.push({ state: s, verdict: 'DROP', delivered: null, reason: d.reason });
    else if (d.kind === 'local') (local ??= []).push(s);
    else (forward ??= []).push(withInterfaces(d.assumption ? addAssumption(s, d.assumption) : s, s.packet.in, d.out));
  }
  if (local) deliverLocally(run, local);
  if (!forward) return;
  const forwarded = runHook(run, 'FORWARD', forward);
  for (const s of postrouting(run, forwarded, (x) => x.packet.out, true)) {
    run.ended.push({ state: s, verdict: 'ACCEPT', delivered: 'forwarded', out: s.packet.out || undefined });
  }
}

/** A packet a socket on the node sends (`--local`). */
export function walkSent(run: HookRun, start: WalkState): void {
  const first = routeOutput(run.network, start.packet);
  if (first.kind === 'drop') {
    run.ended.push({ state: start, verdict: 'DROP', delivered: null, reason: first.reason });
    return;
  }
  // nf_nat_ipv4_local_fn: a changed destination is routed again before filter sees it.
  const reroute: AfterNat = (tracked) => {
    if (tracked.packet.dst === start.packet.dst) return tracked;
    // The hook keeps the out interface it started with (nf_hook_state.out); POSTROUTING sees the new one.
    const again = routeOutput(run.network, tracked.packet);
    if (again.kind === 'drop') return { drop: `after NAT: ${again.reason}`, state: tracked };
    return again.kind === 'forward' && again.assumption ? addAssumption(tracked, again.assumption) : tracked;
  };
  const out = runHook(run, 'OUTPUT', [withInterfaces(start, '', outOf(first))], reroute);
  const looped: WalkState[] = [];
  for (const s of postrouting(run, out, (x) => outOf(routeOutput(run.network, x.packet)), false)) {
    if (!s.packet.dst.unknown && run.network.isLocal(s.packet.dst)) looped.push(withInterfaces(s, 'lo', ''));
    else run.ended.push({ state: s, verdict: 'ACCEPT', delivered: 'forwarded', out: s.packet.out || undefined });
  }
  // Back in through lo: raw and mangle run again; conntrack already has the entry and nat is bound.
  deliverLocally(run, runHook(run, 'PREROUTING', looped));
}
