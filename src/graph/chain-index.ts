/**
 * The chains of one ruleset by table, then name, and the chains each one jumps to: what the packet walk, the
 * services model and stale's flow key read. The rule graph (rule-graph.ts) holds the same jumps as edge objects
 * for lint; a 10,000-service ruleset has 68,000 of them, which cost seconds to build and 33 MB to keep through
 * every garbage collection, so the others do without them.
 */
import { linkedChain, readChainsOf } from '../model/read-jumps';
import type { Chain, Ruleset, TableName } from '../model/ruleset';
import type { JumpTarget } from '../model/target';

export interface ChainIndex {
  /** The chain of that name in that table, or undefined when the table has no such chain. */
  chain(table: TableName, name: string): Chain | undefined;
  /** The chain `target` (a jump of a rule of `table`) enters, or undefined when the table has no such chain. */
  entered(table: TableName, target: JumpTarget): Chain | undefined;
  /**
   * The chains `chain`'s rules jump or go to in `table`, each once, in the order of the first rule naming
   * it; a jump to a chain the dump never declares is left out (extraction has a diagnostic for it).
   */
  jumpsFrom(table: TableName, chain: Chain): readonly Chain[];
}

const indexByRuleset = new WeakMap<Ruleset, ChainIndex>();

/** The ruleset's index, built on first use and shared by the walk, the services model and the flow key of one run. */
export function chainIndexOf(ruleset: Ruleset): ChainIndex {
  let index = indexByRuleset.get(ruleset);
  if (!index) indexByRuleset.set(ruleset, (index = readIndex(ruleset) ?? buildChainIndex(ruleset)));
  return index;
}

/**
 * The index of a ruleset whose tables are the reader's, each named once: the reader's own chains by name, and the
 * chains it linked each jump to (src/model/read-jumps.ts), so that no name is looked up twice.
 */
function readIndex(ruleset: Ruleset): ChainIndex | undefined {
  const byTable = new Map<TableName, ReadonlyMap<string, Chain>>();
  for (const table of ruleset.tables) {
    const chains = readChainsOf(table);
    if (!chains || byTable.has(table.name)) return undefined;
    byTable.set(table.name, chains);
  }
  const entered: ChainIndex['entered'] = (_table, target) => linkedChain(target);
  return {
    chain: (table, name) => byTable.get(table)?.get(name),
    entered,
    jumpsFrom: jumpsOf((_table, from) => [from], entered),
  };
}

/** A chain jumps to few chains: they are compared in place; a Set takes over past this many. */
const JUMPS_COMPARED = 16;

/**
 * jumpsFrom, made once per chain: the chains the rules of the chains `declared` gives for it jump or go to, as
 * `entered` finds them, each once, in the order of the first rule naming it. Indexed loops and a list searched in
 * place: run once per chain, mostly by code not yet optimised, where `for…of` makes an iterator per step and a Set
 * and its spread were most of what it made.
 */
function jumpsOf(
  declared: (table: TableName, from: Chain) => readonly Chain[],
  entered: ChainIndex['entered'],
): ChainIndex['jumpsFrom'] {
  const jumps = new WeakMap<Chain, readonly Chain[]>();
  return (table, from) => {
    let out = jumps.get(from);
    if (out) return out;
    const found: Chain[] = [];
    let many: Set<Chain> | undefined;
    const chains = declared(table, from);
    for (let c = 0; c < chains.length; c++) {
      const rules = chains[c]!.rules;
      for (let r = 0; r < rules.length; r++) {
        const target = rules[r]!.target;
        const to = target?.kind === 'jump' ? entered(table, target) : undefined;
        if (!to) continue;
        if (many) {
          if (many.has(to)) continue;
          many.add(to);
        } else if (found.includes(to)) continue;
        else if (found.length === JUMPS_COMPARED) many = new Set(found).add(to);
        found.push(to);
      }
    }
    jumps.set(from, (out = found));
    return out;
  };
}

function buildChainIndex(ruleset: Ruleset): ChainIndex {
  // A table the dump names twice (two dumps pasted one after the other): the last chain of a name stands, and
  // its jumps are those of every chain of that name, as in the rule graph.
  const byTable = new Map<TableName, Map<string, Chain[]>>();
  for (const table of ruleset.tables) {
    let chains = byTable.get(table.name);
    if (!chains) byTable.set(table.name, (chains = new Map()));
    for (const chain of table.chains) {
      const same = chains.get(chain.name);
      if (same) same.push(chain);
      else chains.set(chain.name, [chain]);
    }
  }
  const chain = (table: TableName, name: string) => byTable.get(table)?.get(name)?.at(-1);
  // Once per target object and table (the reader shares one per chain), not once per rule.
  const targets = new Map<TableName, Map<JumpTarget, Chain | null>>();
  const entered: ChainIndex['entered'] = (table, target) => {
    let byTarget = targets.get(table);
    if (!byTarget) targets.set(table, (byTarget = new Map()));
    let to = byTarget.get(target);
    if (to === undefined) byTarget.set(target, (to = chain(table, target.chain) ?? null));
    return to ?? undefined;
  };
  return {
    chain,
    entered,
    jumpsFrom: jumpsOf((table, from) => byTable.get(table)?.get(from.name) ?? [from], entered),
  };
}
