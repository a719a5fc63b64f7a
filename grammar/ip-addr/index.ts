/**
 * `ip addr` (plain, `-o` one-line, `-d`, `-s`; IPv4 and IPv6): an interface line `N: name[@link]: <FLAGS> mtu …`
 * and its indented `link/…`, `inet`, `inet6`, `valid_lft` lines; `-o` joins them on one line with `\`. `ip -br
 * addr` prints one line per interface, `name[@link] STATE address/prefix …`, with no index (0 here) and no scope.
 */
import type { IpAddrBody } from '../../src/model/section';
import type { IpAddress, IpInterface } from '../../src/model/ip';
import { canonicalAddress } from '../shared/address';
import { maskedAddress } from '../shared/masked-address';
import { type DumpFormat, startsWithAny } from '../shared/reader';
import { decimalWord } from '../shared/decimal';
import type { LineProblem } from '../shared/problem';
import { WordLineReader } from '../shared/word-line-reader';
import type { WordLine, WordToken } from '../shared/word-lines';

type Draft = { -readonly [K in keyof IpInterface]: IpInterface[K] } & { addresses: IpAddress[]; details: string[] };

const HEAD = /^(\d+):$/;
/** An interface's operational state, as `ip -br` prints it in its second column. */
const BRIEF_STATE = '(?:UP|DOWN|UNKNOWN|LOWERLAYERDOWN|DORMANT|NOTPRESENT|TESTING)';
/** `ip -br addr`'s line: a name, the state, and the addresses with their prefixes, if any. */
const BRIEF = new RegExp(`^[\\w.:@-]+\\s+${BRIEF_STATE}(?:\\s+[0-9a-fA-F.:]+/\\d+)*\\s*$`);
const ADDRESS_KEYS = new Set(['brd', 'scope', 'peer', 'metric', 'proto', 'label', 'any']);
const INTERFACE_KEYS = new Set([
  'mtu',
  'qdisc',
  'state',
  'group',
  'qlen',
  'master',
  'mode',
  'link-netnsid',
  'link-netns',
  'netns',
]);

class IpAddrReader extends WordLineReader<IpAddrBody> {
  private readonly interfaces: Draft[] = [];

  protected line(l: WordLine): LineProblem | undefined {
    // `ip -o` puts an interface's lines on one, separated by `\`: each part is read as the line it stands for.
    if (l.raw.includes('\\')) {
      let offset = 0;
      for (const part of l.raw.split('\\')) {
        const words = [...part.matchAll(/\S+/g)].map((m) => ({
          text: m[0],
          column: offset + m.index + 1,
          quoted: false,
        }));
        const problem = words.length === 0 ? undefined : this.words(words, l.line, offset === 0 ? part : `    ${part}`);
        if (problem) return problem;
        offset += part.length + 1;
      }
      return undefined;
    }
    return this.words(l.words, l.line, l.raw);
  }

  private words(w: readonly WordToken[], line: number, raw: string): LineProblem | undefined {
    const head = HEAD.exec(w[0]!.text);
    if (head) return this.head(w, line, Number(head[1]));
    if (BRIEF.test(raw)) return this.brief(w, line);
    const current = this.interfaces[this.interfaces.length - 1];
    // Everything but the interface line is indented; an unindented line is not ip addr's.
    if (!current || !/^\s/.test(raw))
      return {
        // Before the first interface the line is the dump's own, however it reads.
        problem: current ? 'ends' : 'broken-in-dump',
        message: 'expected an interface line (N: name: <FLAGS> …)',
        column: w[0]!.column,
      };
    const first = w[0]!.text;
    if (first === 'inet' || first === 'inet6') return this.address(current, w, line);
    if (first.startsWith('link/')) {
      current.linkType = first.slice(5);
      if (w[1] && /^[0-9a-f]{2}(:[0-9a-f]{2})+$/.test(w[1].text)) current.mac = w[1].text;
      current.details.push(raw.trim());
      return undefined;
    }
    if (first === 'valid_lft') return undefined;
    // `ip -s`: a title row (`RX: bytes packets …`) and a row of numbers under it; `ip -d`: driver details.
    current.details.push(raw.trim());
    return undefined;
  }

  /** `eth0@if7   UP   10.244.1.5/24 fe80::1/64` */
  private brief(w: readonly WordToken[], line: number): LineProblem | undefined {
    const [name, link] = w[0]!.text.split('@') as [string, string | undefined];
    const current: Draft = {
      line,
      index: 0,
      name,
      flags: [],
      state: w[1]!.text,
      addresses: [],
      details: [],
      ...(link ? { link } : {}),
    };
    this.interfaces.push(current);
    for (const cidr of w.slice(2)) {
      const problem = this.address(
        current,
        [{ ...cidr, text: cidr.text.includes(':') ? 'inet6' : 'inet' }, cidr],
        line,
      );
      if (problem) return problem;
    }
    return undefined;
  }

  private head(w: readonly WordToken[], line: number, index: number): LineProblem | undefined {
    const nameWord = w[1];
    if (!nameWord) return { problem: 'broken', message: 'an interface line needs a name', column: w[0]!.column };
    const [name, link] = nameWord.text.replace(/:$/, '').split('@') as [string, string | undefined];
    let current = this.interfaces.find((i) => i.index === index && i.name === name);
    if (!current) {
      current = { line, index, name, flags: [], addresses: [], details: [], ...(link ? { link } : {}) };
      this.interfaces.push(current);
    }
    const rest = w.slice(2);
    if (rest[0]?.text.startsWith('<')) {
      current.flags = rest[0].text.replace(/^<|>$/g, '').split(',').filter(Boolean);
      for (let i = 1; i < rest.length; i++) {
        const k = rest[i]!.text;
        const v = rest[i + 1]?.text;
        if (INTERFACE_KEYS.has(k) && v !== undefined) {
          if (k === 'mtu') current.mtu = decimalWord(v);
          else if (k === 'state') current.state = v;
          i++;
        }
      }
      return undefined;
    }
    // `ip -o addr`: `N: name    inet 10.0.0.1/24 …`
    if (rest[0] && (rest[0].text === 'inet' || rest[0].text === 'inet6')) return this.address(current, rest, line);
    if (rest.length === 0) return undefined;
    return {
      problem: 'broken',
      message: `expected <FLAGS> or an address after ${nameWord.text}`,
      column: rest[0]!.column,
    };
  }

  private address(current: Draft, w: readonly WordToken[], line: number): LineProblem | undefined {
    const family = w[0]!.text as 'inet' | 'inet6';
    const cidr = w[1];
    if (!cidr) return { problem: 'broken', message: `${family} needs an address`, column: w[0]!.column };
    const [text, prefix] = cidr.text.split('/');
    const address = canonicalAddress(text!);
    // A masked address (`inet <node-ip>/24`): the interface has one, which the paste hides.
    const masked = address ? undefined : maskedAddress(text!, family === 'inet' ? 'ipv4' : 'ipv6');
    if (!address && (masked === undefined || typeof masked === 'string'))
      return { problem: 'broken', message: `'${cidr.text}' is not an address`, column: cidr.column };
    if (masked)
      this.diagnostics.push({
        severity: 'warning',
        line,
        column: cidr.column,
        message: `address '${text}' is masked: kept, with the address unknown`,
      });
    const a: { -readonly [K in keyof IpAddress]: IpAddress[K] } = {
      line,
      family,
      address: address ?? text!,
      prefixLength: prefix === undefined ? (family === 'inet' ? 32 : 128) : Number(prefix),
      flags: [],
      ...(masked ? { masked: true as const } : {}),
    };
    const flags: string[] = [];
    for (let i = 2; i < w.length; i++) {
      const k = w[i]!.text;
      const v = w[i + 1]?.text;
      if (ADDRESS_KEYS.has(k) && v !== undefined) {
        if (k === 'brd') a.broadcast = v;
        else if (k === 'scope') a.scope = v;
        else if (k === 'peer') a.peer = v;
        else if (k === 'label') a.label = v;
        i++;
      } else if (family === 'inet' && i === w.length - 1 && (k === current.name || k.startsWith(`${current.name}:`)))
        a.label = k;
      else flags.push(k);
    }
    a.flags = flags;
    current.addresses.push(a);
    return undefined;
  }

  protected body(): IpAddrBody {
    return {
      kind: 'ip-addr',
      records: this.interfaces.reduce((n, i) => n + i.addresses.length, 0),
      diagnostics: this.diagnostics,
      interfaces: this.interfaces,
    };
  }
}

export const ipAddrFormat: DumpFormat = {
  name: 'ip-addr',
  distinctive: false,
  starts: startsWithAny([
    /^\d+: [^\s:]+(@\S+)?: <[A-Z0-9_,-]*> /,
    /^\d+: \S+\s+inet6? [0-9a-fA-F.:]+(\/\d+)?\s/,
    // `ip -br addr`: an interface with an address, so that `ip -br link` (a MAC, then flags) is not taken for it.
    new RegExp(`^[\\w.:@-]+\\s+${BRIEF_STATE}\\s+[0-9a-fA-F.:]+/\\d+`),
  ]),
  reader: () => new IpAddrReader(),
};
