/**
 * What nft rules test of a new connection's tuple, for stale's flow key (as `flowTestsOf` says it of an
 * iptables match): of each address the hosts, prefixes and ranges the rules name (literals, and the elements of
 * the sets and maps they look up), or its address type (`fib … type`), or all of it; the source port; the
 * interface the packet arrives on. The rules counted are those reachable (jump, goto, verdict maps) from the
 * base chains of every hook but postrouting: those that choose the destination and those that refuse the
 * connection (kube-proxy rejects traffic to a service without endpoints in its filter chains, which may run
 * after DNAT). Selectors of what is not the tuple (marks, ct state, numgen, hashes, the destination port and
 * protocol, which the key always holds) add nothing; the interface a packet leaves by makes the destination
 * count whole; a form not read here makes every part count. Rules whose only effect is a mark add nothing
 * while no rule walked tests marks (nftMarks).
 */
import type { NftChain, NftElement, NftExpr, NftRule, NftStmt, NftTable } from '../../../model/nft';
import type { Family } from '../../../model/values';
import { ADDRESS_BITS, formatIp } from '../../../model/address';
import type { AddressTest, FlowTests } from '../match/index';
import type { NftBaseChain } from './compile';
import { type Atom, parseAtom } from './datatype';

/** What one part of a selector reads of the tuple. */
type Reads = 'src' | 'dst' | 'src-type' | 'dst-type' | 'src-whole' | 'dst-whole' | 'sport' | 'iface' | 'all' | 'none';

const ALL: FlowTests = {
  src: { whole: true },
  dst: { whole: true },
  sport: true,
  iface: true,
};

function readsOf(e: NftExpr): Reads {
  switch (e.kind) {
    case 'payload':
      if ((e.protocol === 'ip' || e.protocol === 'ip6') && (e.field === 'saddr' || e.field === 'daddr'))
        return e.field === 'saddr' ? 'src' : 'dst';
      return e.field === 'sport' ? 'sport' : 'none';
    case 'meta':
      if (e.key === 'iif' || e.key === 'iifname') return 'iface';
      // The interface a packet leaves by follows the route to its destination.
      return e.key === 'oif' || e.key === 'oifname' ? 'dst-whole' : 'none';
    case 'ct':
      if (e.key === 'saddr' || e.key === 'daddr') {
        // The original tuple is the entry's; the reply's addresses follow from what NAT chose.
        if (e.direction === 'reply') return 'all';
        return e.key === 'saddr' ? 'src' : 'dst';
      }
      if (e.key === 'proto-src') return e.direction === 'reply' ? 'all' : 'sport';
      return 'none';
    case 'fib': {
      if (e.flags.includes('iif')) return 'all';
      const src = e.flags.includes('saddr');
      if (e.result === 'type') return src ? 'src-type' : 'dst-type';
      return src ? 'src-whole' : 'dst-whole';
    }
    case 'binop': {
      // A masked address: its class is the address itself.
      const inner = readsOf(e.left);
      return inner === 'src' ? 'src-whole' : inner === 'dst' ? 'dst-whole' : inner;
    }
    case 'numgen':
    case 'hash':
    case 'literal':
    case 'verdict':
      return 'none';
    case 'ref':
    case 'set':
    case 'concat':
    case 'map':
    case 'opaque':
      return 'all';
  }
}

const partsOf = (e: NftExpr): readonly NftExpr[] => (e.kind === 'concat' ? e.parts : [e]);

/** A host, prefix or range of addresses as the range test stale's key takes. */
function rangeTest(atom: Atom, family: Family): AddressTest | undefined {
  if (atom.kind === 'wildcard' || typeof (atom.kind === 'eq' ? atom.value : atom.lo) !== 'bigint') return undefined;
  const [lo, hi] = atom.kind === 'eq' ? [atom.value as bigint, atom.value as bigint] : [atom.lo, atom.hi];
  if (hi >> BigInt(ADDRESS_BITS[family]) !== 0n) return undefined;
  const from = formatIp({ family, value: lo });
  const to = formatIp({ family, value: hi });
  return { range: { negated: false, value: { family, from, to } } };
}

interface TableSets {
  elements(name: string): readonly NftElement[] | undefined;
}

/** The tests a selector compared with these right-hand sides (literals or element keys) makes. */
function testsOf(key: NftExpr, rights: readonly NftExpr[] | undefined, family: Family, out: FlowTests[]): void {
  const parts = partsOf(key);
  parts.forEach((part, i) => {
    const reads = readsOf(part);
    switch (reads) {
      case 'none':
        return;
      case 'all':
        out.push(ALL);
        return;
      case 'sport':
        out.push({ sport: true });
        return;
      case 'iface':
        out.push({ iface: true });
        return;
      case 'src-type':
        out.push({ src: { addrtype: true } });
        return;
      case 'dst-type':
        out.push({ dst: { addrtype: true } });
        return;
      case 'src-whole':
        out.push({ src: { whole: true } });
        return;
      case 'dst-whole':
        out.push({ dst: { whole: true } });
        return;
      case 'src':
      case 'dst': {
        const side = reads;
        if (!rights) {
          out.push({ [side]: { whole: true } });
          return;
        }
        const type = family === 'ipv4' ? 'ipv4_addr' : 'ipv6_addr';
        for (const r of rights) {
          const component = partsOf(r)[i];
          const atom = component?.kind === 'literal' ? parseAtom(component.text, type) : undefined;
          const test = atom && rangeTest(atom, family);
          out.push({ [side]: test ?? { whole: true } });
        }
      }
    }
  });
}

/**
 * The keys of a set expression's elements; undefined when they are not in the dump (an unknown name). A dynamic
 * set counts by the elements the dump shows too: the walk answers a lookup by them, and every key it does not
 * show gets one answer (kube-proxy's affinity sets would otherwise make each client its own class).
 */
function keysOf(e: NftExpr, sets: TableSets): NftExpr[] | undefined {
  if (e.kind === 'set') return e.elements.map((x) => x.key);
  if (e.kind === 'ref') return sets.elements(e.name)?.map((x) => x.key);
  if (e.kind === 'literal' || e.kind === 'concat') return [e];
  return undefined;
}

/** The chains a rule enters: jump and goto, and the verdicts of its verdict maps. */
function entered(st: NftStmt, sets: TableSets): string[] {
  if (st.kind === 'verdict') return st.verdict === 'jump' || st.verdict === 'goto' ? [st.chain] : [];
  if (st.kind !== 'vmap') return [];
  const elements = st.map.kind === 'set' ? st.map.elements : st.map.kind === 'ref' ? sets.elements(st.map.name) : [];
  return (elements ?? []).flatMap((x) => {
    const v = x.value?.kind === 'verdict' ? x.value.verdict : undefined;
    return v && (v.verdict === 'jump' || v.verdict === 'goto') ? [v.chain] : [];
  });
}

function stmtTests(st: NftStmt, family: Family, sets: TableSets, out: FlowTests[]): void {
  switch (st.kind) {
    case 'match':
      testsOf(st.left, keysOf(st.right, sets), family, out);
      return;
    case 'vmap':
      testsOf(st.key, keysOf(st.map, sets), family, out);
      return;
    case 'nat':
      if (st.addr?.kind === 'map') testsOf(st.addr.key, keysOf(st.addr.data, sets), family, out);
      // A rewrite that keeps the destination address, or takes the arriving interface's.
      if (st.nat === 'dnat' && !st.addr) out.push({ dst: { whole: true } });
      if (st.nat === 'redirect') out.push({ iface: true });
      return;
    case 'set-value':
      testsOf(st.value, undefined, family, out);
      return;
    case 'xt':
    case 'opaque':
      out.push(ALL);
      return;
    case 'keyword':
      if (st.keyword === 'queue' || st.keyword === 'tproxy' || st.keyword === 'fwd' || st.keyword === 'dup')
        out.push(ALL);
      return;
    case 'verdict':
    case 'counter':
    case 'reject':
    case 'set-update':
    case 'notrack':
    case 'hidden':
      return;
  }
}

function tableSets(t: NftTable): TableSets {
  const byName = new Map(t.sets.map((s) => [s.name, s]));
  return {
    elements: (name) => {
      const set = byName.get(name);
      return set && (set.elements ?? []);
    },
  };
}

/**
 * What the rules left out of a node's flow tests because they only set a mark (kube-proxy's `ip saddr POD jump
 * mark-for-masquerade`, one per endpoint), and whether any rule walked tests a mark. As for iptables
 * (stale/flow-key.ts), a rule whose only effect is a mark changes no destination while no rule before the
 * destination is bound tests marks; the caller adds `markOnly` back when its other rules (iptables') do.
 */
export interface NftMarks {
  readonly tested: boolean;
  readonly markOnly: readonly FlowTests[];
}

const NO_MARKS: NftMarks = { tested: false, markOnly: [] };

/** The marks of each array nftFlowTests returned. */
const marksOf = new WeakMap<readonly FlowTests[], NftMarks>();

/** What nftFlowTests left out of `tests` (one of its arrays) as mark-only rules, and whether rules test marks. */
export const nftMarks = (tests: readonly FlowTests[]): NftMarks => marksOf.get(tests) ?? NO_MARKS;

/**
 * Flow tests already found, by the first base chain walked (a model object) and the family and base chains of
 * the call: stale asks again for a node with other node addresses, whose tracer compiles the same rules anew.
 */
const found = new WeakMap<NftChain, Map<string, FlowTests[]>>();

/**
 * The flow tests of every nft rule that can decide where a new connection goes, or whether it is refused,
 * but mark-only rules while no rule walked tests marks (nftMarks): one array for the same rules and family,
 * so what the flow key makes of it is found once too (flow-key.ts).
 */
export function nftFlowTests(bases: readonly NftBaseChain[], family: Family): readonly FlowTests[] {
  const walked = bases.filter((b) => b.hook !== 'POSTROUTING');
  const first = walked[0];
  if (!first) return [];
  const call = [family, ...walked.flatMap((b) => [b.table.family, b.table.name, b.chain.name])].join('\0');
  let byCall = found.get(first.chain);
  if (!byCall) found.set(first.chain, (byCall = new Map()));
  let out = byCall.get(call);
  if (!out) byCall.set(call, (out = walkedTests(walked, family)));
  return out;
}

function walkedTests(bases: readonly NftBaseChain[], family: Family): FlowTests[] {
  const out: FlowTests[] = [];
  const markOnly: FlowTests[] = [];
  let tested = false;
  const seen = new Set<NftChain>();
  const setsOf = new Map<NftTable, TableSets>();
  const chainsOf = new Map<NftTable, Map<string, NftChain>>();
  const markOnlyOf = new Map<NftTable, (r: NftRule) => boolean>();
  for (const b of bases) {
    let sets = setsOf.get(b.table);
    if (!sets) setsOf.set(b.table, (sets = tableSets(b.table)));
    let chains = chainsOf.get(b.table);
    if (!chains) chainsOf.set(b.table, (chains = new Map(b.table.chains.map((c) => [c.name, c]))));
    let onlyMarks = markOnlyOf.get(b.table);
    if (!onlyMarks) markOnlyOf.set(b.table, (onlyMarks = markOnlyRules(chains)));
    const queue: NftChain[] = [b.chain];
    while (queue.length) {
      const c = queue.pop()!;
      if (seen.has(c)) continue;
      seen.add(c);
      for (const r of c.rules) {
        const into = onlyMarks(r) ? markOnly : out;
        for (const st of r.stmts) {
          tested ||= testsMark(st);
          stmtTests(st, family, sets, into);
          for (const name of entered(st, sets)) {
            const next = chains.get(name);
            if (next && !seen.has(next)) queue.push(next);
          }
        }
      }
    }
  }
  if (tested) {
    out.push(...markOnly);
    marksOf.set(out, { tested, markOnly: [] });
  } else marksOf.set(out, { tested, markOnly });
  return out;
}

/** Whether a statement's selectors read the packet's or the connection's mark (setting one is not a test). */
function testsMark(st: NftStmt): boolean {
  switch (st.kind) {
    case 'match':
      return readsMark(st.left) || readsMark(st.right);
    case 'vmap':
      return readsMark(st.key);
    case 'nat':
      return st.addr !== undefined && readsMark(st.addr);
    case 'set-update':
      return readsMark(st.element.key);
    // What nft cannot show may test anything.
    case 'xt':
    case 'opaque':
      return true;
    case 'set-value':
    case 'verdict':
    case 'counter':
    case 'reject':
    case 'notrack':
    case 'hidden':
    case 'keyword':
      return false;
  }
}

function readsMark(e: NftExpr): boolean {
  switch (e.kind) {
    case 'meta':
    case 'ct':
      return e.key === 'mark';
    case 'binop':
      return readsMark(e.left) || readsMark(e.right);
    case 'concat':
      return e.parts.some(readsMark);
    case 'map':
      return readsMark(e.key) || readsMark(e.data);
    case 'opaque':
      return true;
    case 'payload':
    case 'fib':
    case 'numgen':
    case 'hash':
    case 'literal':
    case 'ref':
    case 'set':
    case 'verdict':
      return false;
  }
}

/** Rules whose only effect is a mark: `meta mark set`, `ct mark set`, or a jump to a chain of nothing else. */
function markOnlyRules(chains: ReadonlyMap<string, NftChain>): (r: NftRule) => boolean {
  const known = new Map<string, boolean>();
  const chain = (name: string): boolean => {
    let markOnly = known.get(name);
    if (markOnly === undefined) {
      // A loop is no mark-only chain; settled before the chain's rules are looked at.
      known.set(name, false);
      const c = chains.get(name);
      markOnly = c !== undefined && c.base === undefined && c.rules.every(rule);
      known.set(name, markOnly);
    }
    return markOnly;
  };
  const stmt = (st: NftStmt): boolean => {
    switch (st.kind) {
      // A selector only says whether the rule's statements run.
      case 'match':
      case 'counter':
      case 'hidden':
        return true;
      case 'set-value':
        return (st.target.kind === 'meta' || st.target.kind === 'ct') && st.target.key === 'mark';
      case 'verdict':
        return st.verdict === 'continue' || (st.verdict === 'jump' && chain(st.chain));
      case 'keyword':
        return st.keyword === 'log';
      case 'vmap':
      case 'nat':
      case 'reject':
      case 'set-update':
      case 'notrack':
      case 'xt':
      case 'opaque':
        return false;
    }
  };
  const rule = (r: NftRule) => r.stmts.every(stmt);
  return rule;
}
