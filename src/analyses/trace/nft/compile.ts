/**
 * An nft ruleset made ready to walk: the tables of the walked family (`ip` or `ip6`, and `inet` for both),
 * each chain's rules compiled the first time a walk enters it, each table's named sets and maps indexed
 * once. What it gives the walker is its base chains per hook, in the same shape as iptables' tables.
 */
import type { NftChain, NftRuleset, NftSet, NftTable } from '../../../model/nft';
import type { Family } from '../../../model/values';
import { type NftCompiledChain, flatMatchers } from '../compile';
import type { NodeNetwork } from '../network';
import type { Packet } from '../packet';
import type { Hook } from '../target';
import { datatypeOf, declaredType } from './datatype';
import { type CompiledSet, compileSet, isDynamic, keyTypesOf } from './lookup';
import { NftCompiledRule } from './rule';

export interface NftBaseChain {
  readonly table: NftTable;
  readonly chain: NftChain;
  readonly compiled: NftCompiledChain;
  readonly hook: Hook;
  readonly nat: boolean;
  readonly priority: number;
  /** Position of the chain in the listing, which is the order the kernel registered it in unless a table was remade. */
  readonly listed: number;
  /** An ingress chain's devices. */
  readonly devices?: readonly string[];
}

const HOOKS: Readonly<Record<string, Hook>> = {
  ingress: 'INGRESS',
  prerouting: 'PREROUTING',
  input: 'INPUT',
  forward: 'FORWARD',
  output: 'OUTPUT',
  postrouting: 'POSTROUTING',
};

/** `candidates` of a chain of n rules, each of them: one function per length for all chains. */
const everyRules: ((p: Packet, from: number) => readonly number[])[] = [];
function everyRule(n: number): (p: Packet, from: number) => readonly number[] {
  let f = everyRules[n];
  if (!f) {
    const all = Array.from({ length: n }, (_, i) => i);
    everyRules[n] = f = (_p, from) => (from === 0 ? all : all.slice(from));
  }
  return f;
}

/** The nft table families whose base chains see packets of an IP family. */
export const NFT_TABLE_FAMILIES: Readonly<Record<Family, readonly string[]>> = {
  ipv4: ['ip', 'inet', 'netdev'],
  ipv6: ['ip6', 'inet', 'netdev'],
};

/** The sets a rule may add to at run time (`update @s`, `add @s`): their dumped elements are a snapshot. */
function setsUpdated(t: NftTable): Set<string> {
  const out = new Set<string>();
  for (const c of t.chains)
    for (const r of c.rules) for (const s of r.stmts) if (s.kind === 'set-update') out.add(s.set);
  return out;
}

/**
 * Named sets compiled, by their definition: what a set holds depends on its table alone, and every tracer of the
 * ruleset (stale's NodePort doubts make a second) looks up the same 10,000-element maps.
 */
const compiledSets = new WeakMap<NftSet, CompiledSet | null>();

/** A table's chains (their index in `chains`) and sets by name: the last of a name, as the kernel would keep. */
interface TableNames {
  readonly chains: ReadonlyMap<string, number>;
  readonly sets: ReadonlyMap<string, NftSet>;
}

/** Made once per table: every tracer of the ruleset looks its 40,000 chains up by name. */
const namesByTable = new WeakMap<NftTable, TableNames>();

function namesOf(t: NftTable): TableNames {
  let names = namesByTable.get(t);
  if (!names) {
    const chains = new Map<string, number>();
    t.chains.forEach((c, i) => chains.set(c.name, i));
    names = { chains, sets: new Map(t.sets.map((s) => [s.name, s])) };
    namesByTable.set(t, names);
  }
  return names;
}

/** A table's chains by name: their index in `chains` (the last of a name), made once per table. */
export const chainIndexOf = (t: NftTable): ReadonlyMap<string, number> => namesOf(t).chains;

function compileTable(t: NftTable, network: NodeNetwork, listedFrom: number, stepText: boolean): NftBaseChain[] {
  let updated: Set<string> | undefined;
  const names = namesOf(t);
  const setOf = (name: string): CompiledSet | undefined => {
    const def = names.sets.get(name);
    if (!def) return undefined;
    let c = compiledSets.get(def);
    if (c === undefined) {
      updated ??= setsUpdated(t);
      const types = keyTypesOf(def, datatypeOf, declaredType);
      c = types ? compileSet(name, def.elements ?? [], types, isDynamic(def) || updated.has(name)) : null;
      compiledSets.set(def, c);
    }
    return c ?? undefined;
  };
  // By the chain's index in the table: one lookup of the name per jump.
  const chains: (NftCompiledChain | undefined)[] = new Array(t.chains.length);
  const label = `${t.family} ${t.name}`;
  const chainOf = (name: string): NftCompiledChain | undefined => {
    const i = names.chains.get(name);
    return i === undefined ? undefined : (chains[i] ??= compileChain(t.chains[i]!));
  };
  const compileChain = (def: NftChain): NftCompiledChain => {
    const ctx = { network, family: t.family, table: t.name, chain: def.name, stepText, set: setOf, jump: chainOf };
    const rules = def.rules.map((r, i) => new NftCompiledRule(r, i + 1, ctx));
    return {
      kind: 'nft',
      table: label,
      name: def.name,
      cut: false,
      rules,
      ...flatMatchers(rules.length, (i, out) => out.push(...rules[i]!.matchers)),
      candidates: everyRule(rules.length),
    };
  };
  const out: NftBaseChain[] = [];
  t.chains.forEach((c, i) => {
    const hook = c.base && HOOKS[c.base.hook];
    if (!c.base || !hook || c.base.priority.value === undefined) return;
    // A netdev table has ingress and egress chains only; egress (after POSTROUTING, on the way out) is not walked.
    if (t.family === 'netdev' && hook !== 'INGRESS') return;
    const devices = c.base.devices?.map((d) => d.text.replace(/^"(.*)"$/, '$1'));
    out.push({
      table: t,
      chain: c,
      compiled: chainOf(c.name)!,
      hook,
      nat: c.base.type === 'nat',
      priority: c.base.priority.value,
      listed: listedFrom + i,
      ...(devices ? { devices } : {}),
    });
  });
  return out;
}

/**
 * The base chains of the family's tables, in listing order; `skip` leaves tables out (walked from another dump).
 * Without `stepText` a rule step's text is empty (TracerOptions.stepText).
 */
export function nftBaseChains(
  ruleset: NftRuleset,
  family: Family,
  network: NodeNetwork,
  skip: (t: NftTable) => boolean = () => false,
  stepText = true,
): NftBaseChain[] {
  const out: NftBaseChain[] = [];
  let listed = 0;
  for (const t of ruleset.tables) {
    if (!NFT_TABLE_FAMILIES[family].includes(t.family) || skip(t)) {
      listed += t.chains.length;
      continue;
    }
    out.push(...compileTable(t, network, listed, stepText));
    listed += t.chains.length;
  }
  return out;
}
