/** Options every command takes (contracts.md). */
export interface GlobalOptions {
  json: boolean;
  failOn: string;
  debug: boolean;
}
