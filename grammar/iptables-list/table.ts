/**
 * Which table and family a listing shows. `iptables -L` prints one table, named only by the command's
 * `-t` (filter without one); a paste without its command is placed by its chains and targets, as headerless
 * `iptables -S` output is (iptables-save/implied-table.ts).
 */
import type { TableName } from '../../src/model/ruleset';
import type { Family } from '../../src/model/values';
import { tableOfCommand, tableOfContent } from '../iptables-save/implied-table';

/** `iptables -L`, `iptables -nvL`, `iptables --list`: a listing command, whose table is filter without -t. */
const LIST_COMMAND =
  /(?:^|[\s/_])ip6?tables(?:-nft|-legacy)?(?:[\s_]+\S+)*?[\s_]+(?:-[a-zA-Z]*L[a-zA-Z]*|--list)(?:[\s_]|$)/;

export function tableOfListing(
  hint: string,
  chains: ReadonlySet<string>,
  targets: ReadonlySet<string>,
): { readonly table: TableName; readonly why?: string } {
  const named = tableOfCommand(hint);
  if (named) return { table: named };
  if (LIST_COMMAND.test(hint)) return { table: 'filter' };
  const implied = tableOfContent({ chains, targets });
  return implied
    ? { table: implied.table, why: `read as the ${implied.table} table: ${implied.why}` }
    : { table: 'filter', why: 'nothing in it names its table: read as the filter table' };
}

/** ip6tables by the command, else by the addresses the rules show. */
export function familyOfListing(hint: string, addresses: readonly string[]): Family {
  if (/(?:^|[\s/_])ip6tables/.test(hint)) return 'ipv6';
  if (/(?:^|[\s/_])iptables/.test(hint)) return 'ipv4';
  return addresses.some((a) => a.includes(':')) ? 'ipv6' : 'ipv4';
}

/** The backend a command names (`iptables-legacy -L`, `iptables-nft -L`). */
export function backendOfListing(hint: string): 'legacy' | 'nft' | undefined {
  return /ip6?tables-(legacy|nft)\b/.exec(hint)?.[1] as 'legacy' | 'nft' | undefined;
}
