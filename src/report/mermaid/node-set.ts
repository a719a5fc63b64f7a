/** The boxes of a chart being built: one per thing drawn, under an id derived from it, in the order first drawn. */
import type { FlowNode } from './flowchart';
import { NodeIds } from './ids';

export class NodeSet {
  private readonly ids = new NodeIds();
  private readonly byId = new Map<string, FlowNode>();

  /** The box for `key`; drawn with `label` and `extra` the first time it is asked for. */
  add(prefix: string, key: string, label: string, extra: Partial<FlowNode> = {}): string {
    const id = this.ids.id(prefix, key);
    if (!this.byId.has(id)) this.byId.set(id, { id, label, ...extra });
    return id;
  }

  /** An id for something that is not a box (a subgraph), from the same namespace. */
  id(prefix: string, key: string): string {
    return this.ids.id(prefix, key);
  }

  /** Whether the box for `key` has been drawn. */
  drawn(prefix: string, key: string): boolean {
    return this.byId.has(this.ids.id(prefix, key));
  }

  get size(): number {
    return this.byId.size;
  }

  /** Forgets the boxes drawn after the first `count`: a part of the chart that did not fit. */
  truncate(count: number): void {
    for (const id of [...this.byId.keys()].slice(count)) this.byId.delete(id);
  }

  list(): FlowNode[] {
    return [...this.byId.values()];
  }
}
