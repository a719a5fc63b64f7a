/**
 * Addresses people mask before pasting a dump into an issue: `x.x.x.x`, `xxx.xxx.xxx.xxx`, `10.x.x.x/16`,
 * `<node-ip>`, `$NODE_IP`, `[REDACTED]`. No kernel accepts them, but the rule around one is still worth
 * reading: it is kept with the address unknown (model/values.ts `UnknownAddress`), and a warning says so.
 */
import type { Rule } from '../../src/model/ruleset';
import { type Family, type NatRange, type RuleAddress, type UnknownAddress, isUnknownAddress } from '../../src/model/values';
import { Problem, parseAddressMask, parsePortRange } from './codecs';
import type { Segment } from './segments';

/** A part of a dotted quad that hides its digits: `x`, `xxx`, `***`, `##`, `?`, or one letter (`a.b.c.d`). */
const MASKED_PART = /^(x+|\*+|#+|\?+|_+|[a-z])$/i;
const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
/** An IPv6 address with hidden groups: hex groups and `x`/`*` groups, at least one of the latter. */
const MASKED_IPV6 = /^(?=.*:.*:)(?=.*[x*])[0-9a-fx*:]+$/i;
/** A placeholder in place of the address: `<node-ip>`, `{{ lb_ip }}`, `$NODE_IP`, `[REDACTED]`, `NODE_IP`, `redacted`. */
const PLACEHOLDER =
  /^(<[^<>\s]+>|\{\{[^{}\s]+\}\}|\$\{?[A-Za-z_]\w*\}?|\[[A-Za-z][^[\]\s]*\]|redacted|hidden|masked|removed|anonymi[sz]ed|([A-Za-z][A-Za-z0-9]*[_-])*(ip|ips|addr|address|cidr|host)([_-][A-Za-z0-9]+)*)$/i;

const BITS: Readonly<Record<Family, number>> = { ipv4: 32, ipv6: 128 };

/** The masked address `text` stands for in a ruleset of `family`, or undefined when it is no masked address. */
export function parseUnknownAddress(text: string, family: Family): UnknownAddress | Problem | undefined {
  const slash = text.lastIndexOf('/');
  const body = slash < 0 ? text : text.slice(0, slash);
  const length = slash < 0 ? undefined : text.slice(slash + 1);
  if (length !== undefined && !/^\d+$/.test(length)) return undefined;
  const parts = body.split('.');
  const dotted = parts.length === 4 && parts.every((p) => OCTET.test(p) || MASKED_PART.test(p)) && parts.some((p) => MASKED_PART.test(p));
  const kind: Family | 'any' | undefined = dotted ? 'ipv4' : MASKED_IPV6.test(body) ? 'ipv6' : PLACEHOLDER.test(body) ? 'any' : undefined;
  if (!kind) return undefined;
  if (kind !== 'any' && kind !== family) return new Problem(`${kind} address in an ${family} ruleset`);
  const prefix = length === undefined ? BITS[family] : Number(length);
  if (prefix > BITS[family]) return new Problem(`prefix length /${prefix} is too long`);
  const shown = dotted ? parts.findIndex((p) => MASKED_PART.test(p)) : 0;
  const visible = { address: dotted ? [...parts.slice(0, shown), '0', '0', '0', '0'].slice(0, 4).join('.') : family === 'ipv4' ? '0.0.0.0' : '::', prefix: shown * 8 };
  return { family, unknown: text, prefix, visible };
}

/** `-s`/`-d`: an address with its mask, else a masked one, else the problem with the text. */
export function parseRuleAddress(text: string, family: Family): RuleAddress | Problem {
  const a = parseAddressMask(text);
  if (!(a instanceof Problem)) return a;
  return parseUnknownAddress(text, family) ?? a;
}

const warning = (text: string) => `address '${text}' is masked: the rule is kept with the address unknown, and a packet walk splits on it`;

/** A warning, with its column, for each masked address of a rule: the rule is kept, its reader must know. */
export function unknownAddressWarnings(rule: Rule, segments: readonly Segment[]): { readonly column: number; readonly message: string }[] {
  const out: { column: number; message: string }[] = [];
  for (const s of segments) {
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
  const m = (family === 'ipv6' && !text.startsWith('[') ? /^(.*)()()$/ : /^(\[[^\]]*\]|.*?)(?::(\d+)(?:-(\d+))?)?$/).exec(text);
  const address = m?.[1]?.replace(/^\[(.*)\]$/, '$1');
  const unknown = address ? parseUnknownAddress(address, family) : undefined;
  if (!m || !unknown || unknown instanceof Problem || unknown.prefix !== BITS[family]) return undefined;
  const ports = m[2] ? parsePortRange(m[3] ? `${m[2]}-${m[3]}` : m[2], '-') : undefined;
  if (ports instanceof Problem) return undefined;
  return { family, addresses: unknown, ...(ports ? { ports } : {}) };
}
