/** Disjoint sets of string keys: things joined by any one of several clues (a shared hash, a jump, a comment). */
export class UnionFind {
  private readonly parent = new Map<string, string>();

  find(key: string): string {
    let root = this.parent.get(key) ?? key;
    if (root === key) return key;
    root = this.find(root);
    this.parent.set(key, root);
    return root;
  }

  union(a: string, b: string): void {
    const x = this.find(a);
    const y = this.find(b);
    if (x !== y) this.parent.set(y, x);
  }
}
