/**
 * Which service chains an entry rule leads to. kube-proxy names all chains of a service port with one hash
 * (KUBE-SVC/SVL/EXT/FW/XLB-<hash>), but hand-edited rules and other generators do not: a KUBE-EXT chain may
 * jump to a KUBE-SVC chain of another hash, or a NodePort rule to a chain of any name. So a service is what
 * the entry's chain reaches by jumps, not what its name says.
 */
import type { ChainIndex } from './chain-index';
import { ENDPOINT_LIST_CHAIN, NOT_A_SERVICE_WAY, SERVICE_CHAIN } from '../model/kube-proxy-chains';

/** Hand-made detours are short; a bound keeps a looping dump finite. */
const MAX_DEPTH = 4;

/** Whether a jump from KUBE-SERVICES or KUBE-NODEPORTS to this chain can be a service's entry. */
export const mayEnterService = (chain: string) => !NOT_A_SERVICE_WAY.test(chain);

/**
 * The service chains (KUBE-SVC/SVL/EXT/FW/XLB) `chain` is or reaches in nat, nearest first, as SERVICE_CHAIN's
 * matches (name, kind, hash): itself when it is one, then the chains its rules jump to, through chains of other
 * names, stopping at KUBE-SVC/SVL.
 */
export function serviceChainsReached(index: ChainIndex, chain: string): RegExpExecArray[] {
  const found: RegExpExecArray[] = [];
  const seen = new Set<string>([chain]);
  let level = [chain];
  for (let depth = 0; depth <= MAX_DEPTH && level.length; depth++) {
    const next: string[] = [];
    for (const name of level) {
      const service = SERVICE_CHAIN.exec(name);
      if (service) found.push(service);
      const endpoints = service ? service[1] === 'SVC' || service[1] === 'SVL' : ENDPOINT_LIST_CHAIN.test(name);
      const from = endpoints ? undefined : index.chain('nat', name);
      if (!from) continue;
      for (const { name: to } of index.jumpsFrom('nat', from)) {
        if (seen.has(to) || !mayEnterService(to)) continue;
        seen.add(to);
        next.push(to);
      }
    }
    level = next;
  }
  return found;
}
