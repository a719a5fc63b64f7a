/**
 * Prints a ruleset the way iptables-save does (formats.md §1.1, §1.4): the canonical form, so a dump from
 * iptables-save 1.4 or newer prints back unchanged but for its `#` lines.
 */
import type { Match } from '../../src/model/match';
import type { Chain, Rule, Ruleset } from '../../src/model/ruleset';
import type { Target } from '../../src/model/target';
import { type Counters, type Family, type RuleAddress, isUnknownAddress } from '../../src/model/values';
import { formatAddressMask } from './codecs';
import { printExtensionOptions, printWord } from './extension';
import { matchExtensions, targetExtensions } from './extensions/index';

export function printRuleset(ruleset: Ruleset): string {
  const out: string[] = [];
  for (const table of ruleset.tables) {
    out.push(`*${table.name}`);
    for (const c of table.chains)
      out.push(`:${c.name} ${c.policy ?? '-'}${c.counters ? ` ${formatCounters(c.counters)}` : ''}`);
    for (const c of table.chains) for (const r of c.rules) out.push(printRule(c, r, ruleset.family));
    out.push('COMMIT');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

const formatCounters = (c: Counters) => `[${c.packets}:${c.bytes}]`;

/** `counters: false` leaves out `[packets:bytes]`, for comparing rules of two snapshots. */
export function printRule(
  chain: Pick<Chain, 'name'>,
  rule: Rule,
  family: Family,
  options: { readonly counters: boolean } = { counters: true },
): string {
  const w: string[] = [];
  if (rule.counters && options.counters) w.push(formatCounters(rule.counters));
  w.push('-A', chain.name);
  const neg = (o: { negated: boolean } | undefined) => (o?.negated ? ['!'] : []);
  if (rule.source) w.push(...neg(rule.source), '-s', formatRuleAddress(rule.source.value));
  if (rule.destination) w.push(...neg(rule.destination), '-d', formatRuleAddress(rule.destination.value));
  if (rule.inInterface) w.push(...neg(rule.inInterface), '-i', rule.inInterface.value);
  if (rule.outInterface) w.push(...neg(rule.outInterface), '-o', rule.outInterface.value);
  if (rule.protocol) w.push(...neg(rule.protocol), '-p', rule.protocol.value);
  if (rule.fragment) w.push(...neg(rule.fragment), '-f');
  for (const m of rule.matches) w.push(...printMatch(m, family));
  if (rule.target) w.push(...printTarget(rule.target, family));
  return w.join(' ');
}

/** A masked address prints as pasted. */
const formatRuleAddress = (a: RuleAddress) => (isUnknownAddress(a) ? a.unknown : formatAddressMask(a));

function verbatim(words: readonly { text: string; bang: boolean; quoted: boolean }[]): string[] {
  return words.map((x) => (x.bang ? '!' : printWord(x)));
}

export function printMatch(m: Match, family: Family): string[] {
  if (m.module === 'opaque') return ['-m', m.name, ...verbatim(m.words)];
  return ['-m', m.module, ...printExtensionOptions(matchExtensions.get(m.module)!, m, family)];
}

function printTarget(t: Target, family: Family): string[] {
  if (t.kind === 'jump') return [t.goto ? '-g' : '-j', t.chain];
  if (t.kind === 'opaque') return ['-j', t.name, ...verbatim(t.words)];
  return ['-j', t.kind, ...printExtensionOptions(targetExtensions.get(t.kind)!, t, family)];
}
