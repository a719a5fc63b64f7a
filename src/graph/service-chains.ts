/**
 * Which service chains an entry rule leads to. kube-proxy names all chains of a service port with one hash
 * (KUBE-SVC/SVL/EXT/FW/XLB-<hash>), but hand-edited rules and other generators do not: a KUBE-EXT chain may
 * jump to a KUBE-SVC chain of another hash, or a NodePort rule to a chain of any name. So a service is what
 * the entry's chain reaches by jumps, not what its name says.
 */
import type { ChainIndex } from './chain-index';
import { NOT_A_SERVICE_WAY, type ServiceChainKind } from '../model/kube-proxy-chains';

/** Hand-made detours are short; a bound keeps a looping dump finite. */
export const MAX_DEPTH = 4;

/** Whether a jump from KUBE-SERVICES or KUBE-NODEPORTS to this chain can be a service's entry. */
export const mayEnterService = (chain: string) => !NOT_A_SERVICE_WAY.test(chain);

/**
 * The kind of a service chain's name (SERVICE_CHAIN: `KUBE-<kind>-<hash>`, the hash of capitals and digits), or
 * undefined for any other name. Read by hand: a match array and two strings per chain were most of what finding
 * 13,000 entry points' chains made. The kind is told by its letters' codes in one pass, not by trying each kind in
 * turn: a loop whose later turns the first thousands of names (all KUBE-SVC) never took was optimised without them,
 * and thrown away at the first KUBE-EXT.
 */
export function serviceChainKind(name: string): ServiceChainKind | undefined {
  if (name.length < 9 || !name.startsWith('KUBE-')) return undefined;
  const kind = kindAt(name);
  if (kind === undefined) return undefined;
  const dash = 5 + kind.length;
  if (name.charCodeAt(dash) !== 45 /* - */ || name.length === dash + 1) return undefined;
  for (let at = dash + 1; at < name.length; at++) {
    const c = name.charCodeAt(at);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57))) return undefined;
  }
  return kind;
}

/** The three characters after `KUBE-` of each kind's name as one number (`FW-` for FW). */
const code = (text: string) => (text.charCodeAt(0) << 16) | (text.charCodeAt(1) << 8) | text.charCodeAt(2);
const EXT = code('EXT');
const XLB = code('XLB');
const FW = code('FW-');
const SVL = code('SVL');
const SVC = code('SVC');

/**
 * The kind whose letters follow `KUBE-` in `name`, if any. Every comparison is made for a KUBE-SVC name, the most
 * common, last: none is first met after the function was optimised.
 */
function kindAt(name: string): ServiceChainKind | undefined {
  const at = (name.charCodeAt(5) << 16) | (name.charCodeAt(6) << 8) | name.charCodeAt(7);
  return at === EXT
    ? 'EXT'
    : at === XLB
      ? 'XLB'
      : at === FW
        ? 'FW'
        : at === SVL
          ? 'SVL'
          : at === SVC
            ? 'SVC'
            : undefined;
}

/** The hash of a service chain's name of that kind. */
export const serviceChainHash = (name: string, kind: ServiceChainKind) => name.slice(kind.length + 6);

/** Where the endpoints hang (ENDPOINT_LIST_CHAIN): beyond are the KUBE-SEP chains. */
const isEndpointList = (name: string) => name.startsWith('KUBE-SVC-') || name.startsWith('KUBE-SVL-');

/** The chains met in one search are few: compared in place; a Set takes over past this many. */
const SEEN_COMPARED = 16;

/**
 * The service chains (KUBE-SVC/SVL/EXT/FW/XLB) `chain` is or reaches in nat, nearest first, by name: itself when
 * it is one, then the chains its rules jump to, through chains of other names, stopping at KUBE-SVC/SVL. Indexed
 * loops over lists: run once per entry point, where `for…of`'s iterators and a Set were most of what its
 * optimised code had to be compiled for.
 */
export function serviceChainsReached(index: ChainIndex, chain: string): string[] {
  const found: string[] = [];
  const seen: string[] = [chain];
  let many: Set<string> | undefined;
  let level = [chain];
  for (let depth = 0; depth <= MAX_DEPTH && level.length; depth++) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i++) {
      const name = level[i]!;
      const kind = serviceChainKind(name);
      if (kind) found.push(name);
      const endpoints = kind ? kind === 'SVC' || kind === 'SVL' : isEndpointList(name);
      const from = endpoints ? undefined : index.chain('nat', name);
      if (!from) continue;
      const jumps = index.jumpsFrom('nat', from);
      for (let j = 0; j < jumps.length; j++) {
        const to = jumps[j]!.name;
        if (many ? many.has(to) : seen.includes(to)) continue;
        if (!mayEnterService(to)) continue;
        if (many) many.add(to);
        else if (seen.length === SEEN_COMPARED) many = new Set(seen).add(to);
        else seen.push(to);
        next.push(to);
      }
    }
    level = next;
  }
  return found;
}
