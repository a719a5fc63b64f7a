/**
 * What the iptables-save reader already knows when it closes a table: its chains by name, and the chain each jump
 * target enters. The chain index (src/graph/chain-index.ts) takes them instead of building its own maps and looking
 * up the jumps' names again: the names are slices of the dump's text, and a kube-proxy dump's 32,500 of them cost
 * 44–98 ms to hash and compare (docs/performance.md, session 24, h-comp).
 *
 * Neither shows in the model: the link is a property a spread, `Object.keys` and JSON leave out, and a table is known
 * only as the object the reader made (a copy is looked up by name as any other table is).
 */
import type { Chain, Table } from './ruleset';
import type { JumpTarget } from './target';

/** A class whose constructor returns the object it is given, so that a subclass adds its fields to that object. */
class Given {
  constructor(o: object) {
    return o;
  }
}

/**
 * A jump target's link as a private field: not a key, not in JSON, not copied by a spread or `copiedWith`, not seen
 * by a comparison. Added by a store the optimizer compiles, where `Object.defineProperty` went through the runtime
 * for each of a kube-proxy dump's 36,000 targets.
 */
class Entered extends Given {
  readonly #enters: Chain;

  constructor(target: JumpTarget, chain: Chain) {
    super(target);
    this.#enters = chain;
  }

  static of(target: JumpTarget): Chain | undefined {
    return #enters in target ? (target as unknown as Entered).#enters : undefined;
  }
}

/** Links a target the reader made to the chain of its table it enters. */
export function linkJump(target: JumpTarget, chain: Chain): void {
  new Entered(target, chain);
}

/**
 * The chain the reader linked `target` to; undefined when it linked none (a jump to a chain the table lacks, or a
 * target it did not make). Read only for targets of a table `readChainsOf` knows.
 */
export const linkedChain = (target: JumpTarget): Chain | undefined => Entered.of(target);

const readTables = new WeakMap<Table, ReadonlyMap<string, Chain>>();

/**
 * Notes that `table` is as the reader made it, `chains` its chains by name, and that each of its rules' jump targets
 * is linked to the chain of `chains` it names (or to none when there is none).
 */
export function noteReadTable(table: Table, chains: ReadonlyMap<string, Chain>): void {
  readTables.set(table, chains);
}

/** The chains by name of a table the reader made and noted, else undefined. */
export const readChainsOf = (table: Table): ReadonlyMap<string, Chain> | undefined => readTables.get(table);
