/**
 * One string per chain name of a table, for the chain and for every jump, goto and verdict map element that names
 * it. A name read from a line is a slice of the listing, and V8 compares two slices by a call into its runtime; the
 * walks find a jump's chain by name (a Map of a kube-proxy table's 40,000 chains, at every jump of every walk),
 * which for the very string its chain is named by is a comparison of references.
 */
import type { NftElement, NftStmt, NftVerdictStmt } from '../../src/model/nft';

export class ChainNames {
  private readonly names = new Map<string, string>();
  private declared = 0;
  /** Maps the table's rules look verdicts up in by name (`vmap @service-ips`). */
  private readonly maps = new Set<string>();

  /** A chain the table declares, by the table's string of its name. */
  declare(name: string): string {
    this.declared++;
    return this.of(name);
  }

  /**
   * Whether a rule or map names a chain the table does not declare, or a rule a map it has not: the kernel refuses
   * both, so such a listing shows part of the table. Every name, declared or named, is one of `names`.
   */
  lacks(sets: readonly { readonly name: string }[]): boolean {
    if (this.names.size > this.declared) return true;
    for (const m of this.maps) if (!sets.some((s) => s.name === m)) return true;
    return false;
  }

  /** The table's string of this name: the first one read. */
  private of(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    this.names.set(name, name);
    return name;
  }

  /** Gives each verdict of a rule's statements the table's string of its chain (the readers' objects, new to the line). */
  inStmts(stmts: readonly NftStmt[]): void {
    for (const st of stmts)
      if (st.kind === 'verdict') this.inVerdict(st);
      else if (st.kind === 'vmap' && st.map.kind === 'set') this.inElements(st.map.elements);
      else if (st.kind === 'vmap' && st.map.kind === 'ref') this.maps.add(st.map.name);
  }

  /** The same for the verdicts a set's or map's elements map to. */
  inElements(elements: readonly NftElement[]): void {
    for (const e of elements) if (e.value?.kind === 'verdict') this.inVerdict(e.value.verdict);
  }

  private inVerdict(v: NftVerdictStmt): void {
    if (v.verdict === 'jump' || v.verdict === 'goto') (v as { chain: string }).chain = this.of(v.chain);
  }
}
