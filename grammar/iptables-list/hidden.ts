/** What an `iptables -L` listing does not show, in the words diagnostics and walks use. */

/** Without -v the in/out columns are missing: a rule may test interfaces the listing does not show. */
export const INTERFACES_HIDDEN =
  'iptables -L without -v does not show interfaces: each rule is read as matching on any interface, an assumption on every path through it';

/** What a walk through one such rule assumes, naming the rule so a path lists each it passed once. */
export const interfacesAssumed = (table: string, chain: string, index: number) =>
  `${table} ${chain} rule ${index}: its interfaces are not shown (iptables -L without -v); assumed to match any`;

export const hostNameWarning = (name: string) =>
  `'${name}' is a host name (a listing without -n): the address it stands for is not in the dump, so the rule is kept with the address unknown`;

export const opaqueWarning = (what: 'match' | 'target', first: string) =>
  `listing text '${first} …' is no ${what} text nfwalk reads: kept verbatim as an opaque ${what}, which the walk treats as undecidable`;
