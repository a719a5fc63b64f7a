/** Where a record came from: 1-based line and column in the input file. */
export interface SourceRef {
  readonly path: string;
  readonly line: number;
  readonly column: number;
}
