/** The registry of extensions nfwalk reads; a module or target not listed here is kept opaque with a warning. */
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

function byName(specs: readonly ExtensionSpec[]): ReadonlyMap<string, ExtensionSpec> {
  return new Map(specs.map((s) => [s.name, s]));
}

export const matchExtensions = byName([
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
  ...textModules,
]);

export const targetExtensions = byName([
  ...verdicts,
  dnat,
  snat,
  masquerade,
  redirect,
  netmap,
  reject,
  markTarget,
  connmarkTarget,
  ct,
  log,
  nflog,
  tproxy,
  tcpmss,
  checksum,
  ...textTargets,
]);

export { IMPLICIT_PROTOCOL_MODULES } from './transport';
