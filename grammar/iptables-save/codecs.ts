/**
 * Value codecs: parse an option's argument words into a typed value (range-checked, never throwing) and
 * print it back the way iptables-save prints it (formats.md §1.2, §1.4).
 */
import { isProblem, valueProblem, type ValueProblem } from '../shared/problem';
import ipaddr from 'ipaddr.js';
import { type IpAddr, compareIpAddr, familyOfIpAddr, ipAddrText, readIpAddr } from '../shared/address';
import { lookup } from '../shared/lookup';
import { ipv4PrefixIn } from './ipv4-prefix';
import {
  type AddressMask,
  type AddressRange,
  type Family,
  type MarkMask,
  type NatRange,
  type PortRange,
  isUnknownAddress,
} from '../../src/model/values';

export interface CodecContext {
  readonly family: Family;
  /** The option name as written (`--set`, `--rcheck`, …) for codecs whose value is the name itself. */
  readonly optionName: string;
}

export interface Codec<T> {
  readonly arity: number;
  parse(args: readonly string[], ctx: CodecContext): T | ValueProblem;
  /** The option's printed name and argument words; null when iptables-save omits it (a default). */
  print(
    value: T,
    ctx: { readonly family: Family; readonly name: string },
  ): { readonly name: string; readonly args: readonly string[] } | null;
}

const same = (name: string, args: readonly string[]) => ({ name, args });

export const flag: Codec<true> = { arity: 0, parse: () => true, print: (_v, c) => same(c.name, []) };

/** A value that is the option's own name after `prefix`: `--rcheck` → 'rcheck', `--connlimit-saddr` → 'saddr'. */
export function nameValue<T extends string>(names: readonly T[], prefix = '--'): Codec<T> {
  return {
    arity: 0,
    parse: (_a, ctx) => {
      const v = ctx.optionName.slice(prefix.length) as T;
      return ctx.optionName.startsWith(prefix) && names.includes(v)
        ? v
        : valueProblem(`unexpected option ${ctx.optionName}`);
    },
    print: (v) => same(`${prefix}${v}`, []),
  };
}

export function uint(max = 0xffffffff, omitWhen?: number): Codec<number> {
  return {
    arity: 1,
    parse: ([a]) => parseUint(a ?? '', max),
    print: (v, c) => (v === omitWhen ? null : same(c.name, [String(v)])),
  };
}

/** strtoul semantics: decimal or 0x-hex (kube-proxy of 2016 wrote `0x00004000`). */
export function parseUint(text: string, max = 0xffffffff): number | ValueProblem {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) return valueProblem(`expected a number, got '${text}'`);
  const v = Number(text);
  return v > max ? valueProblem(`${text} is out of range (max ${max})`) : v;
}

export const hex = (v: number) => `0x${v.toString(16)}`;

export const hexNumber: Codec<number> = {
  arity: 1,
  parse: ([a]) => parseUint(a ?? ''),
  print: (v, c) => same(c.name, [hex(v)]),
};

export function parseMarkMask(text: string): MarkMask | ValueProblem {
  const [v, m, extra] = text.split('/');
  if (extra !== undefined) return valueProblem(`bad mark '${text}'`);
  const value = parseUint(v ?? '');
  if (isProblem(value)) return value;
  const mask = m === undefined ? 0xffffffff : parseUint(m);
  if (isProblem(mask)) return mask;
  return { value, mask };
}

/** `V[/M]`; `alwaysMask` for targets, which print `/0xffffffff` too. */
export function markMask(alwaysMask: boolean): Codec<MarkMask> {
  return {
    arity: 1,
    parse: ([a]) => parseMarkMask(a ?? ''),
    print: (v, c) =>
      same(c.name, [alwaysMask || v.mask !== 0xffffffff ? `${hex(v.value)}/${hex(v.mask)}` : hex(v.value)]),
  };
}

export function parsePortRange(text: string, sep: ':' | '-'): PortRange | ValueProblem {
  const parts = text.split(sep);
  if (parts.length > 2) return valueProblem(`bad port range '${text}'`);
  const [a = '', b] = parts;
  const from = a === '' && b !== undefined ? 0 : parsePort(a);
  if (isProblem(from)) return from;
  if (b === undefined) return { from, to: from };
  const to = b === '' ? 65535 : parsePort(b);
  if (isProblem(to)) return to;
  return from <= to ? { from, to } : valueProblem(`port range '${text}' runs backwards`);
}

function parsePort(text: string): number | ValueProblem {
  if (!/^\d+$/.test(text)) return valueProblem(`expected a port number, got '${text}'`);
  const v = Number(text);
  return v > 65535 ? valueProblem(`port ${v} is out of range`) : v;
}

const formatPortRange = (r: PortRange, sep: ':' | '-') => (r.from === r.to ? String(r.from) : `${r.from}${sep}${r.to}`);

export function portRange(sep: ':' | '-' = ':'): Codec<PortRange> {
  return {
    arity: 1,
    parse: ([a]) => parsePortRange(a ?? '', sep),
    print: (v, c) => same(c.name, [formatPortRange(v, sep)]),
  };
}

export const portList: Codec<readonly PortRange[]> = {
  arity: 1,
  parse: ([a]) => {
    const out: PortRange[] = [];
    for (const item of (a ?? '').split(',')) {
      const r = parsePortRange(item, ':');
      if (isProblem(r)) return r;
      out.push(r);
    }
    return out.length > 15 ? valueProblem('multiport takes at most 15 ports') : out;
  },
  print: (v, c) => same(c.name, [v.map((r) => formatPortRange(r, ':')).join(',')]),
};

/** An address of a rule's option, or the problem with it. */
function ipOrProblem(text: string): IpAddr | ValueProblem {
  return readIpAddr(text) ?? valueProblem(`expected an IP address, got '${text}'`);
}

/** `A[/N|/DOTTED]`, host bits cleared as the kernel stores it; a missing mask means a host. */
export function parseAddressMask(text: string): AddressMask | ValueProblem {
  const fast = ipv4PrefixIn(text, 0, text.length);
  if (fast) return fast;
  const slash = text.indexOf('/');
  const ip = ipOrProblem(slash < 0 ? text : text.slice(0, slash));
  if (isProblem(ip)) return ip;
  const family = familyOfIpAddr(ip);
  const bits = family === 'ipv4' ? 32 : 128;
  const maskText = slash < 0 ? String(bits) : text.slice(slash + 1);
  const bytes = ip.toByteArray();
  let prefix: number;
  let maskBytes: number[];
  let dotted: string | undefined;
  if (/^\d+$/.test(maskText)) {
    prefix = Number(maskText);
    if (prefix > bits) return valueProblem(`prefix length /${prefix} is too long`);
    maskBytes = prefixBytes(prefix, bytes.length);
  } else {
    const m = ipOrProblem(maskText);
    if (isProblem(m) || familyOfIpAddr(m) !== family) return valueProblem(`bad netmask '${maskText}'`);
    maskBytes = m.toByteArray();
    const len = m.prefixLengthFromSubnetMask();
    // A non-contiguous mask has no prefix length; iptables-save keeps it dotted.
    if (len === null) dotted = ipAddrText(m);
    prefix = len ?? bits;
  }
  const address = ipAddrText(ipaddr.fromByteArray(bytes.map((b, i) => b & (maskBytes[i] ?? 0))));
  return dotted ? { family, address, prefix, mask: dotted } : { family, address, prefix };
}

function prefixBytes(prefix: number, length: number): number[] {
  return Array.from({ length }, (_, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    return (0xff << (8 - bits)) & 0xff;
  });
}

export function formatAddressMask(a: AddressMask, omitHostPrefix = false): string {
  if (a.mask) return `${a.address}/${a.mask}`;
  const host = a.prefix === (a.family === 'ipv4' ? 32 : 128);
  return omitHostPrefix && host ? a.address : `${a.address}/${a.prefix}`;
}

/** `-s/-d` print `/32`; conntrack's `--ctorigdst` and friends print a host without it. */
export function addressMask(omitHostPrefix = false): Codec<AddressMask> {
  return {
    arity: 1,
    parse: ([a]) => parseAddressMask(a ?? ''),
    print: (v, c) => same(c.name, [formatAddressMask(v, omitHostPrefix)]),
  };
}

export const addressRange: Codec<AddressRange> = {
  arity: 1,
  parse: ([a]) => {
    const [x = '', y = ''] = (a ?? '').split('-');
    const from = ipOrProblem(x);
    const to = ipOrProblem(y || x);
    if (isProblem(from)) return from;
    if (isProblem(to)) return to;
    // The kernel refuses a reversed range (xt_iprange: "range … is reversed").
    if (compareIpAddr(from, to) > 0) return valueProblem(`range ${a} is reversed`);
    return { family: familyOfIpAddr(from), from: ipAddrText(from), to: ipAddrText(to) };
  },
  print: (v, c) => same(c.name, [`${v.from}-${v.to}`]),
};

/** DNAT/SNAT `[A[-B]][:P[-Q]]`; IPv6 addresses in brackets when a port follows. */
function parseNatRange(text: string, family: Family): NatRange | ValueProblem {
  const m =
    family === 'ipv6' || text.startsWith('[')
      ? /^(?:\[?([0-9a-fA-F:.]+)\]?(?:-\[?([0-9a-fA-F:.]+)\]?)?)?(?::(\d+)(?:-(\d+))?)?$/.exec(
          text.includes('[') || !text.includes(':') ? text : `[${text}]`,
        )
      : /^(?:([\d.]+)(?:-([\d.]+))?)?(?::(\d+)(?:-(\d+))?)?$/.exec(text);
  if (!m) return valueProblem(`bad NAT range '${text}'`);
  const [, a, b, p, q] = m;
  let addresses: NatRange['addresses'];
  if (a) {
    const from = ipOrProblem(a);
    const to = ipOrProblem(b ?? a);
    if (isProblem(from)) return from;
    if (isProblem(to)) return to;
    addresses = { from: ipAddrText(from), to: ipAddrText(to) };
  }
  let ports: PortRange | undefined;
  if (p) {
    const r = parsePortRange(q ? `${p}-${q}` : p, '-');
    if (isProblem(r)) return r;
    ports = r;
  }
  // Literals rather than spreads, which V8 builds on its slow path (20,000 DNAT targets in a kube-proxy dump).
  if (addresses) return ports ? { family, addresses, ports } : { family, addresses };
  return ports ? { family, ports } : valueProblem(`empty NAT range '${text}'`);
}

function formatNatRange(r: NatRange): string {
  let s = '';
  if (isUnknownAddress(r.addresses)) s = r.addresses.unknown;
  else if (r.addresses) {
    s = r.addresses.from === r.addresses.to ? r.addresses.from : `${r.addresses.from}-${r.addresses.to}`;
  }
  // ip6tables brackets the whole address range when a port follows: `[fd00::5-fd00::9]:8080-8090`.
  if (r.addresses && r.family === 'ipv6' && r.ports) s = `[${s}]`;
  if (r.ports) s += `:${formatPortRange(r.ports, '-')}`;
  return s;
}

export const natRange: Codec<NatRange> = {
  arity: 1,
  parse: ([a], ctx) => parseNatRange(a ?? '', ctx.family),
  print: (v, c) => same(c.name, [formatNatRange(v)]),
};

/** Save-side quoting of xtables_save_string: bare iff non-empty and all of [A-Za-z0-9_-]. */
function quoteSaveString(s: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(s)) return s;
  return `"${s.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** Whether iptables-restore reads the text back unchanged without quotes (no blank, quote or backslash). */
export const readsBackBare = (text: string) => /^[^\s"'\\]+$/.test(text);

/** Free text such as `--comment` or `--log-prefix`, printed with save-side quoting. */
export const text: Codec<string> = {
  arity: 1,
  parse: ([a]) => a ?? '',
  print: (v, c) => same(c.name, [quoteSaveString(v)]),
};

/** A name printed as is (set, chain, interface and helper names; iptables-save never quotes them). */
export const word: Codec<string> = {
  arity: 1,
  parse: ([a]) => (a === undefined || a === '' ? valueProblem('expected a name') : a),
  print: (v, c) => same(c.name, [readsBackBare(v) ? v : quoteSaveString(v)]),
};

export function lowerWord(): Codec<string> {
  return { ...word, parse: ([a]) => (a ? a.toLowerCase() : valueProblem('expected a value')) };
}

export function oneOf<T extends string>(values: readonly T[]): Codec<T> {
  return {
    arity: 1,
    parse: ([a]) =>
      values.includes(a as T) ? (a as T) : valueProblem(`expected one of ${values.join(', ')}, got '${a}'`),
    print: (v, c) => same(c.name, [v]),
  };
}

/** Comma list of names, printed in the kernel's bit order as iptables-save does. */
export function enumList(
  order: readonly string[],
  aliases: Record<string, readonly string[]> = {},
): Codec<readonly string[]> {
  return {
    arity: 1,
    parse: ([a]) => {
      const set = new Set<string>();
      for (const raw of (a ?? '').split(',')) {
        const n = raw.toUpperCase();
        const expanded = lookup(aliases, n) ?? [n];
        for (const e of expanded) {
          if (!order.includes(e)) return valueProblem(`unknown value '${raw}'`);
          set.add(e);
        }
      }
      return order.filter((n) => set.has(n));
    },
    print: (v, c) => same(c.name, [v.length === 0 ? 'NONE' : v.join(',')]),
  };
}

/** statistic `--probability`: stored as n/2^31 by the kernel, printed `%.11f` (formats.md §1.4). */
export const probability: Codec<number> = {
  arity: 1,
  parse: ([a]) => {
    const p = Number(a);
    if (a === undefined || a === '' || !Number.isFinite(p) || p < 0 || p > 1)
      return valueProblem(`probability must be between 0 and 1, got '${a}'`);
    return Math.round(p * 0x80000000) / 0x80000000;
  },
  print: (v, c) => same(c.name, [v.toFixed(11)]),
};

/** Owner `--uid-owner 1000` or `1000-2000` (numeric; names resolve on the node only). */
export const idRange: Codec<{ from: number; to: number }> = {
  arity: 1,
  parse: ([a]) => {
    const [x = '', y] = (a ?? '').split('-');
    const from = parseUint(x);
    const to = y === undefined ? from : parseUint(y);
    if (isProblem(from)) return valueProblem(`expected a numeric id, got '${a}'`);
    if (isProblem(to)) return to;
    return { from, to };
  },
  print: (v, c) => same(c.name, [v.from === v.to ? String(v.from) : `${v.from}-${v.to}`]),
};

/** Several argument words kept as written (sctp `--chunk-types all INIT,ACK`). */
export function words(arity: number): Codec<readonly string[]> {
  return {
    arity,
    parse: (args) => args,
    print: (v, c) =>
      same(
        c.name,
        v.map((w) => (readsBackBare(w) ? w : quoteSaveString(w))),
      ),
  };
}
