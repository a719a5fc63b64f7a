/**
 * What the dumps lacked, per node, each said once: in the order an analysis taking the services as the dumps list
 * them meets each first, whichever order they are walked in (the stream walks them in the report's order).
 */

interface FirstMet {
  /** The listed place of the service whose analysis said it; -1 for the node's own notes, said before any. */
  readonly listedAt: number;
  /** When it was said within that service's analysis. */
  readonly seq: number;
}

export class NodeWarnings {
  private readonly byNode = new Map<string, Map<string, FirstMet>>();
  private seq = 0;

  /** Says warnings of `node` met while analysing the service listed at `listedAt`. */
  warn(node: string, listedAt: number): (w: string) => void {
    let own = this.byNode.get(node);
    if (!own) this.byNode.set(node, (own = new Map()));
    const said = own;
    return (w) => {
      const known = said.get(w);
      if (!known || listedAt < known.listedAt) said.set(w, { listedAt, seq: this.seq++ });
    };
  }

  /** The node's warnings, each once, in the order the listed order meets them. */
  of(node: string): string[] {
    const own = this.byNode.get(node);
    if (!own) return [];
    return [...own].sort(([, a], [, b]) => a.listedAt - b.listedAt || a.seq - b.seq).map(([w]) => w);
  }
}
