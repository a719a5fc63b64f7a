/** What an `iptables -L` listing does not show, in the words diagnostics and walks use. */

/** Without -v the in/out columns are missing: a rule may test interfaces the listing does not show. */
export const INTERFACES_HIDDEN =
  'iptables -L without -v does not show interfaces: each rule is read as matching on any interface, an assumption on every path through it';

export const hostNameWarning = (name: string) =>
  `'${name}' is a host name (a listing without -n): the address it stands for is not in the dump, so the rule is kept with the address unknown`;
