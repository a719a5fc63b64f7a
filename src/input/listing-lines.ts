/**
 * Lines of an `iptables -L` listing, known without reading it: a rule (`[num] [pkts bytes] [target] prot opt …`,
 * by its opt column: `--`, `-f` or `!f`) and the column header above a chain's rules. A terminal wraps both (-v and
 * --line-numbers make them wide), and a rule's counters are right-aligned, so it may start with spaces.
 */
export const LISTING_RULE = /^\s*(?:\d+\s+)?(?:\d+[KMGT]?\s+\d+[KMGT]?\s+)?(?:\S+\s+)?\S+\s+(?:--|-f|!f)\s/;
export const LISTING_COLUMNS = /^\s*(?:num\s+)?(?:pkts\s+bytes\s+)?target\s+prot\s+opt\s/;

export const isListingLine = (line: string): boolean => LISTING_RULE.test(line) || LISTING_COLUMNS.test(line);
