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
 * while no rule walked tests marks (nftMarks). Each test also gets the destinations whose walk can reach it
 * (nftGuards), so that a test only some destinations reach does not split the sources of the others.
 */
import type { NftChain, NftElement, NftExpr, NftRule, NftStmt, NftTable } from '../../../model/nft';
import type { AddressRange, Family } from '../../../model/values';
import { ADDRESS_BITS, formatIp } from '../../../model/address';
import type { AddressTest, FlowTests } from '../match/index';
import { type NftBaseChain, chainIndexOf } from './compile';
import { type Atom, atomOf } from './datatype';
import { isDynamic } from './lookup';

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

/** A host, prefix or range of addresses of the family as a span. */
function rangeSpan(atom: Atom, family: Family): { from: bigint; to: bigint } | undefined {
  if (atom.kind === 'wildcard' || typeof (atom.kind === 'eq' ? atom.value : atom.lo) !== 'bigint') return undefined;
  const [from, to] = atom.kind === 'eq' ? [atom.value as bigint, atom.value as bigint] : [atom.lo, atom.hi];
  return to >> BigInt(ADDRESS_BITS[family]) !== 0n ? undefined : { from, to };
}

/**
 * A range of a test made of nft's elements: the flow key takes its span (nftRangeSpan), so its addresses are
 * printed only when something reads them as text. A kube-proxy dump has tens of thousands of them.
 */
class ElementRange implements AddressRange {
  private printed: { from: string; to: string } | undefined;

  constructor(
    readonly family: Family,
    readonly span: GuardSpan,
  ) {}

  private get text(): { from: string; to: string } {
    return (this.printed ??= {
      from: formatIp({ family: this.family, value: this.span.from }),
      to: formatIp({ family: this.family, value: this.span.to }),
    });
  }

  get from(): string {
    return this.text.from;
  }

  get to(): string {
    return this.text.to;
  }
}

/** The addresses of a range test nftFlowTests made, as numbers of the range's family; undefined for others. */
export const nftRangeSpan = (r: AddressRange): GuardSpan | undefined =>
  r instanceof ElementRange ? r.span : undefined;

/** A host, prefix or range of addresses as the range test stale's key takes. */
function rangeTest(atom: Atom, family: Family): AddressTest | undefined {
  const span = rangeSpan(atom, family);
  return span && { range: { negated: false, value: new ElementRange(family, span) } };
}

interface TableSets {
  elements(name: string): readonly NftElement[] | undefined;
  /** Its elements are all it can hold: not dynamic, and no rule adds to it. */
  fixed(name: string): boolean;
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
          const atom = component?.kind === 'literal' ? atomOf(component, type) : undefined;
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

/** Addresses from `from` to `to` of the walked family, both included. */
export interface GuardSpan {
  readonly from: bigint;
  readonly to: bigint;
}

/** The original destinations for which a walk can reach a place: spans of addresses; undefined for any. */
export type Guard = readonly GuardSpan[] | undefined;

/** The addresses a literal stands for, when it is one address, prefix or range of the family. */
function spanOf(e: NftExpr | undefined, family: Family): GuardSpan | undefined {
  if (e?.kind !== 'literal') return undefined;
  const atom = atomOf(e, family === 'ipv4' ? 'ipv4_addr' : 'ipv6_addr');
  return atom && rangeSpan(atom, family);
}

/** The index of the part of a selector that reads the destination address as the entry has it. */
const destinationPart = (key: NftExpr) => partsOf(key).findIndex((p) => readsOf(p) === 'dst');

/**
 * The destinations a rule's later statements run for after `st`, when `st` is a test of the destination against
 * addresses that are all it can be (literals, an anonymous set, a named set no rule or timeout changes).
 */
function guardOfMatch(st: NftStmt, family: Family, sets: TableSets): Guard {
  if (st.kind !== 'match' || (st.op !== undefined && st.op !== '==') || destinationPart(st.left) !== 0)
    return undefined;
  if (st.left.kind === 'concat') return undefined;
  const r = st.right;
  const keys =
    r.kind === 'literal'
      ? [r]
      : r.kind === 'set'
        ? r.elements.map((x) => x.key)
        : r.kind === 'ref' && sets.fixed(r.name)
          ? sets.elements(r.name)?.map((x) => x.key)
          : undefined;
  if (!keys) return undefined;
  const spans: GuardSpan[] = [];
  for (const k of keys) {
    const span = spanOf(k, family);
    if (!span) return undefined;
    spans.push(span);
  }
  return spans;
}

/** A chain a rule enters, and the destinations for which it can (undefined: those the rule runs for). */
interface Entry {
  readonly chain: string;
  readonly guard: Guard;
}

/** The chains a rule enters: jump and goto, and the verdicts of its verdict maps, each by the key's destination. */
function entered(st: NftStmt, sets: TableSets, family: Family): Entry[] {
  if (st.kind === 'verdict')
    return st.verdict === 'jump' || st.verdict === 'goto' ? [{ chain: st.chain, guard: undefined }] : [];
  if (st.kind !== 'vmap') return [];
  const elements = st.map.kind === 'set' ? st.map.elements : st.map.kind === 'ref' ? sets.elements(st.map.name) : [];
  const part = destinationPart(st.key);
  return (elements ?? []).flatMap((x) => {
    const v = x.value?.kind === 'verdict' ? x.value.verdict : undefined;
    if (!v || (v.verdict !== 'jump' && v.verdict !== 'goto')) return [];
    // The walk looks the key up: an element is found only for destinations its address part holds.
    const span = part < 0 ? undefined : spanOf(partsOf(x.key)[part], family);
    return [{ chain: v.chain, guard: span && [span] }];
  });
}

/**
 * Whether a statement may rewrite the destination address outside NAT, or hide how: then what a test of the
 * destination said before it proves nothing about the original destination, and no test is guarded.
 */
function mayRewrite(st: NftStmt): boolean {
  switch (st.kind) {
    case 'set-value':
      return st.target.kind !== 'meta' && st.target.kind !== 'ct';
    case 'xt':
    case 'opaque':
      return true;
    case 'keyword':
      return st.keyword === 'tproxy';
    case 'match':
    case 'vmap':
    case 'nat':
    case 'verdict':
    case 'counter':
    case 'reject':
    case 'set-update':
    case 'notrack':
    case 'hidden':
      return false;
  }
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
  const updated = new Set<string>();
  for (const c of t.chains)
    for (const r of c.rules) for (const st of r.stmts) if (st.kind === 'set-update') updated.add(st.set);
  return {
    elements: (name) => {
      const set = byName.get(name);
      return set && (set.elements ?? []);
    },
    fixed: (name) => {
      const set = byName.get(name);
      return set !== undefined && !isDynamic(set) && !updated.has(name);
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

/** The guards of each array nftFlowTests returned, test by test; none where a rule may rewrite destinations. */
const guardsOf = new WeakMap<readonly FlowTests[], readonly Guard[]>();

/**
 * For each test of `tests` (one of nftFlowTests' arrays), the original destinations whose walk can reach it
 * (undefined: any); undefined when that cannot be said of the rules.
 */
export const nftGuards = (tests: readonly FlowTests[]): readonly Guard[] | undefined => guardsOf.get(tests);

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

/**
 * The chains of the walked tables, numbered once: a table's chain i is its table's offset plus i, so what the walk
 * notes of a chain is kept in arrays by number rather than in Maps keyed by 40,000 chains.
 */
interface Numbered {
  readonly chains: readonly NftChain[];
  readonly offsets: ReadonlyMap<NftTable, number>;
}

function numbered(bases: readonly NftBaseChain[]): Numbered {
  const chains: NftChain[] = [];
  const offsets = new Map<NftTable, number>();
  for (const b of bases)
    if (!offsets.has(b.table)) {
      offsets.set(b.table, chains.length);
      for (const c of b.table.chains) chains.push(c);
    }
  return { chains, offsets };
}

/** Where a test was found: its chain's number, and the destinations its rule's earlier tests let through (if they say). */
interface Place {
  readonly chain: number;
  readonly guard: Guard;
}

/** How a chain is entered: from which chain (its number), and for which destinations (undefined: those of `from`). */
interface Into {
  readonly from: number;
  readonly guard: Guard;
}

function walkedTests(bases: readonly NftBaseChain[], family: Family): FlowTests[] {
  const out: FlowTests[] = [];
  const markOnly: FlowTests[] = [];
  const outAt: Place[] = [];
  const markOnlyAt: Place[] = [];
  let tested = false;
  let rewrites = false;
  const { chains, offsets } = numbered(bases);
  const seen = new Uint8Array(chains.length);
  const into: (Into[] | undefined)[] = new Array(chains.length);
  const next: (number[] | undefined)[] = new Array(chains.length);
  const setsOf = new Map<NftTable, TableSets>();
  const markOnlyOf = new Map<NftTable, (r: NftRule) => boolean>();
  const baseIds = bases.map((b) => offsets.get(b.table)! + b.table.chains.indexOf(b.chain));
  bases.forEach((b, k) => {
    let sets = setsOf.get(b.table);
    if (!sets) setsOf.set(b.table, (sets = tableSets(b.table)));
    const offset = offsets.get(b.table)!;
    const index = chainIndexOf(b.table);
    let onlyMarks = markOnlyOf.get(b.table);
    if (!onlyMarks) markOnlyOf.set(b.table, (onlyMarks = markOnlyRules(b.table.chains, index)));
    const queue: number[] = [baseIds[k]!];
    while (queue.length) {
      const c = queue.pop()!;
      if (seen[c]) continue;
      seen[c] = 1;
      const after: number[] = [];
      next[c] = after;
      for (const r of chains[c]!.rules) {
        const mark = onlyMarks(r);
        const tests = mark ? markOnly : out;
        const at = mark ? markOnlyAt : outAt;
        let guard: Guard;
        for (const st of r.stmts) {
          tested ||= testsMark(st);
          rewrites ||= mayRewrite(st);
          stmtTests(st, family, sets, tests);
          while (at.length < tests.length) at.push({ chain: c, guard });
          if (st.kind === 'verdict' || st.kind === 'vmap')
            for (const e of entered(st, sets, family)) {
              const i = index.get(e.chain);
              if (i === undefined) continue;
              const chain = offset + i;
              after.push(chain);
              (into[chain] ??= []).push({ from: c, guard: e.guard ?? guard });
              if (!seen[chain]) queue.push(chain);
            }
          guard ??= guardOfMatch(st, family, sets);
        }
      }
    }
  });
  if (tested) {
    out.push(...markOnly);
    outAt.push(...markOnlyAt);
    marksOf.set(out, { tested, markOnly: [] });
  } else marksOf.set(out, { tested, markOnly });
  if (!rewrites) {
    const guardOf = guardsAt(bases, baseIds, chains, into, next);
    guardsOf.set(out, outAt.map(guardOf));
  }
  return out;
}

/** Past this many spans a chain's guard is taken as any destination: unions add up along the chains. */
const MAX_GUARD_SPANS = 4096;

/**
 * The destinations a place is reached for. A chain that can run after destination NAT (below a base chain of
 * a later hook, or after a NAT chain of its own hook) for any, as its tests see the rewritten destination; the
 * others for what their rule's earlier tests allow, else the union of what the chain's entries allow.
 */
function guardsAt(
  bases: readonly NftBaseChain[],
  baseIds: readonly number[],
  chains: readonly NftChain[],
  into: readonly (readonly Into[] | undefined)[],
  next: readonly (readonly number[] | undefined)[],
): (place: Place) => Guard {
  const afterNat = new Uint8Array(chains.length);
  const queue = baseIds.filter((_, k) => !beforeNat(bases[k]!, bases));
  while (queue.length) {
    const c = queue.pop()!;
    if (afterNat[c]) continue;
    afterNat[c] = 1;
    for (const n of next[c] ?? []) queue.push(n);
  }
  // Whether a chain's guard is known (set before its entries are looked at: a loop is entered for any).
  const known = new Uint8Array(chains.length);
  const guards: Guard[] = new Array(chains.length);
  const guardOf = (c: number): Guard => {
    if (afterNat[c]) return undefined;
    if (known[c]) return guards[c];
    // A loop (which nft refuses) and a base chain are entered for any destination.
    known[c] = 1;
    const from = into[c];
    if (!from || chains[c]!.base) return undefined;
    const spans: GuardSpan[] = [];
    for (const e of from) {
      const g = e.guard ?? guardOf(e.from);
      if (!g || spans.length + g.length > MAX_GUARD_SPANS) return undefined;
      for (const span of g) spans.push(span);
    }
    guards[c] = spans;
    return spans;
  };
  return (p) => (afterNat[p.chain] ? undefined : (p.guard ?? guardOf(p.chain)));
}

/** Base chains whose packets still have the destination they were sent to: no NAT chain of their hook runs first. */
function beforeNat(b: NftBaseChain, bases: readonly NftBaseChain[]): boolean {
  if (b.hook !== 'INGRESS' && b.hook !== 'PREROUTING' && b.hook !== 'OUTPUT') return false;
  return !bases.some((o) => o !== b && o.nat && o.hook === b.hook && o.priority <= b.priority);
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
function markOnlyRules(chains: readonly NftChain[], index: ReadonlyMap<string, number>): (r: NftRule) => boolean {
  // By the chain's index: 0 not yet asked, 1 not mark-only, 2 mark-only.
  const known = new Uint8Array(chains.length);
  const chain = (name: string): boolean => {
    const i = index.get(name);
    if (i === undefined) return false;
    if (known[i] === 0) {
      // A loop is no mark-only chain; settled before the chain's rules are looked at.
      known[i] = 1;
      const c = chains[i]!;
      if (c.base === undefined && c.rules.every(rule)) known[i] = 2;
    }
    return known[i] === 2;
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
