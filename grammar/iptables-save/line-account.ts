/** The account of every line of a dump (model/section.ts, LineAccount), counted as the lines are read. */
import type { LineAccount } from '../../src/model/section';

export type LineTally = { -readonly [K in keyof LineAccount]: LineAccount[K] };

export const newLineTally = (): LineTally => ({
  rules: 0,
  chains: 0,
  tables: 0,
  commits: 0,
  comments: 0,
  blank: 0,
  prompts: 0,
  rejected: 0,
});
