/** Options every command takes (contracts.md). */
export interface GlobalOptions {
  json: boolean;
  failOn: string;
  debug: boolean;
}

/** What a command gets when none of them is given: yargs's defaults, and the plain `parse FILE...` path's. */
export const globalDefaults: GlobalOptions = { json: false, failOn: 'error', debug: false };

/** A repeatable option as a list: yargs gives one string for one use, an array for several, nothing for none. */
export const listOption = (value: string | string[] | undefined): string[] => [value ?? []].flat();
