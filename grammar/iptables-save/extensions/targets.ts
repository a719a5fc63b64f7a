/** Target extensions (`-j NAME`): NAT, marks, conntrack, logging, and modifiers kept as typed text. */
import { isProblem, valueProblem } from '../../shared/problem';
import type { Family, NatRange } from '../../../src/model/values';
import {
  flag,
  hex,
  hexNumber,
  markMask,
  nameValue,
  natRange,
  parseMarkMask,
  portRange,
  text,
  uint,
  word,
  type Codec,
} from '../codecs';
import { everyName, opt, target, textTarget } from './define';
import type { TextOptionsTargetName, VerdictTarget } from '../../../src/model/target';
import { lookup } from '../../shared/lookup';
import { parseUnknownNatRange } from '../unknown-address';

const VERDICTS = everyName<VerdictTarget['kind']>()(['ACCEPT', 'DROP', 'RETURN', 'QUEUE', 'NOTRACK', 'TRACE']);
export const verdicts = VERDICTS.map((v) => target(v, []));

/** A NAT range, or one to an address masked in the paste (unknown-address.ts). */
const natRangeOrUnknown: Codec<NatRange> = {
  ...natRange,
  parse: (args, ctx) => {
    const r = natRange.parse(args, ctx);
    return isProblem(r) ? (parseUnknownNatRange(args[0] ?? '', ctx.family) ?? r) : r;
  },
};

export const dnat = target('DNAT', [
  opt(['--to-destination', '--to'], 'toDestination', natRangeOrUnknown, { repeatable: true }),
  opt('--random', 'random', flag),
  opt('--persistent', 'persistent', flag),
]);

export const snat = target('SNAT', [
  opt(['--to-source', '--to'], 'toSource', natRangeOrUnknown, { repeatable: true }),
  opt('--random', 'random', flag),
  opt('--random-fully', 'randomFully', flag),
  opt('--persistent', 'persistent', flag),
]);

export const masquerade = target('MASQUERADE', [
  opt(['--to-ports', '--to-port'], 'toPorts', portRange('-')),
  opt('--random', 'random', flag),
  opt('--random-fully', 'randomFully', flag),
]);

export const redirect = target('REDIRECT', [
  opt(['--to-ports', '--to-port'], 'toPorts', portRange('-')),
  opt('--random', 'random', flag),
]);

export const netmap = target('NETMAP', [opt('--to', 'to', word)]);

const REJECT_DEFAULT: Record<Family, string> = { ipv4: 'icmp-port-unreachable', ipv6: 'icmp6-port-unreachable' };
/** Short spellings iptables accepts for `--reject-with`, saved in full. */
const REJECT_ALIASES: Record<string, string> = {
  'net-unreach': 'icmp-net-unreachable',
  'host-unreach': 'icmp-host-unreachable',
  'port-unreach': 'icmp-port-unreachable',
  'proto-unreach': 'icmp-proto-unreachable',
  'net-prohib': 'icmp-net-prohibited',
  'host-prohib': 'icmp-host-prohibited',
  'admin-prohib': 'icmp-admin-prohibited',
  'tcp-rst': 'tcp-reset',
  'no-route': 'icmp6-no-route',
  'adm-prohibited': 'icmp6-adm-prohibited',
  'addr-unreach': 'icmp6-addr-unreachable',
};
const rejectWith: Codec<string> = {
  arity: 1,
  parse: ([a = '']) => lookup(REJECT_ALIASES, a) ?? a,
  print: (v, c) => ({ name: c.name, args: [v] }),
};
export const reject = target('REJECT', [opt('--reject-with', 'rejectWith', rejectWith)], {
  defaults: (family) => ({ rejectWith: REJECT_DEFAULT[family] }),
});

/**
 * MARK/CONNMARK value operations, read into the `--set-xmark V/M` form the kernel stores and iptables-save
 * prints (formats.md §1.4): set-mark V/M → V/(M|V), or-mark V → V/V, and-mark V → 0/~V, xor-mark V → V/0.
 */
const xmark: Codec<{ value: number; mask: number }> = {
  arity: 1,
  parse: ([a = ''], ctx) => {
    const m = parseMarkMask(a);
    if (isProblem(m)) return m;
    const explicitMask = a.includes('/');
    switch (ctx.optionName) {
      case '--set-xmark':
        return m;
      case '--set-mark':
        return { value: m.value, mask: (m.mask | m.value) >>> 0 };
      case '--or-mark':
        return explicitMask ? valueProblem('--or-mark takes no mask') : { value: m.value, mask: m.value };
      case '--and-mark':
        return explicitMask ? valueProblem('--and-mark takes no mask') : { value: 0, mask: ~m.value >>> 0 };
      case '--xor-mark':
        return explicitMask ? valueProblem('--xor-mark takes no mask') : { value: m.value, mask: 0 };
      default:
        return valueProblem(`unexpected option ${ctx.optionName}`);
    }
  },
  print: (v) => ({ name: '--set-xmark', args: [`${hex(v.value)}/${hex(v.mask)}`] }),
};
const XMARK_NAMES = ['--set-xmark', '--set-mark', '--and-mark', '--or-mark', '--xor-mark'];

export const markTarget = target('MARK', [opt(XMARK_NAMES, 'xmark', xmark)]);

export const connmarkTarget = target<'CONNMARK', 'mask'>(
  'CONNMARK',
  [
    opt(XMARK_NAMES, 'xmark', xmark),
    opt(['--save-mark', '--restore-mark'], 'copy', nameValue(['save-mark', 'restore-mark'])),
    opt('--nfmask', 'nfmask', hexNumber),
    opt('--ctmask', 'ctmask', hexNumber),
    opt('--mask', 'mask', hexNumber, { parseOnly: true }),
  ],
  {
    // `--mask M` sets both masks; iptables-save prints both, 0xffffffff when left out.
    normalise: ({ mask, ...rec }) =>
      rec.copy === undefined
        ? rec
        : { ...rec, nfmask: rec.nfmask ?? mask ?? 0xffffffff, ctmask: rec.ctmask ?? mask ?? 0xffffffff },
  },
);

export const ct = target('CT', [
  opt('--notrack', 'notrack', flag),
  opt('--helper', 'helper', word),
  opt('--timeout', 'timeout', word),
  opt('--ctevents', 'ctevents', word),
  opt('--expevents', 'expevents', word),
  opt('--zone-orig', 'zoneOrig', word),
  opt('--zone-reply', 'zoneReply', word),
  opt('--zone', 'zone', word),
]);

const LOG_LEVELS: Record<string, number> = {
  emerg: 0,
  alert: 1,
  crit: 2,
  error: 3,
  err: 3,
  warning: 4,
  warn: 4,
  notice: 5,
  info: 6,
  debug: 7,
};
const logLevel: Codec<number> = {
  arity: 1,
  parse: ([a = '']) => lookup(LOG_LEVELS, a) ?? (/^[0-7]$/.test(a) ? Number(a) : valueProblem(`bad log level '${a}'`)),
  // Level 4 (warning) is the default, which iptables-save leaves out.
  print: (v, c) => (v === 4 ? null : { name: c.name, args: [String(v)] }),
};

export const log = target('LOG', [
  opt('--log-prefix', 'logPrefix', text),
  opt('--log-level', 'logLevel', logLevel),
  opt('--log-tcp-sequence', 'logTcpSequence', flag),
  opt('--log-tcp-options', 'logTcpOptions', flag),
  opt('--log-ip-options', 'logIpOptions', flag),
  opt('--log-uid', 'logUid', flag),
  opt('--log-macdecode', 'logMacdecode', flag),
]);

export const nflog = target('NFLOG', [
  opt('--nflog-prefix', 'nflogPrefix', text),
  opt('--nflog-group', 'nflogGroup', uint(65535)),
  opt('--nflog-range', 'nflogRange', uint()),
  opt('--nflog-size', 'nflogSize', uint()),
  opt('--nflog-threshold', 'nflogThreshold', uint(65535)),
]);

export const tproxy = target('TPROXY', [
  opt('--on-port', 'onPort', uint(65535)),
  opt('--on-ip', 'onIp', word),
  opt('--tproxy-mark', 'tproxyMark', markMask(true)),
]);

export const tcpmss = target('TCPMSS', [
  opt('--set-mss', 'setMss', uint(65535)),
  opt('--clamp-mss-to-pmtu', 'clampMssToPmtu', flag),
]);
export const checksum = target('CHECKSUM', [opt('--checksum-fill', 'checksumFill', flag)]);

const TEXT_TARGETS = everyName<TextOptionsTargetName>()([
  'DSCP',
  'TOS',
  'TTL',
  'HL',
  'CLASSIFY',
  'SET',
  'NFQUEUE',
  'ULOG',
  'AUDIT',
  'SECMARK',
  'CONNSECMARK',
  'IDLETIMER',
  'LED',
  'SYNPROXY',
  'TEE',
  'HMARK',
  'RATEEST',
  'ECN',
  'CLUSTERIP',
  'MIRROR',
  'SAME',
]);
export const textTargets = TEXT_TARGETS.map((t) => textTarget(t));
