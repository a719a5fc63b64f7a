/**
 * A flowchart as data. Every diagram nfwalk draws is built as one of these and printed by `printFlowchart`,
 * so escaping, ids and the subset of Mermaid syntax we emit live in one place.
 */
export type Shape = 'box' | 'rounded' | 'stadium' | 'hexagon' | 'diamond';

export interface FlowNode {
  readonly id: string;
  /** Plain text; `\n` breaks lines. Escaped when printed. */
  readonly label: string;
  readonly shape?: Shape;
  /** One of the chart's `classes`. */
  readonly className?: string;
}

export interface FlowEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly line?: 'solid' | 'dashed' | 'thick';
}

export interface Subgraph {
  readonly id: string;
  readonly label: string;
  /** Ids of the nodes drawn inside. */
  readonly nodes: readonly string[];
}

export interface Flowchart {
  readonly direction: 'LR' | 'TD';
  readonly nodes: readonly FlowNode[];
  readonly edges: readonly FlowEdge[];
  readonly subgraphs?: readonly Subgraph[];
  /** classDef name → CSS-like style (`fill:#fdd,stroke:#c00`). */
  readonly classes?: Readonly<Record<string, string>>;
}

/**
 * Beyond about 300 nodes and 500 edges Mermaid's layout takes tens of seconds or crashes the browser tab
 * (ecosystem.md §1), so builders summarise before they reach these.
 */
export const MAX_NODES = 250;
export const MAX_EDGES = 450;
