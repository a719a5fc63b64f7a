/**
 * Which tables run at each hook, in priority order (formats.md §1.7; the NF_IP_PRI_* values): raw -300,
 * conntrack -200, mangle -150, nat DNAT -100, filter 0, security 50, nat SNAT 100.
 */
import type { TableName } from '../../model/ruleset';
import type { PacketDraft } from './packet';
import type { Hook } from './target';

export const HOOK_TABLES: Readonly<Record<Hook, readonly TableName[]>> = {
  INGRESS: [],
  PREROUTING: ['raw', 'mangle', 'nat'],
  INPUT: ['mangle', 'filter', 'security', 'nat'],
  FORWARD: ['mangle', 'filter', 'security'],
  OUTPUT: ['raw', 'mangle', 'nat', 'filter', 'security'],
  POSTROUTING: ['mangle', 'nat'],
};

/** nat at these hooks binds the destination; at the others, the source. */
export const DESTINATION_NAT_HOOKS: ReadonlySet<Hook> = new Set(['PREROUTING', 'OUTPUT']);

/** Conntrack looks the packet up right after raw at these hooks. */
export const CONNTRACK_HOOKS: ReadonlySet<Hook> = new Set(['PREROUTING', 'OUTPUT']);

/**
 * The connection's NAT of this hook is bound (IPS_DST_NAT_DONE or IPS_SRC_NAT_DONE): set by nf_nat_setup_info when a
 * NAT target runs, and after a hook's last nat chain for a connection none bound.
 */
export function setNatDone(p: PacketDraft, hook: Hook): void {
  if (DESTINATION_NAT_HOOKS.has(hook)) p.dstNatDone = true;
  else p.srcNatDone = true;
}
