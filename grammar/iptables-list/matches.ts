/**
 * The text each match module prints in `iptables -L` (libxt_*.c `print`, iptables 1.8), read back into the
 * iptables-save words of that match. Many modules print their save options without the leading `--`
 * (conntrack, statistic, set, physdev); others have their own words (`tcp dpt:80`, `ADDRTYPE match`).
 */
import type { Family } from '../../src/model/values';
import type { WordSyntax } from '../iptables-save/syntax';
import { type Cursor, SaveWords } from './cursor';
import { isMark, portRangeText, portText, tcpFlagsText } from './values';

export type MatchReader = (c: Cursor) => WordSyntax[] | undefined;

/** `/* text *\/` (xt_comment). */
const comment: MatchReader = (c) => {
  const w = c.at();
  if (c.done || w.kind !== 'comment') return undefined;
  c.i++;
  return new SaveWords(w).add('-m', 'comment', '--comment').quoted(w.text).out;
};

/** `spt:80`, `dpts:!1024:65535` (xt_tcp / xt_udp print_ports). */
function portOption(c: Cursor, side: 'spt' | 'dpt', out: SaveWords): boolean | undefined {
  const m = new RegExp(`^${side}(s?):(!?)(.+)$`).exec(c.bare() ?? '');
  if (!m) return false;
  const value = m[1] ? portRangeText(m[3]!) : portText(m[3]!);
  if (!value || (m[1] === 's') !== value.includes(':')) return undefined;
  c.i++;
  out.not(m[2] === '!').add(side === 'spt' ? '--sport' : '--dport', value);
  return true;
}

/** `tcp spt:X dpt:Y option=N flags:0x17/0x02`, `udp spt:X dpt:Y`. */
const transport =
  (proto: 'tcp' | 'udp'): MatchReader =>
  (c) => {
    const at = c.at();
    if (!c.accept(proto)) return undefined;
    const out = new SaveWords(at).add('-m', proto);
    for (const side of ['spt', 'dpt'] as const) if (portOption(c, side, out) === undefined) return undefined;
    if (proto === 'tcp') {
      const option = /^option=(!?)(\d+)$/.exec(c.bare() ?? '');
      if (option) {
        c.i++;
        out.not(option[1] === '!').add('--tcp-option', option[2]!);
      }
      const flags = /^flags:(!?)([^/]+)\/(.+)$/.exec(c.bare() ?? '');
      if (flags) {
        const mask = tcpFlagsText(flags[2]!);
        const compare = tcpFlagsText(flags[3]!);
        if (!mask || !compare) return undefined;
        c.i++;
        out.not(flags[1] === '!').add('--tcp-flags', mask, compare);
      }
    }
    return out.out;
  };

/** `multiport dports 80,443`, `multiport sports  !1:1023` (the v1 print puts `!` before the list). */
const multiport: MatchReader = (c) => {
  const at = c.at();
  const kind = c.bare(1);
  if (c.bare() !== 'multiport' || (kind !== 'sports' && kind !== 'dports' && kind !== 'ports')) return undefined;
  let list = c.bare(2);
  let negated = false;
  let used = 3;
  if (list === '!') {
    negated = true;
    list = c.bare(3);
    used = 4;
  } else if (list?.startsWith('!')) {
    negated = true;
    list = list.slice(1);
  }
  const ports = list?.split(',').map(portRangeText);
  if (!ports?.every((p) => p !== undefined)) return undefined;
  c.i += used;
  return new SaveWords(at).add('-m', 'multiport').not(negated).add(`--${kind}`, ports.join(',')).out;
};

/** `statistic mode random probability 0.5`, `statistic mode nth every 3 packet 1` (packet 0 is not printed). */
const statistic: MatchReader = (c) => {
  const at = c.at();
  if (!c.accept('statistic', 'mode')) return undefined;
  const out = new SaveWords(at).add('-m', 'statistic', '--mode');
  const mode = c.take()?.text;
  const negated = c.bang();
  if (mode === 'random' && c.accept('probability')) {
    const p = c.bare();
    if (!p || !/^\d+(\.\d+)?$/.test(p)) return undefined;
    c.i++;
    return out.add('random').not(negated).add('--probability', p).out;
  }
  if (mode !== 'nth' || !c.accept('every')) return undefined;
  const every = c.take()?.text;
  if (!every || !/^\d+$/.test(every)) return undefined;
  let packet = '0';
  if (c.bare() === 'packet' && /^\d+$/.test(c.bare(1) ?? '')) {
    packet = c.bare(1)!;
    c.i += 2;
  }
  return out.add('nth').not(negated).add('--every', every, '--packet', packet).out;
};

/** `mark match ! 0x4000/0x4000` (xt_mark; `MARK match` in revision 0) and `connmark match  0x1/0x1`. */
const markLike =
  (words: readonly [string, string], module: 'mark' | 'connmark'): MatchReader =>
  (c) => {
    const at = c.at();
    if (!c.accept(...words)) return undefined;
    let negated = c.bang();
    let value = c.bare();
    if (value?.startsWith('!')) {
      negated = true;
      value = value.slice(1);
    }
    if (!value || !isMark(value)) return undefined;
    c.i++;
    return new SaveWords(at).add('-m', module).not(negated).add('--mark', value).out;
  };

/** `ADDRTYPE match src-type LOCAL dst-type !LOCAL,UNICAST limit-in`. */
const addrtype: MatchReader = (c) => {
  const at = c.at();
  if (!c.accept('ADDRTYPE', 'match')) return undefined;
  const out = new SaveWords(at).add('-m', 'addrtype');
  let any = false;
  for (const side of ['src', 'dst'] as const) {
    // Revision 0 prints `dst-type` with the `!` right after it, without a blank.
    const key = c.bare();
    const m = key && new RegExp(`^${side}-type(!?)$`).exec(key);
    if (!m) continue;
    let types = c.bare(1);
    let negated = m[1] === '!';
    if (types?.startsWith('!')) {
      negated = true;
      types = types.slice(1);
    }
    if (!types || !/^[A-Z]+(,[A-Z]+)*$/.test(types)) return undefined;
    c.i += 2;
    out.not(negated).add(`--${side}-type`, types);
    any = true;
  }
  if (c.accept('limit-in')) out.add('--limit-iface-in');
  if (c.accept('limit-out')) out.add('--limit-iface-out');
  return any ? out.out : undefined;
};

/** conntrack's options in the order conntrack_dump prints them; each takes one value word but ctdir. */
const CONNTRACK_OPTIONS = [
  'ctstate',
  'ctproto',
  'ctorigsrc',
  'ctorigdst',
  'ctreplsrc',
  'ctrepldst',
  'ctorigsrcport',
  'ctorigdstport',
  'ctreplsrcport',
  'ctrepldstport',
  'ctstatus',
  'ctexpire',
  'ctdir',
];

/**
 * `ctstate RELATED,ESTABLISHED ! ctorigdst 10.0.0.1`: one `-m conntrack` while its options come in print
 * order; an option again, or one out of order, is the next conntrack match of the rule.
 */
const conntrack: MatchReader = (c) => {
  const at = c.at();
  const out = new SaveWords(at).add('-m', 'conntrack');
  let last = -1;
  for (;;) {
    const negated = c.bare() === '!';
    const name = c.bare(negated ? 1 : 0);
    const order = name ? CONNTRACK_OPTIONS.indexOf(name) : -1;
    if (order <= last) break;
    const value = c.bare(negated ? 2 : 1);
    if (!value || (name === 'ctdir' && value !== 'ORIGINAL' && value !== 'REPLY'))
      return last < 0 ? undefined : out.out;
    c.i += negated ? 3 : 2;
    last = order;
    out.not(negated).add(`--${name}`, value);
  }
  return last < 0 ? undefined : out.out;
};

/** `state NEW,ESTABLISHED` (`-m state`, which iptables 1.8 runs as a conntrack alias). */
const state: MatchReader = (c) => {
  const at = c.at();
  const negated = c.bare() === '!';
  if (c.bare(negated ? 1 : 0) !== 'state') return undefined;
  const value = c.bare(negated ? 2 : 1);
  if (!value || !/^[A-Z]+(,[A-Z]+)*$/.test(value)) return undefined;
  c.i += negated ? 3 : 2;
  return new SaveWords(at).add('-m', 'state').not(negated).add('--state', value).out;
};

/** `! match-set KUBE-CLUSTER-IP dst,dst return-nomatch ! update-counters packets-gt 5`. */
const set: MatchReader = (c) => {
  const at = c.at();
  const negated = c.bare() === '!';
  if (c.bare(negated ? 1 : 0) !== 'match-set') return undefined;
  const name = c.bare(negated ? 2 : 1);
  const dirs = c.bare(negated ? 3 : 2);
  if (!name || !dirs || !/^(src|dst)(,(src|dst))*$/.test(dirs)) return undefined;
  c.i += negated ? 4 : 3;
  const out = new SaveWords(at).add('-m', 'set').not(negated).add('--match-set', name, dirs);
  if (c.accept('return-nomatch')) out.add('--return-nomatch');
  for (const flag of ['update-counters', 'update-subcounters']) if (c.accept('!', flag)) out.not(true).add(`--${flag}`);
  for (;;) {
    const neg = c.bare() === '!';
    const key = c.bare(neg ? 1 : 0);
    const n = c.bare(neg ? 2 : 1);
    if (!key || !/^(packets|bytes)-(eq|lt|gt)$/.test(key) || !n || !/^\d+$/.test(n)) break;
    c.i += neg ? 3 : 2;
    out.not(neg).add(`--${key}`, n);
  }
  return out.out;
};

/** `limit: avg 3/hour burst 5`. */
const limit: MatchReader = (c) => {
  const at = c.at();
  if (!c.accept('limit:', 'avg')) return undefined;
  const rate = c.bare();
  if (!rate || !/^\d+\/(sec|min|hour|day)$/.test(rate) || c.bare(1) !== 'burst' || !/^\d+$/.test(c.bare(2) ?? ''))
    return undefined;
  const burst = c.bare(2)!;
  c.i += 3;
  return new SaveWords(at).add('-m', 'limit', '--limit', rate, '--limit-burst', burst).out;
};

const RECENT_MODES: Readonly<Record<string, string>> = {
  SET: '--set',
  CHECK: '--rcheck',
  UPDATE: '--update',
  REMOVE: '--remove',
};

/** `! recent: CHECK seconds: 60 reap hit_count: 4 TTL-Match name: X side: source mask: 255.255.255.255`. */
const recent: MatchReader = (c) => {
  const at = c.at();
  const negated = c.bare() === '!';
  if (c.bare(negated ? 1 : 0) !== 'recent:') return undefined;
  c.i += negated ? 2 : 1;
  const out = new SaveWords(at).add('-m', 'recent');
  const mode = RECENT_MODES[c.bare() ?? ''];
  if (mode) {
    c.i++;
    out.not(negated).add(mode);
  }
  const seconds = c.keyed('seconds:', /^\d+$/);
  if (seconds) out.add('--seconds', seconds);
  if (c.accept('reap')) out.add('--reap');
  const hits = c.keyed('hit_count:', /^\d+$/);
  if (hits) out.add('--hitcount', hits);
  if (c.accept('TTL-Match')) out.add('--rttl');
  const name = c.keyed('name:', /./);
  if (!name) return undefined;
  out.add('--name', name);
  if (c.accept('side:', 'source')) out.add('--rsource');
  else if (c.accept('side:', 'dest')) out.add('--rdest');
  const mask = c.keyed('mask:', /./);
  if (mask) out.add('--mask', mask);
  return out.out;
};

/** `PHYSDEV match ! --physdev-is-in --physdev-out veth0 --physdev-is-bridged`: save options as they are. */
const physdev: MatchReader = (c) => {
  const at = c.at();
  if (!c.accept('PHYSDEV', 'match')) return undefined;
  const out = new SaveWords(at).add('-m', 'physdev');
  for (;;) {
    const negated = c.bare() === '!';
    const option = c.bare(negated ? 1 : 0);
    if (!option || !/^--physdev-(is-in|is-out|is-bridged|in|out)$/.test(option)) break;
    const valued = option === '--physdev-in' || option === '--physdev-out';
    if (valued && !c.bare(negated ? 2 : 1)) return undefined;
    out.not(negated).add(option, ...(valued ? [c.bare(negated ? 2 : 1)!] : []));
    c.i += (negated ? 2 : 1) + (valued ? 1 : 0);
  }
  return out.out.length > 2 ? out.out : undefined;
};

/** `owner socket exists`, `! owner UID match 0`, `owner GID match 10-20`, `incl. suppl. groups`. */
const owner: MatchReader = (c) => {
  const at = c.at();
  const out = new SaveWords(at).add('-m', 'owner');
  const items: readonly [readonly string[], string, boolean][] = [
    [['owner', 'socket', 'exists'], '--socket-exists', false],
    [['owner', 'UID', 'match'], '--uid-owner', true],
    [['owner', 'GID', 'match'], '--gid-owner', true],
    [['incl.', 'suppl.', 'groups'], '--suppl-groups', false],
  ];
  let any = false;
  for (const [words, option, valued] of items) {
    const negated = c.bare() === '!';
    if (!words.every((w, k) => c.bare(k + (negated ? 1 : 0)) === w)) continue;
    const value = valued ? c.bare(words.length + (negated ? 1 : 0)) : undefined;
    // A user or group name (a listing without -n) belongs to the node's /etc/passwd, which no dump holds.
    if (valued && !(value && /^\d+(-\d+)?$/.test(value))) return undefined;
    c.i += words.length + (negated ? 1 : 0) + (valued ? 1 : 0);
    out.not(negated).add(option, ...(value ? [value] : []));
    any = true;
  }
  return any ? out.out : undefined;
};

/** `source IP range 10.0.0.1-10.0.0.9`, `destination IP range ! A-B`. */
const iprange: MatchReader = (c) => {
  const at = c.at();
  const out = new SaveWords(at).add('-m', 'iprange');
  let any = false;
  for (const [word, option] of [
    ['source', '--src-range'],
    ['destination', '--dst-range'],
  ] as const) {
    if (!c.accept(word, 'IP', 'range')) continue;
    const negated = c.bang();
    const range = c.bare();
    if (!range || !range.includes('-')) return undefined;
    c.i++;
    out.not(negated).add(option, range);
    any = true;
  }
  return any ? out.out : undefined;
};

/** `icmptype 8`, `icmp !type 3 code 4`, `icmp echo-request` (no -n); ip6tables: `ipv6-icmptype 128`. */
const icmpLike =
  (family: Family): MatchReader =>
  (c) => {
    const [word, module, option] =
      family === 'ipv4' ? ['icmp', 'icmp', '--icmp-type'] : ['ipv6-icmp', 'icmp6', '--icmpv6-type'];
    const at = c.at();
    const first = c.bare();
    if (!first?.startsWith(word)) return undefined;
    const out = new SaveWords(at).add('-m', module);
    let negated = false;
    let type: string | undefined;
    if (first === `${word}type` || (first === word && c.bare(1) === '!type')) {
      negated = first === word;
      c.i += negated ? 2 : 1;
      type = c.bare();
      if (!type || !/^\d+$/.test(type)) return undefined;
      c.i++;
      if (c.bare() === 'code' && /^\d+$/.test(c.bare(1) ?? '')) {
        type = `${type}/${c.bare(1)}`;
        c.i += 2;
      } else if (c.bare() === 'codes') return undefined;
      if (type === '255') type = 'any';
    } else if (first === word && c.bare(1)) {
      // A name print_icmptype found for type and codes: iptables takes the same name back.
      const name = c.bare(1)!;
      if (!/^!?[a-z][a-z-]*$/.test(name)) return undefined;
      negated = name.startsWith('!');
      type = negated ? name.slice(1) : name;
      c.i += 2;
    } else return undefined;
    return out.not(negated).add(option, type).out;
  };

/** `PKTTYPE = multicast`, `PKTTYPE != broadcast`. */
const pkttype: MatchReader = (c) => {
  const at = c.at();
  const op = c.bare(1);
  if (c.bare() !== 'PKTTYPE' || (op !== '=' && op !== '!=') || !c.bare(2)) return undefined;
  const type = c.bare(2)!;
  c.i += 3;
  return new SaveWords(at)
    .add('-m', 'pkttype')
    .not(op === '!=')
    .add('--pkt-type', type).out;
};

/** `length 0:64`, `length !100`. */
const length: MatchReader = (c) => {
  const at = c.at();
  const m = c.bare() === 'length' ? /^(!?)(\d+(:\d+)?)$/.exec(c.bare(1) ?? '') : null;
  if (!m) return undefined;
  c.i += 2;
  return new SaveWords(at)
    .add('-m', 'length')
    .not(m[1] === '!')
    .add('--length', m[2]!).out;
};

/** `MAC 00:11:22:33:44:55`, `MAC ! 00:…`. */
const mac: MatchReader = (c) => {
  const at = c.at();
  if (c.bare() !== 'MAC') return undefined;
  const negated = c.bare(1) === '!';
  const address = c.bare(negated ? 2 : 1);
  if (!address || !/^([0-9A-F]{2}:){5}[0-9A-F]{2}$/i.test(address)) return undefined;
  c.i += negated ? 3 : 2;
  return new SaveWords(at).add('-m', 'mac').not(negated).add('--mac-source', address).out;
};

/** `socket --transparent --nowildcard --restore-skmark`: the save options follow the module's name. */
const socket: MatchReader = (c) => {
  const at = c.at();
  if (!c.accept('socket')) return undefined;
  const out = new SaveWords(at).add('-m', 'socket');
  for (;;) {
    const option = c.bare();
    if (option !== '--transparent' && option !== '--nowildcard' && option !== '--restore-skmark') break;
    c.i++;
    out.add(option);
  }
  return out.out;
};

/** Every reader, tried in turn at each word of the extension text; the first that reads there wins. */
export function matchReaders(family: Family): readonly MatchReader[] {
  return [
    comment,
    transport('tcp'),
    transport('udp'),
    multiport,
    statistic,
    markLike(['mark', 'match'], 'mark'),
    markLike(['MARK', 'match'], 'mark'),
    markLike(['connmark', 'match'], 'connmark'),
    markLike(['CONNMARK', 'match'], 'connmark'),
    addrtype,
    state,
    conntrack,
    set,
    limit,
    recent,
    physdev,
    owner,
    iprange,
    icmpLike(family),
    pkttype,
    length,
    mac,
    socket,
  ];
}
