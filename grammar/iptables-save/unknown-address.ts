/**
 * Addresses people mask before pasting a dump into an issue: `x.x.x.x`, `xxx.xxx.xxx.xxx`, `10.x.x.x/16`,
 * `<node-ip>`, `$NODE_IP`, `[REDACTED]`. No kernel accepts them, but the rule around one is still worth
 * reading: it is kept with the address unknown (model/values.ts `UnknownAddress`), and a warning says so.
 */
import { isProblem, valueProblem, type ValueProblem } from '../shared/problem';
import type { Rule } from '../../src/model/ruleset';
import { type Family, type NatRange, type RuleAddress, isUnknownAddress } from '../../src/model/values';
import { ADDRESS_BITS, maskedAddress } from '../shared/masked-address';
import { parseAddressMask, parsePortRange } from './codecs';
import type { RuleClause } from './rule-clauses';

/** `-s`/`-d`: an address with its mask, else a masked one, else the problem with the text. */
export function parseRuleAddress(text: string, family: Family): RuleAddress | ValueProblem {
  const a = parseAddressMask(text);
  if (!isProblem(a)) return a;
  const masked = maskedAddress(text, family);
  return typeof masked === 'string' ? valueProblem(masked) : (masked ?? a);
}

const warning = (text: string) =>
  `address '${text}' is masked: the rule is kept with the address unknown, and a packet walk splits on it`;

/** A warning, with its column, for each masked address of a rule: the rule is kept, its reader must know. */
export function unknownAddressWarnings(
  rule: Rule,
  clauses: readonly RuleClause[],
): { readonly column: number; readonly message: string }[] {
  const out: { column: number; message: string }[] = [];
  for (const s of clauses) {
    if (s.kind === 'base' && (s.option === 's' || s.option === 'd')) {
      const value = (s.option === 's' ? rule.source : rule.destination)?.value;
      if (value && isUnknownAddress(value)) out.push({ column: s.args[0]!.column, message: warning(value.unknown) });
    } else if (s.kind === 'target' && (rule.target?.kind === 'DNAT' || rule.target?.kind === 'SNAT')) {
      const ranges = rule.target.kind === 'DNAT' ? rule.target.toDestination : rule.target.toSource;
      for (const r of ranges ?? []) {
        if (!isUnknownAddress(r.addresses)) continue;
        const text = r.addresses.unknown;
        const word = s.words.find((w) => w.text.includes(text));
        out.push({ column: word ? word.column + word.text.indexOf(text) : s.at.column, message: warning(text) });
      }
    }
  }
  return out;
}

/** DNAT/SNAT `--to-destination 10.x.x.x:8080`, `<node-ip>`, `[xxxx::x]:80-90`: a NAT range to a masked address. */
export function parseUnknownNatRange(text: string, family: Family): NatRange | undefined {
  const m = (
    family === 'ipv6' && !text.startsWith('[') ? /^(.*)()()$/ : /^(\[[^\]]*\]|.*?)(?::(\d+)(?:-(\d+))?)?$/
  ).exec(text);
  const address = m?.[1]?.replace(/^\[(.*)\]$/, '$1');
  const unknown = address ? maskedAddress(address, family) : undefined;
  if (!m || !unknown || typeof unknown === 'string' || unknown.prefix !== ADDRESS_BITS[family]) return undefined;
  const ports = m[2] ? parsePortRange(m[3] ? `${m[2]}-${m[3]}` : m[2], '-') : undefined;
  if (isProblem(ports)) return undefined;
  return { family, addresses: unknown, ...(ports ? { ports } : {}) };
}
