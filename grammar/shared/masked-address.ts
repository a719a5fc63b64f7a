/**
 * Addresses people mask before pasting a dump into an issue: `x.x.x.x`, `xxx.xxx.xxx.xxx`, `10.x.x.x/16`,
 * `<node-ip>`, `$NODE_IP`, `[REDACTED]`. No kernel prints them, but the rule, entry or interface around one is
 * still worth reading: it is kept with the address unknown (model/values.ts `UnknownAddress`).
 */
import type { Family, UnknownAddress } from '../../src/model/values';

/** A part of a dotted quad that hides its digits: `x`, `xxx`, `***`, `##`, `?`, or one letter (`a.b.c.d`). */
const MASKED_PART = /^(x+|\*+|#+|\?+|_+|[a-z])$/i;
const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
/** An IPv6 address with hidden groups: hex groups and `x`/`*` groups, at least one of the latter. */
const MASKED_IPV6 = /^(?=.*:.*:)(?=.*[x*])[0-9a-fx*:]+$/i;
/** A placeholder in place of the address: `<node-ip>`, `{{ lb_ip }}`, `$NODE_IP`, `[REDACTED]`, `NODE_IP`, `redacted`. */
const PLACEHOLDER =
  /^(<[^<>\s]+>|\{\{[^{}\s]+\}\}|\$\{?[A-Za-z_]\w*\}?|\[[A-Za-z][^[\]\s]*\]|redacted|hidden|masked|removed|anonymi[sz]ed|([A-Za-z][A-Za-z0-9]*[_-])*(ip|ips|addr|address|cidr|host)([_-][A-Za-z0-9]+)*)$/i;

export const ADDRESS_BITS: Readonly<Record<Family, number>> = { ipv4: 32, ipv6: 128 };

/**
 * The masked address `text` stands for among addresses of `family`; undefined when it is no masked address,
 * and the problem when it is one of the other family's or its prefix is too long.
 */
export function maskedAddress(text: string, family: Family): UnknownAddress | string | undefined {
  const slash = text.lastIndexOf('/');
  const body = slash < 0 ? text : text.slice(0, slash);
  const length = slash < 0 ? undefined : text.slice(slash + 1);
  if (length !== undefined && !/^\d+$/.test(length)) return undefined;
  const parts = body.split('.');
  const dotted =
    parts.length === 4 &&
    parts.every((p) => OCTET.test(p) || MASKED_PART.test(p)) &&
    parts.some((p) => MASKED_PART.test(p));
  const kind: Family | 'any' | undefined = dotted
    ? 'ipv4'
    : MASKED_IPV6.test(body)
      ? 'ipv6'
      : PLACEHOLDER.test(body)
        ? 'any'
        : undefined;
  if (!kind) return undefined;
  if (kind !== 'any' && kind !== family) return `${kind} address in an ${family} ruleset`;
  const prefix = length === undefined ? ADDRESS_BITS[family] : Number(length);
  if (prefix > ADDRESS_BITS[family]) return `prefix length /${prefix} is too long`;
  const shown = dotted ? parts.findIndex((p) => MASKED_PART.test(p)) : 0;
  const visible = {
    address: dotted
      ? [...parts.slice(0, shown), '0', '0', '0', '0'].slice(0, 4).join('.')
      : family === 'ipv4'
        ? '0.0.0.0'
        : '::',
    prefix: shown * 8,
  };
  return { family, unknown: text, prefix, visible };
}
