/** A node's tracked connections to services, from `conntrack -L` and `ipvsadm -Lnc`, indexed for the observed-shares test. */
import { canonicalAddress } from '../../../grammar/shared/address';
import type { NodeDumps } from '../../model/node';
import type { Section } from '../../model/section';
import { type AddConnection, type ConnectionIndex, indexConnections } from './observed';

function conntrackConnections(node: NodeDumps, add: AddConnection): void {
  for (const s of node.conntrack) {
    for (const e of s.entries) {
      if (e.orig.dport === undefined || e.reply.sport === undefined || e.event === 'DESTROY') continue;
      // An anonymised service or endpoint address (`x.x.x.x`) says nothing of which endpoint was chosen; a hidden client does not matter.
      if (e.anonymised && (canonicalAddress(e.orig.dst) === undefined || canonicalAddress(e.reply.src) === undefined))
        continue;
      add(e.proto, e.orig.dst, e.orig.dport, e.reply.src, e.reply.sport);
    }
  }
}

function ipvsConnections(tables: readonly Extract<Section, { kind: 'ipvsadm' }>[], add: AddConnection): void {
  for (const s of tables) {
    for (const c of s.connections) {
      if (c.virtual.port === undefined || c.destination.port === undefined) continue;
      add(c.protocol.toLowerCase(), c.virtual.address, c.virtual.port, c.destination.address, c.destination.port);
    }
  }
}

/** IPVS's own connection table when the dumps have one (it names the real server), else conntrack. */
export function connectionsOf(node: NodeDumps): {
  readonly index: ConnectionIndex;
  readonly source: 'conntrack' | 'ipvs';
} {
  const ipvs = node.sections.filter(
    (s): s is Extract<Section, { kind: 'ipvsadm' }> => s.kind === 'ipvsadm' && s.connections.length > 0,
  );
  if (ipvs.length) return { index: indexConnections((add) => ipvsConnections(ipvs, add)), source: 'ipvs' };
  return { index: indexConnections((add) => conntrackConnections(node, add)), source: 'conntrack' };
}
