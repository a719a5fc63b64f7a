/**
 * The registry of extensions nfwalk reads; a module or target not listed here is kept opaque with a warning.
 * Keyed by the model's names: a module of `Match` (or target of `Target`) without a descriptor, or a descriptor
 * the model has no record for, does not compile.
 */
import type { Match, MatchModule, MatchOf, TextOptionsModule } from '../../../src/model/match';
import type { Target, TargetKind, TargetOf, TextOptionsTargetName, VerdictTarget } from '../../../src/model/target';
import type { ExtensionSpec } from '../extension';
import { addrtype, iprange, mac, owner, physdev, pkttype, rpfilter, set, socket } from './addresses';
import { comment, hl, length, string, textModules, ttl } from './payload';
import { connlimit, hashlimit, limit, recent, statistic } from './rates';
import { conntrack, connmark, mark, state } from './state';
import {
  checksum,
  connmarkTarget,
  ct,
  dnat,
  log,
  markTarget,
  masquerade,
  netmap,
  nflog,
  redirect,
  reject,
  snat,
  tcpmss,
  textTargets,
  tproxy,
  verdicts,
} from './targets';
import { icmp, icmp6, multiport, sctp, tcp, udp } from './transport';

function byName<R extends object>(specs: readonly ExtensionSpec<R>[]): ReadonlyMap<string, ExtensionSpec<R>> {
  return new Map(specs.map((s) => [s.name, s]));
}

/** One descriptor per module with a record of its own (the typed-text modules come from one list, payload.ts). */
const MATCHES: { readonly [K in Exclude<MatchModule, 'opaque' | TextOptionsModule>]: ExtensionSpec<MatchOf<K>> } = {
  tcp,
  udp,
  sctp,
  icmp,
  icmp6,
  multiport,
  conntrack,
  state,
  mark,
  connmark,
  addrtype,
  iprange,
  mac,
  physdev,
  set,
  socket,
  owner,
  pkttype,
  rpfilter,
  statistic,
  recent,
  limit,
  hashlimit,
  connlimit,
  comment,
  length,
  string,
  ttl,
  hl,
};

type OwnTarget = Exclude<TargetKind, 'jump' | 'opaque' | TextOptionsTargetName | VerdictTarget['kind']>;
/** One descriptor per target with a record of its own (verdicts and typed-text targets from lists, targets.ts). */
const TARGETS: { readonly [K in OwnTarget]: ExtensionSpec<TargetOf<K>> } = {
  DNAT: dnat,
  SNAT: snat,
  MASQUERADE: masquerade,
  REDIRECT: redirect,
  NETMAP: netmap,
  REJECT: reject,
  MARK: markTarget,
  CONNMARK: connmarkTarget,
  CT: ct,
  LOG: log,
  NFLOG: nflog,
  TPROXY: tproxy,
  TCPMSS: tcpmss,
  CHECKSUM: checksum,
};

export const matchExtensions: ReadonlyMap<string, ExtensionSpec<Match>> = byName<Match>([
  ...Object.values(MATCHES),
  ...textModules,
]);

export const targetExtensions: ReadonlyMap<string, ExtensionSpec<Target>> = byName<Target>([
  ...verdicts,
  ...Object.values(TARGETS),
  ...textTargets,
]);

export { IMPLICIT_PROTOCOL_MODULES } from './transport';
