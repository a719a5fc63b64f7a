/**
 * `conntrack -L -o save` lines: conntrack's own command syntax (`-A -t 431981 -u SEEN_REPLY,ASSURED -s … -d …
 * -g <dnat> -n <snat> -p tcp --sport … --dport … --reply-port-src … --reply-port-dst … --state ESTABLISHED`).
 * `-r`/`-q` give the reply addresses when there is no NAT, `-g`/`-n` when there is.
 */
import type { IToken } from 'chevrotain';
import type { ConntrackEntry, ConntrackStatusFlag, ConntrackTuple } from '../../src/model/conntrack';
import { canonicalAddress } from '../shared/address';
import type { LineProblem } from '../shared/problem';
import { L4_NUMBERS, icmpReplyType } from './protocols';

type MutableTuple = { -readonly [K in keyof ConntrackTuple]?: ConntrackTuple[K] };

const NUMERIC: Readonly<Record<string, [side: 'o' | 'r', key: 'sport' | 'dport' | 'type' | 'code' | 'id']>> = {
  '--sport': ['o', 'sport'],
  '--dport': ['o', 'dport'],
  '--reply-port-src': ['r', 'sport'],
  '--reply-port-dst': ['r', 'dport'],
  '--icmp-type': ['o', 'type'],
  '--icmp-code': ['o', 'code'],
  '--icmp-id': ['o', 'id'],
  '--icmpv6-type': ['o', 'type'],
  '--icmpv6-code': ['o', 'code'],
  '--icmpv6-id': ['o', 'id'],
};
const KEYS: Readonly<Record<string, [side: 'o' | 'r', key: 'srckey' | 'dstkey']>> = {
  '--srckey': ['o', 'srckey'],
  '--dstkey': ['o', 'dstkey'],
  '--reply-key-src': ['r', 'srckey'],
  '--reply-key-dst': ['r', 'dstkey'],
};
const ADDRESSES: Readonly<Record<string, [side: 'o' | 'r', key: 'src' | 'dst']>> = {
  '-s': ['o', 'src'],
  '-d': ['o', 'dst'],
  '-r': ['r', 'src'],
  '-q': ['r', 'dst'],
  '-g': ['r', 'src'],
  '-n': ['r', 'dst'],
};

export function decodeSaveLine(
  tokens: readonly IToken[],
  line: number,
  lineStart: number,
): ConntrackEntry | LineProblem {
  const col = (t: IToken) => t.startOffset - lineStart + 1;
  const orig: MutableTuple = {};
  const reply: MutableTuple = {};
  const entry: { -readonly [K in keyof ConntrackEntry]?: ConntrackEntry[K] } = { line, unreplied: false };
  for (let i = 1; i < tokens.length; i += 2) {
    const opt = tokens[i]!;
    const arg = tokens[i + 1];
    if (!arg) return { problem: 'broken', message: `${opt.image} needs a value`, column: col(opt) };
    const v = arg.image;
    const number = () => (/^\d+$/.test(v) ? Number(v) : undefined);
    const address = ADDRESSES[opt.image];
    const numeric = NUMERIC[opt.image];
    const key = KEYS[opt.image];
    if (address) {
      const a = canonicalAddress(v);
      if (!a) return { problem: 'broken', message: `${opt.image} needs an IP address, got '${v}'`, column: col(arg) };
      (address[0] === 'o' ? orig : reply)[address[1]] = a;
    } else if (numeric) {
      const n = number();
      if (n === undefined)
        return { problem: 'broken', message: `${opt.image} needs a number, got '${v}'`, column: col(arg) };
      (numeric[0] === 'o' ? orig : reply)[numeric[1]] = n;
    } else if (key) {
      (key[0] === 'o' ? orig : reply)[key[1]] = `0x${Number(v).toString(16)}`;
    } else {
      switch (opt.image) {
        case '-t':
          entry.timeout = number();
          break;
        case '-u': {
          const flags = v.split(',');
          entry.unreplied = !flags.includes('SEEN_REPLY');
          entry.status = (['HW_OFFLOAD', 'OFFLOAD', 'ASSURED'] as const).find((f) => flags.includes(f)) as
            | ConntrackStatusFlag
            | undefined;
          break;
        }
        case '-p': {
          entry.proto = v;
          entry.protoNum = L4_NUMBERS[v] ?? number();
          if (entry.protoNum === undefined)
            return { problem: 'broken', message: `unknown protocol '${v}'`, column: col(arg) };
          break;
        }
        case '--state':
          entry.state = v;
          break;
        case '-w':
        case '--zone':
          entry.zone = number();
          break;
        case '--orig-zone':
          entry.zoneOrig = number();
          break;
        case '--reply-zone':
          entry.zoneReply = number();
          break;
        case '-m':
        case '--mark':
          entry.mark = number();
          break;
        case '-c':
        case '--secmark':
          entry.secmark = number();
          break;
        case '-l':
        case '--label':
          entry.labels = v.split(',');
          break;
        default:
          return { problem: 'broken', message: `unknown option ${opt.image}`, column: col(opt) };
      }
    }
  }
  if (!orig.src || !orig.dst || !reply.src || !reply.dst || entry.proto === undefined)
    return { problem: 'broken', message: 'incomplete entry: needs -s, -d, reply addresses and -p', column: 1 };
  if (orig.type !== undefined) {
    // The reply of an icmp query is implied: conntrack -o save prints only the original's type, code and id.
    reply.type = icmpReplyType(entry.proto, orig.type);
    if (orig.code !== undefined) reply.code = orig.code;
    if (orig.id !== undefined) reply.id = orig.id;
  }
  entry.orig = orig as ConntrackTuple;
  entry.reply = reply as ConntrackTuple;
  entry.family = orig.src.includes(':') ? 'ipv6' : 'ipv4';
  return entry as ConntrackEntry;
}
