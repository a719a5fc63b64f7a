/** Disjoint sets of numbered things: things joined by any one of several clues (a shared hash, a jump, a comment). */
export class UnionFind {
  private readonly parent: number[] = [];

  /** A new set of its own; its number. */
  add(): number {
    const id = this.parent.length;
    this.parent.push(id);
    return id;
  }

  find(id: number): number {
    let root = id;
    while (this.parent[root] !== root) root = this.parent[root]!;
    for (let at = id; at !== root; ) {
      const up = this.parent[at]!;
      this.parent[at] = root;
      at = up;
    }
    return root;
  }

  union(a: number, b: number): void {
    const x = this.find(a);
    const y = this.find(b);
    if (x !== y) this.parent[y] = x;
  }
}
