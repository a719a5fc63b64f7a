/**
 * Rules printed without `*table` lines (`iptables -S`, a grep of iptables-save): how their lines group into
 * tables and dumps, before implied-table.ts names each table.
 */
import type { WordSyntax } from './syntax';

/**
 * Rules printed without a `*table` line (`iptables -S`, a grep of iptables-save): which table they are in is
 * decided when the group closes, from the command or from what the group shows (implied-table.ts). A
 * grep of a whole dump runs several tables together; a declaration after rules, a chain declared again or
 * a chain whose rules resume after another's start the next table's group.
 */
export interface HeaderlessGroup {
  readonly chains: Set<string>;
  readonly targets: Set<string>;
  /** Built-in chains given a policy (`-P`, `:INPUT ACCEPT`): all of a table's make a whole `iptables -S`. */
  readonly policies: Set<string>;
  readonly ruleChains: Set<string>;
  lastRuleChain?: string;
  declared: boolean;
}

export const newHeaderlessGroup = (): HeaderlessGroup => ({
  chains: new Set(),
  targets: new Set(),
  policies: new Set(),
  ruleChains: new Set(),
  declared: false,
});

/** A headerless `-P`, `-N` or `-A` line, and its chain. */
export interface HeaderlessLine {
  readonly what: 'policy' | 'declaration' | 'rule';
  readonly chain: string;
}

/**
 * Whether a headerless line starts something new: `section` when a policy line follows rules (the next
 * `iptables -S` output), `group` when the next table of a grep'd dump begins.
 */
export function headerlessBreak(
  g: HeaderlessGroup,
  what: HeaderlessLine['what'],
  chain: string,
): 'section' | 'group' | undefined {
  const ruled = g.ruleChains.size > 0;
  switch (what) {
    case 'policy':
      return ruled || g.declared ? 'section' : g.policies.has(chain) ? 'group' : undefined;
    case 'declaration':
      return ruled || g.chains.has(chain) ? 'group' : undefined;
    case 'rule':
      return g.ruleChains.has(chain) && g.lastRuleChain !== chain ? 'group' : undefined;
  }
}

/** What a headerless `-P`, `-N` or `-A` line could start (see HeaderlessGroup). */
export function headerlessKind(words: readonly WordSyntax[]): HeaderlessLine | undefined {
  // `[packets:bytes] -A …` of `iptables-save -c`.
  const [cmd, chain] = words[0]!.text.startsWith('[') ? words.slice(1) : words;
  if (!cmd || !chain) return undefined;
  switch (cmd.text) {
    case '-P':
      return { what: 'policy', chain: chain.text };
    case '-N':
      return { what: 'declaration', chain: chain.text };
    case '-A':
      return { what: 'rule', chain: chain.text };
    default:
      return undefined;
  }
}

/**
 * `iptables -S` prints every chain's rules in the order it declared the chains: when chains declared after
 * the last one with rules have none, the output may have been cut there, as nothing ends it the way COMMIT
 * ends iptables-save.
 */
export function endsEarly(
  chains: readonly { readonly policy: string | null; readonly rules: readonly unknown[] }[],
): boolean {
  const last = chains.findLastIndex((c) => c.rules.length > 0);
  return chains.slice(last + 1).some((c) => c.policy === null);
}
