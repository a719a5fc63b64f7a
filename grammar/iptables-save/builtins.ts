/** Tables and their built-in chains in kernel hook order (formats.md §1.1). */
import type { TableName } from '../../src/model/ruleset';

export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly string[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export function isTableName(name: string): name is TableName {
  return Object.hasOwn(BUILTIN_CHAINS, name);
}
