/** Options every command takes (contracts.md). */
export interface GlobalOptions {
  json: boolean;
  failOn: string;
  debug: boolean;
}

/** A repeatable option as a list: yargs gives one string for one use, an array for several, nothing for none. */
export const listOption = (value: string | string[] | undefined): string[] => [value ?? []].flat();
